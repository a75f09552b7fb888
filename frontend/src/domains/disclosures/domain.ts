import type { Role } from '@/api/types'
import { defineDomain } from '../types'
import { en, zhCN } from './i18n'

/** Who reads the township's month board (the API scopes the rounds to the caller's area). */
export const BOARD_READERS: Role[] = ['township_official', 'discipline_inspector', 'county_admin']

export default defineDomain({
  name: 'disclosures',
  desktopRoutes: [
    {
      path: 'disclosure-board',
      name: 'disclosure-board',
      component: () => import('./desktop/MonthBoard.vue'),
      meta: { titleKey: 'disclosures.board', roles: BOARD_READERS },
    },
    {
      path: 'disclosure-board/:roundId(\\d+)/villages/:code(\\d{12})',
      name: 'disclosure-village',
      component: () => import('./desktop/VillageMonth.vue'),
      meta: { titleKey: 'disclosures.page.title', roles: [...BOARD_READERS, 'village_committee'] },
    },
    {
      path: 'disclosure-template',
      name: 'disclosure-template',
      component: () => import('./desktop/TemplateItems.vue'),
      meta: { titleKey: 'disclosures.template.title', roles: ['county_admin'] },
    },
    {
      path: 'disclosure-qr/:code(\\d{12})',
      name: 'disclosure-qr',
      component: () => import('./desktop/QrPrint.vue'),
      meta: { titleKey: 'disclosures.desk.qr.title', roles: [...BOARD_READERS, 'village_committee'] },
    },
    {
      path: 'disclosure-mine',
      name: 'disclosure-mine',
      component: () => import('./desktop/MyVillageMonth.vue'),
      meta: { titleKey: 'disclosures.mine', roles: ['village_committee'] },
    },
  ],
  mobileRoutes: [
    {
      path: 'disclosure-review',
      name: 'm-disclosure-review',
      component: () => import('./mobile/CommitteeReview.vue'),
      meta: { titleKey: 'disclosures.mobile.title', roles: ['supervision_committee'] },
    },
  ],
  mobileShortcuts: [
    {
      key: 'disclosure-review',
      labelKey: 'disclosures.mobile.shortcut',
      icon: 'eye-o',
      to: { name: 'm-disclosure-review' },
      roles: ['supervision_committee'],
      order: 32,
    },
  ],
  messages: { 'zh-CN': zhCN, en },
})
