import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { i18n } from './i18n'
import { router, isMobileRoute } from './router'
import { useAuthStore } from './stores/auth'
import { registerServiceWorker } from './pwa'
import './styles/base.css'

const app = createApp(App)
app.use(createPinia())
app.use(i18n)
app.use(router)

const auth = useAuthStore()
auth.onSessionEnd((reason) => {
  const current = router.currentRoute.value
  if (current.meta.public) return
  const mobile = isMobileRoute(current)
  void router.replace({
    name: mobile ? 'm-login' : 'login',
    query: { redirect: current.fullPath, ...(reason === 'expired' ? { expired: '1' } : {}) },
  })
})

app.mount('#app')

// After a deployment, chunks of the old build are gone: load the page afresh once.
router.onError((error, to) => {
  const stale = /Failed to fetch dynamically imported module|Importing a module script failed|error loading dynamically imported module/i
  if (stale.test(String((error as Error)?.message)) && sessionStorage.getItem('cunzhi.reloaded') !== to.fullPath) {
    sessionStorage.setItem('cunzhi.reloaded', to.fullPath)
    window.location.assign(to.fullPath)
  }
})

if (import.meta.env.PROD) void registerServiceWorker()
