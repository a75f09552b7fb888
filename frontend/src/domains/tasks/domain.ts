import type { Role } from '@/api/types'
import { defineDomain } from '../types'
import { en, zhCN } from './i18n'

const DESK: Role[] = ['county_admin', 'discipline_inspector', 'township_official', 'township_agency', 'partner_unit']
const ASSIGNERS: Role[] = ['county_admin', 'township_official']
// The responsible parties post progress on the phone: a committee, a stationed cadre, a partner unit.
const REPORTERS: Role[] = ['cadre', 'village_committee', 'partner_unit']

export default defineDomain({
  name: 'tasks',
  desktopRoutes: [
    {
      path: 'tasks',
      meta: { titleKey: 'tasks.board', roles: DESK },
      children: [
        { path: '', name: 'tasks', component: () => import('./desktop/TaskList.vue') },
        {
          path: ':id(\\d+)',
          name: 'task',
          component: () => import('./desktop/TaskDetail.vue'),
          meta: { titleKey: 'tasks.task' },
        },
      ],
    },
    {
      path: 'task-import',
      name: 'task-import',
      component: () => import('./desktop/ImportView.vue'),
      meta: { titleKey: 'tasks.import', roles: ASSIGNERS },
    },
    {
      path: 'task-catalogue',
      name: 'task-catalogue',
      component: () => import('./desktop/CatalogueView.vue'),
      meta: { titleKey: 'tasks.catalogue', roles: DESK },
    },
  ],
  mobileRoutes: [
    {
      path: 'tasks',
      name: 'm-tasks',
      component: () => import('./mobile/MyTasks.vue'),
      meta: { titleKey: 'tasks.myTasks', roles: REPORTERS },
    },
    {
      path: 'tasks/:id(\\d+)/progress',
      name: 'm-task-progress',
      component: () => import('./mobile/ProgressNew.vue'),
      meta: { titleKey: 'tasks.progress', roles: REPORTERS },
    },
  ],
  mobileShortcuts: [
    { key: 'tasks', labelKey: 'tasks.myTasks', icon: 'todo-list-o', to: { name: 'm-tasks' }, roles: REPORTERS, order: 20 },
  ],
  messages: { 'zh-CN': zhCN, en },
})
