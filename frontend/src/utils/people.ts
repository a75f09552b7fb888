/**
 * People by their display names. Records name who acted by user name (`opened_by`, `scored_by`,
 * `booked_by`, `actor_name` ...); `personName()` shows the display name instead, looked up in
 * batches from `GET /api/v1/people/names` and kept for the session. Names the server leaves out
 * (people the caller does not work with, township systems) stay as they are; the system is 系统.
 */
import { reactive } from 'vue'
import { api, unwrap } from '@/api/client'
import { i18n } from '@/i18n'

const SYSTEM = new Set(['system', 'cli'])
const BATCH = 100

/** user name -> display name, or null when the server did not give one. */
const known = reactive(new Map<string, string | null>())
const pending = new Set<string>()
let scheduled = false

async function flush(): Promise<void> {
  scheduled = false
  const asked = [...pending]
  pending.clear()
  for (let i = 0; i < asked.length; i += BATCH) {
    const part = asked.slice(i, i + BATCH)
    try {
      const res = await unwrap(api.GET('/api/v1/people/names', { params: { query: { username: part } } }))
      const found = new Map(res.items.map((x) => [x.username, x.display_name]))
      for (const u of part) known.set(u, found.get(u) ?? null)
    } catch {
      // Offline or signed out: show the user names, ask again next time.
    }
  }
}

export function personName(username: string | null | undefined): string {
  if (!username) return '—'
  if (SYSTEM.has(username)) return i18n.global.t('common.system')
  const name = known.get(username)
  if (name) return name
  if (name === undefined && !pending.has(username)) {
    pending.add(username)
    if (!scheduled) {
      scheduled = true
      setTimeout(() => void flush(), 0)
    }
  }
  return username
}

/** Forget the names (on sign-out: the next person may know others). */
export function forgetPeople(): void {
  known.clear()
}
