/** The side menu: core entries plus every domain's, filtered by the user's role. */
import { computed, type Component } from 'vue'
import { useRouter, type Router } from 'vue-router'
import { HomeFilled } from '@element-plus/icons-vue'
import type { MenuEntry } from '@/domains'
import type { Role } from '@/api/types'
import { useAuthStore } from '@/stores/auth'
import { roleAllows } from '@/router'

export interface VisibleEntry {
  key: string
  labelKey: string
  icon?: Component
  path?: string
  children: VisibleEntry[]
}

/** src/domains/<name>/menu.ts of every domain (desktop chunks only: they import Element Plus icons). */
const domainMenus = Object.entries(import.meta.glob<MenuEntry[]>('/src/domains/*/menu.ts', { eager: true, import: 'default' }))
  .sort(([a], [b]) => a.localeCompare(b))
  .flatMap(([, entries]) => entries)

const core: MenuEntry[] = [{ key: 'home', labelKey: 'layout.home', icon: HomeFilled, to: { name: 'home' }, order: 0 }]

function visible(entries: MenuEntry[], role: Role | null, router: Router): VisibleEntry[] {
  return [...entries]
    .sort((a, b) => (a.order ?? 100) - (b.order ?? 100))
    .flatMap((entry): VisibleEntry[] => {
      if (entry.roles && (role === null || !entry.roles.includes(role))) return []
      let path: string | undefined
      if (entry.to) {
        let target: ReturnType<Router['resolve']>
        try {
          target = router.resolve(entry.to)
        } catch {
          return [] // a route of a domain not built: hidden, never a dead link
        }
        if (!entry.roles && !roleAllows(target, role)) return []
        path = target.path
      }
      const children = entry.children ? visible(entry.children, role, router) : []
      if (!path && children.length === 0) return []
      return [{ key: entry.key, labelKey: entry.labelKey, icon: entry.icon, path, children }]
    })
}

export function useMenu() {
  const router = useRouter()
  const auth = useAuthStore()
  return computed(() => visible([...core, ...domainMenus], auth.role, router))
}
