/** Labels of cadre expertise: shared messages for the known codes, else the county's own label. */
import { ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { api, unwrap } from '@/api/client'
import { KNOWN_EXPERTISE, type CadreSettings } from './types'

const settings = ref<CadreSettings | null>(null)
let loading: Promise<void> | null = null

export function loadSettings(force = false): Promise<void> {
  if (force) loading = null
  loading ??= unwrap(api.GET('/api/v1/cadres/settings'))
    .then((s) => {
      settings.value = s
    })
    .catch(() => {
      loading = null
    })
  return loading
}

export function setSettings(s: CadreSettings): void {
  settings.value = s
}

export function useLabels() {
  const { t } = useI18n()
  void loadSettings()
  function expertise(code: string): string {
    if ((KNOWN_EXPERTISE as readonly string[]).includes(code)) return t(`cadres.expertise.${code}`)
    return settings.value?.expertise.find((e) => e.code === code)?.label ?? code
  }
  function category(code: string): string {
    return t(`enums.category.${code}`)
  }
  return { expertise, category, settings }
}
