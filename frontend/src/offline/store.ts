/**
 * The app's one offline queue and its state for the screens. Domains submit writes through
 * `useOfflineStore().submit({...})`; replay runs when the browser comes back online, when the
 * mobile shell opens, and every minute while something is waiting.
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { authFetch } from '@/api/client'
import { domains } from '@/domains'
import { OfflineQueue, submitWrite, toRequest, type NewWrite, type QueuedWrite, type ReplayReport, type SubmitResult } from './queue'

export const sendWrite = (write: QueuedWrite): Promise<Response> => authFetch(toRequest(write))
/** Batch senders the domains offer (`offlineBatchers` in their domain.ts). */
const batchers = domains.flatMap((d) => d.offlineBatchers ?? [])

export const useOfflineStore = defineStore('offline', () => {
  const queue = new OfflineQueue()
  const items = ref<QueuedWrite[]>([])
  const pending = ref(0)
  const failed = ref(0)
  const syncing = ref(false)
  const online = ref(typeof navigator === 'undefined' ? true : navigator.onLine)
  const lastReport = ref<ReplayReport | null>(null)
  let started = false
  let timer: ReturnType<typeof setInterval> | null = null

  async function reload(): Promise<void> {
    try {
      items.value = await queue.list()
    } catch {
      items.value = []
    }
    pending.value = items.value.filter((w) => w.state === 'pending').length
    failed.value = items.value.filter((w) => w.state === 'failed').length
  }

  async function sync(): Promise<ReplayReport | null> {
    if (!online.value) return null
    syncing.value = true
    try {
      lastReport.value = await queue.replay(sendWrite, batchers)
      return lastReport.value
    } catch {
      return null
    } finally {
      syncing.value = false
      await reload()
    }
  }

  async function submit(write: NewWrite): Promise<SubmitResult> {
    const result = await submitWrite(queue, sendWrite, write)
    if (result.queued) await reload()
    return result
  }

  /** A write to send right after the queued write `key` (with its id); null when that one was sent already. */
  async function attach(key: string, follow: NewWrite): Promise<QueuedWrite | null> {
    const stored = await queue.attach(key, follow)
    await reload()
    return stored
  }

  async function discard(key: string): Promise<void> {
    await queue.remove(key)
  }

  async function retry(key: string): Promise<void> {
    await queue.retry(key)
    await reload()
  }

  /** Starts listening for the network; idempotent. */
  function start(): void {
    if (started || typeof window === 'undefined') return
    started = true
    queue.subscribe(() => void reload())
    window.addEventListener('online', () => {
      online.value = true
      void sync()
    })
    window.addEventListener('offline', () => {
      online.value = false
    })
    timer = setInterval(() => {
      if (pending.value > 0) void sync()
    }, 60_000)
    void reload().then(() => (pending.value > 0 ? sync() : null))
  }

  function stop(): void {
    if (timer) clearInterval(timer)
    timer = null
  }

  return { items, pending, failed, syncing, online, lastReport, reload, sync, submit, attach, discard, retry, start, stop }
})
