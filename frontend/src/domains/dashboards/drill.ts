/** A drill-down link of the API (`/api/v1/...?...`) as the SPA screen that lists those rows: the domain's own
 * register with the link's filters in its query (so they show in its filter controls and its total is the
 * figure), or the generic rows page where no register lists them. */
import type { LocationQueryRaw, RouteLocationRaw } from 'vue-router'

const PREFIX = '/api/v1/'

type Params = URLSearchParams
/** A register for an API list path: its route name and its query from the link's, or null when the link
 * filters by something the register cannot show (then the rows page lists them). */
type Register = (p: Params) => { name: string; query: LocationQueryRaw } | null

/** The link's values of these keys, renamed (api key -> register key); a key twice stays a list. */
function pick(p: Params, keys: Record<string, string>): LocationQueryRaw {
  const out: LocationQueryRaw = {}
  for (const [from, to] of Object.entries(keys)) {
    const all = p.getAll(from)
    if (all.length) out[to] = all.length === 1 ? all[0]! : all
  }
  return out
}

/** Only when every key of the link is one the register takes (else its total would not be the figure). */
function only(p: Params, keys: Record<string, string>, name: string, fixed: Record<string, string> = {}): ReturnType<Register> {
  for (const k of p.keys()) {
    if (!(k in keys) && fixed[k] !== p.get(k)) return null
  }
  for (const [k, v] of Object.entries(fixed)) if (p.get(k) !== v) return null
  return { name, query: pick(p, keys) }
}

const SAME = <K extends string>(...keys: K[]): Record<K, K> => Object.fromEntries(keys.map((k) => [k, k])) as Record<K, K>

const REGISTERS: Record<string, Register> = {
  villages: (p) => only(p, { township_code: 'township', status: 'status', category: 'category', pairing: 'pairing', pairing_on: 'pairing_on' }, 'villages'),
  'discipline/cases': (p) =>
    only(p, SAME('year', 'township_code', 'village_code', 'violation', 'outcome', 'filed_from', 'filed_to'), 'discipline-cases'),
  'funds/claims': (p) => only(p, SAME('status', 'needs_approval', 'township_code', 'waiting_over_days'), 'funds-claims'),
  tasks: (p) => only(p, SAME('township_code', 'status', 'pending', 'due_from', 'due_to'), 'tasks'),
  'rectification-cases': (p) => {
    // The API lists every case unless told `open`; the register opens on open ones unless told open=0.
    const r = only(p, { status: 'status', township_code: 'township' }, 'rectification-cases')
    return r && { ...r, query: { ...r.query, open: '0' } }
  },
  'cadres/checkins': (p) => {
    const r = only(p, { township_code: 'township_code', date_from: 'date_from', date_to: 'date_to', reviewed: 'reviewed' }, 'cadre-flagged-checkins', {
      flagged: 'true',
    })
    // The review list shows pending ones, or all flagged ones (reviewed=true alone it does not show).
    if (!r || p.get('reviewed') === 'true') return null
    const { reviewed: _reviewed, ...rest } = r.query
    return { ...r, query: { ...rest, pending: p.get('reviewed') === 'false' ? '1' : '0' } }
  },
  pairings: (p) => only(p, {}, 'pairings', { current: 'true' }),
  'cadres/attendance': (p) => only(p, SAME('month', 'township_code'), 'cadre-attendance'),
  'disclosures/rounds': (p) => {
    const year = p.get('year')
    const month = p.get('month')
    const township = p.get('township_code')
    if (!year || !month || !township || [...p.keys()].length !== 3) return null
    return { name: 'disclosure-board', query: { township_code: township, month: `${year}-${month.padStart(2, '0')}` } }
  },
  'dashboards/rows': (p) => {
    // A township's disclosure round of a month, all its villages: that township's month board.
    if (p.get('figure') === 'disclosure_villages' && p.get('township_code') && p.get('month') && [...p.keys()].length === 3) {
      return { name: 'disclosure-board', query: { township_code: p.get('township_code')!, month: p.get('month')! } }
    }
    return null
  },
}

/** The screen for an API list link: its register where one lists exactly those rows, else the rows page;
 * anything else (not an API list) is refused. */
export function drillRoute(link: string): RouteLocationRaw {
  if (!link.startsWith(PREFIX)) throw new Error(`not an API link: ${link}`)
  const [path = '', query = ''] = link.slice(PREFIX.length).split('?', 2)
  const register = REGISTERS[path]?.(new URLSearchParams(query))
  if (register) return register
  return { name: 'dashboard-rows', query: { list: link.slice(PREFIX.length) } }
}

/** A panel's link narrowed to one township (a chart's bar of that township): set, never repeated. */
export function withTownship(link: string | undefined, code: string): string | undefined {
  if (!link) return undefined
  const [path, query = ''] = link.split('?', 2)
  const params = new URLSearchParams(query)
  params.set('township_code', code)
  return `${path}?${params.toString()}`
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
