/**
 * The phone's nav bar: every page under the frame has one, with its title and, off the tab bar's
 * own pages, a back arrow. Back follows the history when this app put a page before the current
 * one; an installed app opened straight on a detail page has none, and goes home instead.
 */
import { onBeforeUnmount, ref, watchEffect, type Ref } from 'vue'

/** A title a page sets for itself (a claim's purpose, a role's name of a list); null: the route's. */
export const pageTitle = ref<string | null>(null)

/** Sets the nav bar's title while the calling page is shown. */
export function usePageTitle(title: Ref<string | null>): void {
  watchEffect(() => {
    pageTitle.value = title.value
  })
  onBeforeUnmount(() => {
    pageTitle.value = null
  })
}

/** vue-router keeps the previous entry's path in `history.state.back` (null on a first page). */
export function hasAppHistory(state: unknown): boolean {
  if (!state || typeof state !== 'object') return false
  const back = (state as { back?: unknown }).back
  return typeof back === 'string' && back.startsWith('/m')
}

/** The tab bar's pages are roots: nothing to go back to. */
export function showsBack(routeName: unknown, tabNames: readonly unknown[]): boolean {
  return !tabNames.includes(routeName)
}
