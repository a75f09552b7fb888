import { Connection, Document, Setting, Share, User } from '@element-plus/icons-vue'
import { defineMenu } from '../types'

export default defineMenu([
  {
    key: 'setup',
    labelKey: 'setup.menu',
    icon: Setting,
    order: 90,
    children: [
      { key: 'setup-divisions', labelKey: 'setup.divisions', icon: Share, to: { name: 'setup-divisions' } },
      { key: 'setup-api-clients', labelKey: 'setup.apiClients', icon: Connection, to: { name: 'setup-api-clients' } },
      { key: 'setup-users', labelKey: 'setup.usersMenu', icon: User, to: { name: 'setup-users' } },
      { key: 'setup-audit-log', labelKey: 'setup.auditLog', icon: Document, to: { name: 'setup-audit-log' } },
    ],
  },
])
