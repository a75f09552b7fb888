/** Every src/domains/<name>/domain.ts, discovered at build time. */
import type { DomainModule } from './types'

const modules = import.meta.glob<DomainModule>('./*/domain.ts', { eager: true, import: 'default' })

export const domains: DomainModule[] = Object.entries(modules)
  .sort(([a], [b]) => a.localeCompare(b))
  .map(([, domain]) => domain)

export { defineDomain, defineMenu } from './types'
export type { DomainModule, MenuEntry, MobileTab, MobileShortcut } from './types'
