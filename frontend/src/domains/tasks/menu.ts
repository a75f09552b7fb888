import { Collection, List, Upload } from '@element-plus/icons-vue'
import { defineMenu } from '../types'

export default defineMenu([
  {
    key: 'tasks-group',
    labelKey: 'tasks.menu',
    icon: List,
    order: 45,
    children: [
      { key: 'tasks', labelKey: 'tasks.board', icon: List, to: { name: 'tasks' } },
      { key: 'task-import', labelKey: 'tasks.import', icon: Upload, to: { name: 'task-import' } },
      { key: 'task-catalogue', labelKey: 'tasks.catalogue', icon: Collection, to: { name: 'task-catalogue' } },
    ],
  },
])
