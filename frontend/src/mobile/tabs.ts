import { computed } from 'vue'
import { domains, type MobileShortcut, type MobileTab } from '@/domains'
import { useAuthStore } from '@/stores/auth'

const core: MobileTab[] = [
  { name: 'm-home', labelKey: 'mobile.home', icon: 'home-o', order: 0 },
  { name: 'm-me', labelKey: 'mobile.me', icon: 'user-o', order: 1000 },
]

/** Tab bar: home, the domains' tabs the role may use, then "me". */
export function useMobileTabs() {
  const auth = useAuthStore()
  return computed(() =>
    [...core, ...domains.flatMap((d) => d.mobileTabs ?? [])]
      .filter((tab) => !tab.roles || (auth.role !== null && tab.roles.includes(auth.role)))
      .sort((a, b) => (a.order ?? 100) - (b.order ?? 100)),
  )
}

export function useMobileShortcuts() {
  const auth = useAuthStore()
  return computed<MobileShortcut[]>(() =>
    domains
      .flatMap((d) => d.mobileShortcuts ?? [])
      .filter((s) => !s.roles || (auth.role !== null && s.roles.includes(auth.role)))
      .sort((a, b) => (a.order ?? 100) - (b.order ?? 100)),
  )
}
