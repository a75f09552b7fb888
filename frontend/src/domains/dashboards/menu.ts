import { DataAnalysis } from '@element-plus/icons-vue'
import { defineMenu } from '../types'

export default defineMenu([
  { key: 'dashboard', labelKey: 'dashboards.menu', icon: DataAnalysis, order: 5, to: { name: 'dashboard' } },
])
