/**
 * Routes. Desktop screens live under "/" in DesktopRoot (Element Plus), phone pages under "/m/" in
 * MobileRoot (Vant). Each domain adds its own routes through src/domains/<name>/domain.ts.
 * Every screen is a lazy chunk, so the phone never downloads Element Plus or ECharts.
 */
import { createRouter, createWebHistory, type RouteLocationNormalized, type RouteRecordRaw } from 'vue-router'
import { domains } from '@/domains'
import { i18n } from '@/i18n'
import { useAuthStore } from '@/stores/auth'
import type { Role } from '@/api/types'
import { prefersMobile } from '@/utils/device'
import './meta'

const desktopChildren = domains.flatMap((d) => d.desktopRoutes ?? [])
const mobileChildren = domains.flatMap((d) => d.mobileRoutes ?? [])

export const routes: RouteRecordRaw[] = [
  {
    path: '/m',
    component: () => import('@/mobile/MobileRoot.vue'),
    meta: { mobile: true },
    children: [
      {
        path: 'login',
        name: 'm-login',
        component: () => import('@/mobile/MobileLogin.vue'),
        meta: { public: true, titleKey: 'auth.login' },
      },
      {
        path: '',
        component: () => import('@/mobile/MobileFrame.vue'),
        children: [
          { path: '', name: 'm-home', component: () => import('@/mobile/MobileHome.vue'), meta: { titleKey: 'mobile.home' } },
          { path: 'outbox', name: 'm-outbox', component: () => import('@/mobile/MobileOutbox.vue'), meta: { titleKey: 'mobile.offlineQueue' } },
          { path: 'me', name: 'm-me', component: () => import('@/mobile/MobileMe.vue'), meta: { titleKey: 'mobile.me' } },
          ...mobileChildren,
          { path: ':pathMatch(.*)*', name: 'm-not-found', redirect: { name: 'm-home' } },
        ],
      },
    ],
  },
  {
    path: '/',
    component: () => import('@/desktop/DesktopRoot.vue'),
    children: [
      {
        path: 'login',
        name: 'login',
        component: () => import('@/desktop/LoginView.vue'),
        meta: { public: true, titleKey: 'auth.login' },
      },
      {
        path: '',
        component: () => import('@/desktop/DesktopLayout.vue'),
        children: [
          { path: '', name: 'home', component: () => import('@/desktop/HomeView.vue'), meta: { titleKey: 'layout.home' } },
          ...desktopChildren,
          { path: 'forbidden', name: 'forbidden', component: () => import('@/desktop/ForbiddenView.vue'), meta: { titleKey: 'layout.forbidden' } },
          { path: ':pathMatch(.*)*', name: 'not-found', component: () => import('@/desktop/NotFoundView.vue'), meta: { titleKey: 'layout.notFound' } },
        ],
      },
    ],
  },
]

export function isMobileRoute(route: Pick<RouteLocationNormalized, 'matched'>): boolean {
  return route.matched.some((r) => r.meta.mobile)
}

/** Roles allowed on a route: every matched level that declares roles must include the role. */
export function roleAllows(route: Pick<RouteLocationNormalized, 'matched'>, role: Role | null): boolean {
  return route.matched.every((r) => !r.meta.roles || (role !== null && r.meta.roles.includes(role)))
}

/**
 * Where a phone opening a desktop page goes: the home and the pages with a phone twin go to /m/
 * (unless the person chose the desktop pages, see utils/device). Other desktop pages stay, with
 * the menu folded.
 */
export function phoneTwin(
  to: Pick<RouteLocationNormalized, 'path' | 'matched' | 'params' | 'query'>,
  phone: () => boolean = prefersMobile,
): { path: string } | { name: string; params: RouteLocationNormalized['params']; query: RouteLocationNormalized['query'] } | null {
  if (isMobileRoute(to)) return null
  const name = [...to.matched].reverse().find((r) => r.meta.mobileTwin)?.meta.mobileTwin
  if (to.path !== '/' && !name) return null
  if (!phone()) return null
  return name ? { name, params: to.params, query: to.query } : { path: '/m/' }
}

export const router = createRouter({
  history: createWebHistory(import.meta.env.BASE_URL),
  routes,
  scrollBehavior: (_to, _from, saved) => saved ?? { top: 0 },
})

router.beforeEach(async (to) => {
  const auth = useAuthStore()
  const mobile = isMobileRoute(to)
  const twin = phoneTwin(to)
  if (twin && 'path' in twin) return twin
  if (to.meta.public) {
    if (auth.isAuthenticated && (to.name === 'login' || to.name === 'm-login')) {
      const target = typeof to.query.redirect === 'string' ? to.query.redirect : mobile ? '/m/' : '/'
      return target.startsWith('/') && !target.startsWith('//') ? target : '/'
    }
    return true
  }
  if (!auth.isAuthenticated) {
    return { name: mobile ? 'm-login' : 'login', query: to.fullPath === '/' || to.fullPath === '/m/' ? {} : { redirect: to.fullPath } }
  }
  try {
    await auth.ensureMe()
  } catch {
    if (!auth.isAuthenticated) return { name: mobile ? 'm-login' : 'login', query: { redirect: to.fullPath } }
    // No network and nothing cached: let the page show its own error.
  }
  if (!roleAllows(to, auth.role)) return mobile ? { name: 'm-home' } : { name: 'forbidden' }
  // A phone twin only for those who may open it (the committee's claim page, not the township's).
  if (twin && roleAllows(router.resolve(twin), auth.role)) return twin
  return true
})

router.afterEach((to) => {
  const key = [...to.matched].reverse().find((r) => r.meta.titleKey)?.meta.titleKey
  const app = i18n.global.t('app.name')
  document.title = key ? `${i18n.global.t(key)} · ${app}` : app
})
