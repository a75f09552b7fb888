/** The task board's filters and the URL they live in (pure: TaskList reads and writes them). What is
 * not valid in a URL is left out rather than sent to the API to be refused. */
import type { LocationQuery } from 'vue-router'
import { CATEGORIES, STATUSES } from './types'
import { RESPONSIBLE_KINDS, validDay, type ResponsibleKind } from './form'

export interface BoardFilters {
  q: string
  category: string
  status: string
  villageCode: string
  township: string
  pending: boolean
  /** The programme (an item of the catalogue). */
  itemId: number | null
  /** Who is responsible: a kind, and for a partner unit or a cadre which one. */
  responsibleKind: ResponsibleKind | ''
  partnerUnitId: number | null
  cadreId: number | null
  /** Due between the two days (either may be open). */
  dueFrom: string
  dueTo: string
}

export function emptyFilters(): BoardFilters {
  return {
    q: '',
    category: '',
    status: '',
    villageCode: '',
    township: '',
    pending: false,
    itemId: null,
    responsibleKind: '',
    partnerUnitId: null,
    cadreId: null,
    dueFrom: '',
    dueTo: '',
  }
}

function one(v: LocationQuery[string] | undefined): string {
  const s = Array.isArray(v) ? v[0] : v
  return typeof s === 'string' ? s : ''
}

function id(v: string): number | null {
  if (!/^[1-9]\d{0,9}$/.test(v)) return null
  const n = Number(v)
  return n <= 2_147_483_647 ? n : null
}

export function filtersFromUrl(u: LocationQuery): BoardFilters {
  const f = emptyFilters()
  f.q = one(u.q).slice(0, 50)
  f.category = (CATEGORIES as readonly string[]).includes(one(u.category)) ? one(u.category) : ''
  f.status = (STATUSES as readonly string[]).includes(one(u.status)) ? one(u.status) : ''
  f.villageCode = /^\d{12}$/.test(one(u.village_code)) ? one(u.village_code) : ''
  f.township = /^\d{12}$/.test(one(u.township_code)) ? one(u.township_code) : ''
  f.pending = one(u.pending) === 'true'
  f.itemId = id(one(u.item_id))
  const kind = one(u.responsible_kind)
  f.responsibleKind = (RESPONSIBLE_KINDS as readonly string[]).includes(kind) ? (kind as ResponsibleKind) : ''
  f.partnerUnitId = f.responsibleKind === 'partner_unit' ? id(one(u.partner_unit_id)) : null
  f.cadreId = f.responsibleKind === 'cadre' ? id(one(u.cadre_id)) : null
  f.dueFrom = validDay(one(u.due_from)) ? one(u.due_from) : ''
  f.dueTo = validDay(one(u.due_to)) ? one(u.due_to) : ''
  if (f.dueFrom && f.dueTo && f.dueFrom > f.dueTo) [f.dueFrom, f.dueTo] = [f.dueTo, f.dueFrom]
  return f
}

/** The filters as the URL's query and the API's: only those set. */
export function filtersQuery(f: BoardFilters): Record<string, string> {
  const out: Record<string, string> = {}
  if (f.q.trim()) out.q = f.q.trim().slice(0, 50)
  if (f.category) out.category = f.category
  if (f.status) out.status = f.status
  if (/^\d{12}$/.test(f.villageCode.trim())) out.village_code = f.villageCode.trim()
  if (f.township) out.township_code = f.township
  if (f.pending) out.pending = 'true'
  if (f.itemId !== null) out.item_id = String(f.itemId)
  if (f.responsibleKind) {
    out.responsible_kind = f.responsibleKind
    if (f.responsibleKind === 'partner_unit' && f.partnerUnitId !== null) out.partner_unit_id = String(f.partnerUnitId)
    if (f.responsibleKind === 'cadre' && f.cadreId !== null) out.cadre_id = String(f.cadreId)
  }
  if (f.dueFrom) out.due_from = f.dueFrom
  if (f.dueTo) out.due_to = f.dueTo
  return out
}
