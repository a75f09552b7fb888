/**
 * The service worker (vite-plugin-pwa). A new version never reloads the page by itself (a cadre
 * may be typing); App.vue shows a bar that reloads when the person chooses.
 */
import { ref } from 'vue'

export const updateReady = ref(false)
let apply: ((reload?: boolean) => Promise<void>) | null = null

export function applyUpdate(): void {
  if (apply) void apply(true)
  else window.location.reload()
}

export async function registerServiceWorker(): Promise<void> {
  if (!('serviceWorker' in navigator)) return
  const { registerSW } = await import('virtual:pwa-register')
  apply = registerSW({
    immediate: true,
    onNeedRefresh() {
      updateReady.value = true
    },
  })
}
