/** Labels for problem categories and unit strengths: shared messages first, else the county's own label. */
import { ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { api, unwrap } from '@/api/client'
import { KNOWN_STRENGTHS, type PairingSettings } from './types'

const settings = ref<PairingSettings | null>(null)
let loading: Promise<void> | null = null

export function loadSettings(force = false): Promise<void> {
  if (force) loading = null
  loading ??= unwrap(api.GET('/api/v1/pairing-settings'))
    .then((s) => {
      settings.value = s
    })
    .catch(() => {
      loading = null
    })
  return loading
}

export function setSettings(s: PairingSettings): void {
  settings.value = s
}

export function useLabels() {
  const { t } = useI18n()
  void loadSettings()
  function category(code: string): string {
    return t(`enums.category.${code}`)
  }
  function strength(code: string): string {
    if ((KNOWN_STRENGTHS as readonly string[]).includes(code)) return t(`partners.strength.${code}`)
    return settings.value?.strengths.find((s) => s.code === code)?.label ?? code
  }
  return { category, strength, settings }
}
