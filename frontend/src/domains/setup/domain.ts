import { defineDomain } from '../types'
import { en, zhCN } from './i18n'

export default defineDomain({
  name: 'setup',
  desktopRoutes: [
    {
      path: 'setup/divisions',
      name: 'setup-divisions',
      component: () => import('./desktop/DivisionTree.vue'),
      meta: { titleKey: 'setup.divisions', roles: ['county_admin'] },
    },
    {
      path: 'setup/api-clients',
      name: 'setup-api-clients',
      component: () => import('./desktop/ApiClientList.vue'),
      meta: { titleKey: 'setup.apiClients', roles: ['county_admin'] },
    },
    {
      path: 'setup/users',
      name: 'setup-users',
      component: () => import('./desktop/UserList.vue'),
      meta: { titleKey: 'setup.usersMenu', roles: ['county_admin'] },
    },
    {
      path: 'account/password',
      name: 'setup-password',
      component: () => import('./desktop/PasswordView.vue'),
      meta: { titleKey: 'setup.password.title' },
    },
    {
      path: 'setup/audit-log',
      name: 'setup-audit-log',
      component: () => import('./desktop/AuditLog.vue'),
      meta: { titleKey: 'setup.auditLog', roles: ['county_admin', 'discipline_inspector'] },
    },
  ],
  messages: { 'zh-CN': zhCN, en },
})
