/**
 * One paged list: loading, the error, the page and its size, reloading on a filter change. Every
 * list screen uses it with a `fetch(limit, offset)` that returns the API's `Page` (items, total);
 * `PagedTable.vue` shows it.
 */
import { ref, shallowRef, type Ref } from 'vue'

export interface PageOf<T> {
  items: T[]
  total: number
}

export interface PagedList<T> {
  rows: Ref<T[]>
  total: Ref<number>
  /** 1-based, as Element Plus' pagination counts */
  page: Ref<number>
  size: number
  loading: Ref<boolean>
  error: Ref<unknown>
  /** load the current page again */
  load: () => Promise<void>
  /** the filters changed: back to the first page and load */
  refilter: () => Promise<void>
  /** go to a page and load it */
  goTo: (page: number) => Promise<void>
}

export function usePagedList<T>(fetch: (limit: number, offset: number) => Promise<PageOf<T>>, size = 50): PagedList<T> {
  const rows = shallowRef<T[]>([]) as Ref<T[]>
  const total = ref(0)
  const page = ref(1)
  const loading = ref(false)
  const error = ref<unknown>(null)
  let seq = 0

  async function load(): Promise<void> {
    const mine = ++seq // a slower earlier answer must not overwrite a later one
    loading.value = true
    error.value = null
    try {
      const res = await fetch(size, (page.value - 1) * size)
      if (mine !== seq) return
      rows.value = res.items
      total.value = res.total
    } catch (e) {
      if (mine === seq) error.value = e
    } finally {
      if (mine === seq) loading.value = false
    }
  }

  async function refilter(): Promise<void> {
    page.value = 1
    await load()
  }

  async function goTo(p: number): Promise<void> {
    page.value = p
    await load()
  }

  return { rows, total, page, size, loading, error, load, refilter, goTo }
}
