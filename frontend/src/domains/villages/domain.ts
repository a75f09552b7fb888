import { defineDomain } from '../types'
import { en, zhCN } from './i18n'

export default defineDomain({
  name: 'villages',
  desktopRoutes: [
    {
      path: 'villages',
      meta: { titleKey: 'villages.title' },
      children: [
        { path: '', name: 'villages', component: () => import('./desktop/VillageList.vue') },
        {
          path: 'positions',
          name: 'village-positions',
          component: () => import('./desktop/PositionImport.vue'),
          meta: { titleKey: 'villages.positionImport', roles: ['county_admin', 'township_official'] },
        },
        {
          path: ':code(\\d{12})',
          name: 'village-detail',
          component: () => import('./desktop/VillageDetail.vue'),
          meta: { titleKey: 'villages.detail' },
        },
      ],
    },
  ],
  messages: { 'zh-CN': zhCN, en },
})
