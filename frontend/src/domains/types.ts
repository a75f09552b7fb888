import type { Component } from 'vue'
import type { RouteLocationRaw, RouteRecordRaw } from 'vue-router'
import type { Role } from '@/api/types'
import type { Locale } from '@/i18n/locales'
import type { BatchSender } from '@/offline/queue'

/** An entry of the desktop side menu. Hidden when the user's role may not open its route. */
export interface MenuEntry {
  /** Unique across domains, e.g. "villages". */
  key: string
  /** i18n key of the label, e.g. "villages.menu". */
  labelKey: string
  /** An icon component from @element-plus/icons-vue. */
  icon?: Component
  /** Where it leads (leaf entries). */
  to?: RouteLocationRaw
  /** Sub-entries (a group). */
  children?: MenuEntry[]
  /** Roles that see it; defaults to the `meta.roles` of the target route (everyone when unset). */
  roles?: Role[]
  /** Position in the menu, ascending. Core uses 0..9; domains 10, 20, ... */
  order?: number
}

/** A tab of the mobile tab bar (between "home" and "me"). */
export interface MobileTab {
  /** Route name it opens (a route from `mobileRoutes`). */
  name: string
  labelKey: string
  /** A Vant icon name, e.g. "location-o". */
  icon: string
  roles?: Role[]
  order?: number
}

/** A shortcut on the mobile home page. */
export interface MobileShortcut {
  key: string
  labelKey: string
  icon: string
  to: RouteLocationRaw
  roles?: Role[]
  order?: number
}

export type DomainMessages = Record<string, unknown>

/**
 * What a domain contributes to the SPA. Each domain has src/domains/<name>/domain.ts with
 * `export default defineDomain({...})`; it is discovered with import.meta.glob, so adding a
 * domain edits no shared file. Views must be lazy (`component: () => import('./desktop/X.vue')`)
 * so they land in their own chunks. The desktop menu lives apart, in src/domains/<name>/menu.ts
 * (`export default defineMenu([...])`), because it imports Element Plus icons, which only the
 * desktop chunks may load; domain.ts must not import element-plus, @element-plus/*, echarts or vant.
 */
export interface DomainModule {
  name: string
  /** Children of the desktop layout; paths are relative ("villages", "villages/:code"). */
  desktopRoutes?: RouteRecordRaw[]
  /** Children of the mobile tab frame under /m/; paths relative ("checkins"). */
  mobileRoutes?: RouteRecordRaw[]
  mobileTabs?: MobileTab[]
  mobileShortcuts?: MobileShortcut[]
  /** Messages per locale; merged deeply into the root (put `errors: { your_code: ... }` here too). */
  messages?: Partial<Record<Locale, DomainMessages>>
  /** Ways to replay several of the domain's queued phone writes in one request (see BatchSender). */
  offlineBatchers?: BatchSender[]
}

export function defineDomain(domain: DomainModule): DomainModule {
  return domain
}

export function defineMenu(entries: MenuEntry[]): MenuEntry[] {
  return entries
}
