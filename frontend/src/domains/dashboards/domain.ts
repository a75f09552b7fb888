import { defineDomain } from '../types'
import { en, zhCN } from './i18n'

const DESK_ROLES = ['county_admin', 'discipline_inspector', 'township_official', 'township_agency', 'partner_unit'] as const

export default defineDomain({
  name: 'dashboards',
  desktopRoutes: [
    {
      path: 'dashboard',
      meta: { titleKey: 'dashboards.title' },
      children: [
        { path: '', name: 'dashboard', component: () => import('./desktop/DashboardView.vue'), meta: { roles: [...DESK_ROLES] } },
        {
          path: 'rows',
          name: 'dashboard-rows',
          component: () => import('./desktop/FigureRows.vue'),
          meta: { titleKey: 'dashboards.rows' },
        },
        {
          path: 'report',
          name: 'dashboard-report',
          component: () => import('./desktop/MonthlyReport.vue'),
          meta: { titleKey: 'dashboards.report', roles: [...DESK_ROLES] },
        },
      ],
    },
  ],
  messages: { 'zh-CN': zhCN, en },
})
