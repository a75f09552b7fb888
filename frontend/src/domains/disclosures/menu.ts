import { Calendar } from '@element-plus/icons-vue'
import { defineMenu } from '../types'

export default defineMenu([
  { key: 'disclosure-mine', labelKey: 'disclosures.mine', icon: Calendar, to: { name: 'disclosure-mine' }, order: 72 },
  { key: 'disclosure-board', labelKey: 'disclosures.board', icon: Calendar, to: { name: 'disclosure-board' }, order: 72 },
  { key: 'disclosure-template', labelKey: 'disclosures.template.title', icon: Calendar, to: { name: 'disclosure-template' }, order: 73 },
])
