/**
 * Vitest 5 formats failures with Map.groupBy (Node 21+). Node 20 lacks it, and the failure
 * report itself would crash; this fills the gap in the process that loads the Vitest config.
 */
const MapCtor = Map as unknown as { groupBy?: unknown }
if (typeof MapCtor.groupBy !== 'function') {
  MapCtor.groupBy = function groupBy<K, V>(items: Iterable<V>, key: (item: V, index: number) => K): Map<K, V[]> {
    const out = new Map<K, V[]>()
    let i = 0
    for (const item of items) {
      const k = key(item, i++)
      const list = out.get(k)
      if (list) list.push(item)
      else out.set(k, [item])
    }
    return out
  }
}
const ObjectCtor = Object as unknown as { groupBy?: unknown }
if (typeof ObjectCtor.groupBy !== 'function') {
  ObjectCtor.groupBy = function groupBy<V>(items: Iterable<V>, key: (item: V, index: number) => PropertyKey): Record<PropertyKey, V[]> {
    const out: Record<PropertyKey, V[]> = Object.create(null) as Record<PropertyKey, V[]>
    let i = 0
    for (const item of items) {
      const k = key(item, i++)
      ;(out[k] ??= []).push(item)
    }
    return out
  }
}

export {}
