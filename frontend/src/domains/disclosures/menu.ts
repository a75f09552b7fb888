import { Calendar } from '@element-plus/icons-vue'
import { defineMenu } from '../types'

export default defineMenu([
  { key: 'disclosure-board', labelKey: 'disclosures.board', icon: Calendar, to: { name: 'disclosure-board' }, order: 72 },
])
