import { describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { createRouter, createMemoryHistory } from 'vue-router'
import { defineComponent, h } from 'vue'
import { mount } from '@vue/test-utils'
import { roleAllows, routes } from '@/router'
import { useAuthStore } from '@/stores/auth'
import type { Me } from '@/api/types'
import type { MenuEntry } from '@/domains'
import { useMenu, type VisibleEntry } from './menu'

function routerWith() {
  return createRouter({ history: createMemoryHistory(), routes })
}

function menuFor(role: Me['role']): VisibleEntry[] {
  setActivePinia(createPinia())
  const auth = useAuthStore()
  auth.me = { id: 1, username: 'u', display_name: 'U', phone: null, role, scope: { kind: 'division', code: '1', name: 'x' } }
  let result: VisibleEntry[] = []
  const router = routerWith()
  mount(defineComponent({ setup: () => { result = useMenu().value; return () => h('div') } }), { global: { plugins: [router] } })
  return result
}

describe('menus follow the role', () => {
  it('checks roles on every matched route level', () => {
    const route = { matched: [{ meta: {} }, { meta: { roles: ['county_admin', 'township_official'] } }] } as never
    expect(roleAllows(route, 'county_admin')).toBe(true)
    expect(roleAllows(route, 'cadre')).toBe(false)
    expect(roleAllows(route, null)).toBe(false)
    expect(roleAllows({ matched: [{ meta: {} }] } as never, null)).toBe(true)
  })

  it('shows home and the villages screens to every signed-in role', () => {
    for (const role of ['county_admin', 'township_official', 'cadre', 'partner_unit'] as const) {
      const keys = menuFor(role).map((e) => e.key)
      expect(keys[0]).toBe('home')
      expect(keys).toContain('villages')
    }
  })

  it('every domain menu entry leads to a route that exists (no dead links)', () => {
    const router = routerWith()
    const entries = Object.values(import.meta.glob<MenuEntry[]>('/src/domains/*/menu.ts', { eager: true, import: 'default' })).flat()
    const leaves = entries.flatMap(function walk(e: MenuEntry): MenuEntry[] {
      return e.children ? e.children.flatMap(walk) : [e]
    })
    for (const leaf of leaves) {
      expect(leaf.to, leaf.key).toBeTruthy()
      const resolved = router.resolve(leaf.to!)
      expect(resolved.matched.at(-1)?.name, leaf.key).not.toBe('not-found')
    }
  })
})
