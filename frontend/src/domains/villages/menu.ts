import { OfficeBuilding } from '@element-plus/icons-vue'
import { defineMenu } from '../types'

export default defineMenu([
  { key: 'villages', labelKey: 'villages.menu', icon: OfficeBuilding, to: { name: 'villages' }, order: 10 },
])
