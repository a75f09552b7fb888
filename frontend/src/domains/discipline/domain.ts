import type { Role } from '@/api/types'
import { defineDomain } from '../types'
import { en, zhCN } from './i18n'

/** Who reads the register (the names only for the discipline committees, as the API says). */
export const READERS: Role[] = ['discipline_inspector', 'county_admin', 'township_official']

export default defineDomain({
  name: 'discipline',
  desktopRoutes: [
    {
      path: 'discipline-cases',
      name: 'discipline-cases',
      component: () => import('./desktop/CaseRegister.vue'),
      meta: { titleKey: 'discipline.register', roles: READERS },
    },
  ],
  messages: { 'zh-CN': zhCN, en },
})
