/** Loading the dashboard's panels for a month and township (one request per panel, in parallel). */
import { ref, type Ref } from 'vue'
import { api, unwrap } from '@/api/client'
import { ApiError } from '@/api/errors'
import type { PanelName, Panels } from './types'

export const PANEL_NAMES: PanelName[] = ['rectification', 'pairing', 'cadres', 'tasks', 'funds', 'disclosures', 'discipline']

/** A panel the caller's role may not read (403: the discipline register) is left out, not an error. */
export async function unlessForbidden<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p
  } catch (e) {
    if (e instanceof ApiError && e.status === 403) return undefined
    throw e
  }
}

export function usePanels(month: Ref<string>, township: Ref<string>) {
  const panels = ref<Partial<Panels>>({})
  const loading = ref(false)
  const error = ref<unknown>(null)
  let seq = 0

  async function load(): Promise<void> {
    const mine = ++seq
    loading.value = true
    error.value = null
    const query: { month: string; township_code?: string } = { month: month.value }
    if (township.value) query.township_code = township.value
    try {
      const [rectification, pairing, cadres, tasks, funds, disclosures, discipline] = await Promise.all([
        unwrap(api.GET('/api/v1/dashboards/rectification', { params: { query } })),
        unwrap(api.GET('/api/v1/dashboards/pairing', { params: { query } })),
        unwrap(api.GET('/api/v1/dashboards/cadres', { params: { query } })),
        unwrap(api.GET('/api/v1/dashboards/tasks', { params: { query } })),
        unwrap(api.GET('/api/v1/dashboards/funds', { params: { query } })),
        unwrap(api.GET('/api/v1/dashboards/disclosures', { params: { query } })),
        unlessForbidden(unwrap(api.GET('/api/v1/dashboards/discipline', { params: { query } }))),
      ])
      if (mine === seq) panels.value = { rectification, pairing, cadres, tasks, funds, disclosures, ...(discipline ? { discipline } : {}) }
    } catch (e) {
      if (mine === seq) error.value = e
    } finally {
      if (mine === seq) loading.value = false
    }
  }

  return { panels, loading, error, load }
}

/** The XLSX export of a panel for this month and township. */
export function exportUrl(panel: PanelName, month: string, township: string): string {
  const q = new URLSearchParams({ month })
  if (township) q.set('township_code', township)
  return `/api/v1/dashboards/${panel}/export.xlsx?${q.toString()}`
}
