import { defineDomain } from '../types'
import { en, zhCN } from './i18n'

const SCREENING_ROLES = ['county_admin', 'township_official', 'discipline_inspector'] as const

export default defineDomain({
  name: 'rectification',
  desktopRoutes: [
    {
      path: 'screening',
      meta: { titleKey: 'rectification.rounds', roles: [...SCREENING_ROLES] },
      children: [
        { path: '', name: 'screening-rounds', component: () => import('./desktop/RoundList.vue') },
        {
          path: ':roundId(\\d+)',
          name: 'screening-round',
          component: () => import('./desktop/RoundDetail.vue'),
          meta: { titleKey: 'rectification.round' },
        },
        {
          path: ':roundId(\\d+)/townships/:township(\\d{12})/scores',
          name: 'screening-scoring',
          component: () => import('./desktop/ScoringGrid.vue'),
          meta: { titleKey: 'rectification.scoring' },
        },
        {
          path: ':roundId(\\d+)/proposals',
          name: 'screening-proposals',
          component: () => import('./desktop/ProposalList.vue'),
          meta: { titleKey: 'rectification.proposals' },
        },
      ],
    },
    {
      path: 'rectification',
      meta: { titleKey: 'rectification.cases' },
      children: [
        { path: '', name: 'rectification-cases', component: () => import('./desktop/CaseList.vue') },
        {
          path: ':caseId(\\d+)',
          name: 'rectification-case',
          component: () => import('./desktop/CaseDetail.vue'),
          meta: { titleKey: 'rectification.case' },
        },
        {
          path: 'villages/:code(\\d{12})/history',
          name: 'rectification-village-history',
          component: () => import('./desktop/VillageHistory.vue'),
          meta: { titleKey: 'rectification.history' },
        },
      ],
    },
  ],
  mobileRoutes: [
    {
      path: 'measures',
      name: 'm-measures',
      component: () => import('./mobile/OpenMeasures.vue'),
      meta: { titleKey: 'rectification.mobile.title' },
    },
  ],
  mobileShortcuts: [
    {
      key: 'measures',
      labelKey: 'rectification.mobile.shortcut',
      icon: 'todo-list-o',
      to: { name: 'm-measures' },
      roles: ['cadre', 'village_committee', 'supervision_committee'],
      order: 20,
    },
  ],
  messages: { 'zh-CN': zhCN, en },
})
