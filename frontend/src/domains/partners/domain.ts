import { defineDomain } from '../types'
import { en, zhCN } from './i18n'

const COUNTY = ['county_admin', 'discipline_inspector'] as const
const UNIT_READERS = ['county_admin', 'discipline_inspector', 'township_official', 'partner_unit'] as const

export default defineDomain({
  name: 'partners',
  desktopRoutes: [
    {
      path: 'partner-units',
      name: 'partner-units',
      component: () => import('./desktop/UnitList.vue'),
      meta: { titleKey: 'partners.units', roles: [...UNIT_READERS] },
    },
    {
      path: 'pairing',
      meta: { titleKey: 'partners.pairings' },
      children: [
        { path: '', name: 'pairings', component: () => import('./desktop/PairingList.vue') },
        {
          path: 'villages/:code(\\d{12})',
          name: 'pairing-history',
          component: () => import('./desktop/VillageHistory.vue'),
          meta: { titleKey: 'partners.history' },
        },
      ],
    },
    {
      path: 'pairing-proposals',
      meta: { titleKey: 'partners.proposals', roles: [...COUNTY] },
      children: [
        { path: '', name: 'pairing-proposals', component: () => import('./desktop/ProposalList.vue') },
        {
          path: ':id(\\d+)',
          name: 'pairing-proposal',
          component: () => import('./desktop/ProposalDetail.vue'),
          meta: { titleKey: 'partners.proposal' },
        },
      ],
    },
    {
      path: 'pairing-settings',
      name: 'pairing-settings',
      component: () => import('./desktop/SettingsView.vue'),
      meta: { titleKey: 'partners.settings', roles: [...COUNTY] },
    },
  ],
  messages: { 'zh-CN': zhCN, en },
})
