import type { Role } from '@/api/types'
import { defineDomain } from '../types'
import { en, zhCN } from './i18n'
import { makeCadresBatcher } from './sync'

/** Desktop readers of cadres, their check-ins and work logs (each sees what the scope holds). */
const READERS: Role[] = ['county_admin', 'discipline_inspector', 'township_official', 'township_agency', 'partner_unit']
const COUNTY: Role[] = ['county_admin', 'discipline_inspector']
const ATTENDANCE: Role[] = ['county_admin', 'discipline_inspector', 'township_official', 'township_agency']
const REVIEWERS: Role[] = ['county_admin', 'discipline_inspector', 'township_official']

export default defineDomain({
  name: 'cadres',
  desktopRoutes: [
    {
      path: 'cadres',
      meta: { titleKey: 'cadres.title', roles: READERS },
      children: [
        { path: '', name: 'cadres', component: () => import('./desktop/CadreList.vue') },
        {
          path: ':id(\\d+)',
          name: 'cadre',
          component: () => import('./desktop/CadreDetail.vue'),
          meta: { titleKey: 'cadres.desk.detail' },
        },
        {
          path: 'villages/:code(\\d{12})',
          name: 'cadre-village',
          component: () => import('./desktop/VillageField.vue'),
          meta: { titleKey: 'cadres.desk.villageField' },
        },
      ],
    },
    {
      path: 'cadre-attendance',
      name: 'cadre-attendance',
      component: () => import('./desktop/Attendance.vue'),
      meta: { titleKey: 'cadres.desk.attendance', roles: ATTENDANCE },
    },
    {
      path: 'cadre-fieldwork-report',
      name: 'cadre-fieldwork-report',
      component: () => import('./desktop/FieldworkReport.vue'),
      meta: { titleKey: 'cadres.desk.fieldworkReport', roles: ATTENDANCE },
    },
    {
      path: 'cadre-flagged-checkins',
      name: 'cadre-flagged-checkins',
      component: () => import('./desktop/FlaggedCheckins.vue'),
      meta: { titleKey: 'cadres.desk.flaggedCheckins', roles: REVIEWERS },
    },
    {
      path: 'cadre-proposals',
      meta: { titleKey: 'cadres.desk.proposals', roles: COUNTY },
      children: [
        { path: '', name: 'cadre-proposals', component: () => import('./desktop/ProposalList.vue') },
        {
          path: ':id(\\d+)',
          name: 'cadre-proposal',
          component: () => import('./desktop/ProposalDetail.vue'),
          meta: { titleKey: 'cadres.desk.proposal' },
        },
      ],
    },
    {
      path: 'cadre-settings',
      name: 'cadre-settings',
      component: () => import('./desktop/SettingsView.vue'),
      meta: { titleKey: 'cadres.desk.settings', roles: COUNTY },
    },
  ],
  mobileRoutes: [
    {
      path: 'checkin',
      name: 'm-checkin',
      component: () => import('./mobile/CheckIn.vue'),
      meta: { titleKey: 'cadres.checkin', roles: ['cadre'] },
    },
    {
      path: 'logs',
      name: 'm-logs',
      component: () => import('./mobile/WorkLogs.vue'),
      meta: { titleKey: 'cadres.logs', roles: ['cadre'] },
    },
    {
      path: 'logs/:id(\\d+)',
      name: 'm-log',
      component: () => import('./mobile/WorkLogDetail.vue'),
      props: true,
      meta: { titleKey: 'cadres.logs', roles: ['cadre'] },
    },
    {
      path: 'logs/waiting/:waitingKey',
      name: 'm-log-waiting',
      component: () => import('./mobile/WorkLogDetail.vue'),
      props: true,
      meta: { titleKey: 'cadres.logs', roles: ['cadre'] },
    },
    {
      path: 'logs/new',
      name: 'm-log-new',
      component: () => import('./mobile/WorkLogNew.vue'),
      meta: { titleKey: 'cadres.newLog', roles: ['cadre'] },
    },
  ],
  mobileTabs: [
    { name: 'm-checkin', labelKey: 'cadres.checkinTab', icon: 'location-o', order: 10, roles: ['cadre'] },
    { name: 'm-logs', labelKey: 'cadres.logsTab', icon: 'notes-o', order: 20, roles: ['cadre'] },
  ],
  mobileShortcuts: [
    { key: 'checkin', labelKey: 'cadres.checkin', icon: 'location-o', to: { name: 'm-checkin' }, roles: ['cadre'], order: 10 },
    { key: 'log', labelKey: 'cadres.newLog', icon: 'edit', to: { name: 'm-log-new' }, roles: ['cadre'], order: 11 },
  ],
  offlineBatchers: [makeCadresBatcher()],
  messages: { 'zh-CN': zhCN, en },
})
