import { computed, onMounted, ref } from 'vue'
import { api, unwrap } from '@/api/client'
import type { Division } from '@/api/types'
import { useAuthStore } from '@/stores/auth'

/**
 * Whether the caller sees the whole county (and so may pick a township), and the county's townships
 * to pick from, loaded once the page is mounted. A township's own accounts get no list: the server
 * scopes their figures to their township anyway.
 */
export function useTownships() {
  const auth = useAuthStore()
  const countyWide = computed(() => auth.me?.scope.kind === 'division' && !auth.hasRole('township_official', 'township_agency'))
  const townships = ref<Division[]>([])
  onMounted(async () => {
    if (!countyWide.value) return
    try {
      townships.value = (await unwrap(api.GET('/api/v1/divisions', { params: { query: { level: 'township' } } }))).items
    } catch {
      townships.value = [] // the filter stays empty; the page still shows the whole county
    }
  })
  return { countyWide, townships }
}
