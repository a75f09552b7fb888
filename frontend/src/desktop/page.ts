/** Lets a screen name itself in the breadcrumb (e.g. the village's name instead of "详情"). */
import { ref, watch, type Ref } from 'vue'
import { useRoute } from 'vue-router'

export const pageTitle = ref<string | null>(null)

export function usePageTitle(title: Ref<string | null | undefined>): void {
  const route = useRoute()
  watch(
    [title, () => route.fullPath],
    ([t]) => {
      pageTitle.value = t ?? null
    },
    { immediate: true },
  )
}
