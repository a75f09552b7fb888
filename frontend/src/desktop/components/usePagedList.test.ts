import { describe, expect, it } from 'vitest'
import { usePagedList } from './usePagedList'

function deferred<T>() {
  let resolve!: (v: T) => void
  const promise = new Promise<T>((r) => (resolve = r))
  return { promise, resolve }
}

describe('usePagedList', () => {
  it('loads a page with limit and offset from the page number', async () => {
    const asked: [number, number][] = []
    const list = usePagedList(async (limit, offset) => {
      asked.push([limit, offset])
      return { items: [offset], total: 95 }
    }, 20)
    await list.load()
    await list.goTo(3)
    expect(asked).toEqual([[20, 0], [20, 40]])
    expect(list.rows.value).toEqual([40])
    expect(list.total.value).toBe(95)
    await list.refilter()
    expect(list.page.value).toBe(1)
    expect(asked.at(-1)).toEqual([20, 0])
  })

  it('keeps the error and clears it on the next load', async () => {
    let fail = true
    const list = usePagedList(async () => {
      if (fail) throw new Error('down')
      return { items: ['a'], total: 1 }
    })
    await list.load()
    expect((list.error.value as Error).message).toBe('down')
    expect(list.loading.value).toBe(false)
    fail = false
    await list.load()
    expect(list.error.value).toBeNull()
    expect(list.rows.value).toEqual(['a'])
  })

  it('ignores an older answer that arrives after a newer one', async () => {
    const slow = deferred<{ items: string[]; total: number }>()
    let call = 0
    const list = usePagedList(async () => (++call === 1 ? slow.promise : { items: ['new'], total: 1 }))
    const first = list.load()
    await list.refilter()
    slow.resolve({ items: ['old'], total: 9 })
    await first
    expect(list.rows.value).toEqual(['new'])
    expect(list.total.value).toBe(1)
    expect(list.loading.value).toBe(false)
  })
})
