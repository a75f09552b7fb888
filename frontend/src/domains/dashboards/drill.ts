/** A drill-down link of the API (`/api/v1/...?...`) as the SPA's rows page, and back. */
import type { RouteLocationRaw } from 'vue-router'

const PREFIX = '/api/v1/'

/** The rows page for an API list link; anything else (not an API list) is refused. */
export function drillRoute(link: string): RouteLocationRaw {
  if (!link.startsWith(PREFIX)) throw new Error(`not an API link: ${link}`)
  return { name: 'dashboard-rows', query: { list: link.slice(PREFIX.length) } }
}

/** The API link back from the rows page's `list` query (only paths under /api/v1/). */
export function listLink(list: unknown, limit: number, offset: number): string | null {
  if (typeof list !== 'string' || !/^[a-z][a-z0-9/_.-]*(\?.*)?$/.test(list) || list.includes('..')) return null
  const [path, query = ''] = list.split('?', 2)
  const params = new URLSearchParams(query)
  params.set('limit', String(limit))
  params.set('offset', String(offset))
  return `${PREFIX}${path}?${params.toString()}`
}
