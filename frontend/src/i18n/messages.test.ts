import { describe, expect, it } from 'vitest'
import { i18n, mergeDomainModules, type DomainMessageModule } from '@/i18n'
import { domains } from '@/domains'

function keys(tree: unknown, prefix = ''): string[] {
  if (typeof tree !== 'object' || tree === null) return [prefix]
  return Object.entries(tree).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k))
}

mergeDomainModules(import.meta.glob<DomainMessageModule>('/src/domains/*/desktop-i18n.ts', { eager: true }))

describe('messages', () => {
  it('has the same keys in Chinese and English (core, every domain, desktop-only messages)', () => {
    const zh = new Set(keys(i18n.global.getLocaleMessage('zh-CN')))
    const en = new Set(keys(i18n.global.getLocaleMessage('en')))
    expect([...zh].filter((k) => !en.has(k)), 'missing in en').toEqual([])
    expect([...en].filter((k) => !zh.has(k)), 'missing in zh-CN').toEqual([])
  })

  it('merges every domain’s messages', () => {
    for (const d of domains) {
      for (const k of keys(d.messages?.['zh-CN'] ?? {})) expect(i18n.global.te(k, 'zh-CN'), k).toBe(true)
    }
  })

  it('translates every route title key', () => {
    const titleKeys = domains.flatMap((d) => [...(d.desktopRoutes ?? []), ...(d.mobileRoutes ?? [])])
      .flatMap(function walk(r): string[] {
        return [...(r.meta?.titleKey ? [r.meta.titleKey] : []), ...(r.children ?? []).flatMap(walk)]
      })
    for (const k of titleKeys) {
      expect(i18n.global.te(k, 'zh-CN'), k).toBe(true)
      expect(i18n.global.te(k, 'en'), k).toBe(true)
    }
  })
})
