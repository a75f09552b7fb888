import type { Role } from '@/api/types'
import { defineDomain } from '../types'
import { en, zhCN } from './i18n'

/** Everyone whose scope holds villages reads the books; partner units and machine clients do not. */
const READERS: Role[] = [
  'county_admin',
  'discipline_inspector',
  'township_official',
  'township_agency',
  'village_committee',
  'supervision_committee',
  'cadre',
]

export default defineDomain({
  name: 'funds',
  desktopRoutes: [
    {
      path: 'funds',
      meta: { titleKey: 'funds.accounts', roles: READERS },
      children: [
        { path: '', name: 'funds', component: () => import('./desktop/AccountList.vue') },
        {
          path: 'villages/:code(\\d{12})',
          name: 'funds-village',
          component: () => import('./desktop/VillageAccount.vue'),
          meta: { titleKey: 'funds.account' },
        },
        {
          path: 'villages/:code(\\d{12})/claims/new',
          name: 'funds-claim-new',
          component: () => import('./desktop/ClaimNew.vue'),
          meta: { titleKey: 'funds.newClaim', roles: ['village_committee'] },
        },
        {
          path: 'budgets/:budgetId(\\d+)',
          name: 'funds-budget',
          component: () => import('./desktop/BudgetDetail.vue'),
          meta: { titleKey: 'funds.budget' },
        },
      ],
    },
    {
      path: 'claims',
      meta: { titleKey: 'funds.claims', roles: READERS },
      children: [
        { path: '', name: 'funds-claims', component: () => import('./desktop/ClaimList.vue') },
        {
          path: ':claimId(\\d+)',
          name: 'funds-claim',
          component: () => import('./desktop/ClaimDetail.vue'),
          meta: { titleKey: 'funds.claim', mobileTwin: 'm-claim' },
        },
      ],
    },
    {
      path: 'assets',
      meta: { titleKey: 'funds.assets', roles: READERS },
      children: [
        { path: '', name: 'assets', component: () => import('./desktop/RegistryList.vue'), props: { kind: 'asset' } },
        {
          path: ':assetId(\\d+)',
          name: 'asset',
          component: () => import('./desktop/RegistryDetail.vue'),
          props: { kind: 'asset' },
          meta: { titleKey: 'funds.asset' },
        },
      ],
    },
    {
      path: 'resources',
      meta: { titleKey: 'funds.resources', roles: READERS },
      children: [
        { path: '', name: 'resources', component: () => import('./desktop/RegistryList.vue'), props: { kind: 'resource' } },
        {
          path: ':resourceId(\\d+)',
          name: 'resource',
          component: () => import('./desktop/RegistryDetail.vue'),
          props: { kind: 'resource' },
          meta: { titleKey: 'funds.resource' },
        },
      ],
    },
  ],
  mobileRoutes: [
    {
      path: 'claims',
      name: 'm-claims',
      component: () => import('./mobile/MobileClaims.vue'),
      meta: { titleKey: 'funds.mobile.title', roles: ['supervision_committee', 'village_committee'] },
    },
    {
      path: 'claims/new',
      name: 'm-claim-new',
      component: () => import('./mobile/ClaimNew.vue'),
      meta: { titleKey: 'funds.mobile.newClaim', roles: ['village_committee'] },
    },
    {
      path: 'claims/:claimId(\\d+)',
      name: 'm-claim',
      component: () => import('./mobile/ClaimView.vue'),
      meta: { titleKey: 'funds.claim', roles: ['supervision_committee', 'village_committee'] },
    },
  ],
  mobileTabs: [
    {
      name: 'm-claims',
      labelKey: 'funds.mobile.tab',
      icon: 'balance-list-o',
      order: 30,
      roles: ['supervision_committee', 'village_committee'],
    },
  ],
  mobileShortcuts: [
    {
      key: 'claims',
      labelKey: 'funds.mobile.shortcut',
      icon: 'balance-list-o',
      to: { name: 'm-claims' },
      roles: ['supervision_committee'],
      order: 30,
    },
    {
      key: 'claim-new',
      labelKey: 'funds.mobile.shortcutFile',
      icon: 'add-o',
      to: { name: 'm-claim-new' },
      roles: ['village_committee'],
      order: 30,
    },
    {
      key: 'my-claims',
      labelKey: 'funds.mobile.myClaims',
      icon: 'balance-list-o',
      to: { name: 'm-claims' },
      roles: ['village_committee'],
      order: 31,
    },
  ],
  messages: { 'zh-CN': zhCN, en },
})
