import type { Role } from '@/api/types'

declare module 'vue-router' {
  interface RouteMeta {
    /** i18n key for the breadcrumb and the document title. */
    titleKey?: string
    /** Only these roles may open the route (checked on every matched level). */
    roles?: Role[]
    /** Reachable without signing in. */
    public?: boolean
    /** Part of the phone pages under /m/. */
    mobile?: boolean
    /** A desktop page's phone twin (a route name under /m/, same params): phones are sent there. */
    mobileTwin?: string
  }
}

export {}
