import { Finished, Histogram } from '@element-plus/icons-vue'
import { defineMenu } from '../types'

export default defineMenu([
  {
    key: 'rectification',
    labelKey: 'rectification.menu',
    icon: Finished,
    order: 20,
    children: [
      { key: 'screening-rounds', labelKey: 'rectification.rounds', icon: Histogram, to: { name: 'screening-rounds' } },
      { key: 'rectification-cases', labelKey: 'rectification.cases', icon: Finished, to: { name: 'rectification-cases' } },
    ],
  },
])
