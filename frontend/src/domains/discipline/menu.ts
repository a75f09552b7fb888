import { Memo } from '@element-plus/icons-vue'
import { defineMenu } from '../types'

export default defineMenu([
  { key: 'discipline-cases', labelKey: 'discipline.register', icon: Memo, to: { name: 'discipline-cases' }, order: 75 },
])
