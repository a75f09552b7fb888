import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { i18n } from './i18n'
import { router, isMobileRoute } from './router'
import { useAuthStore } from './stores/auth'
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

if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  void import('virtual:pwa-register').then(({ registerSW }) => registerSW({ immediate: true }))
}
