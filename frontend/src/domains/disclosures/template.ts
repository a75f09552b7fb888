/** The county's disclosure template, as its screen lists and edits it. */
import type { components } from '@/api/schema'

export type TemplateItem = components['schemas']['TemplateItemOut']
type Section = TemplateItem['section']

/** The items in the order new rounds take them (section, sort, id); the turned-off ones last. */
export function templateOrder(items: readonly TemplateItem[]): TemplateItem[] {
  const rank: Record<Section, number> = { party: 0, village: 1, finance: 2 }
  return [...items].sort((a, b) =>
    Number(!a.active) - Number(!b.active) || rank[a.section] - rank[b.section] || a.sort - b.sort || a.id - b.id)
}

/** The ETag an item's edit and turn-off are sent under (If-Match), from its version. */
export function templateEtag(item: Pick<TemplateItem, 'version'>): string {
  return `W/"${item.version}"`
}

/**
 * The fields of an edit that changed (the PATCH body); empty when nothing did. Text is trimmed and
 * an emptied title is left to the server to refuse.
 */
export function templateChanges(item: Pick<TemplateItem, 'title' | 'guidance' | 'sort'>,
  form: { title: string; guidance: string; sort: number }): { title?: string; guidance?: string; sort?: number } {
  const out: { title?: string; guidance?: string; sort?: number } = {}
  if (form.title.trim() !== item.title) out.title = form.title.trim()
  if (form.guidance.trim() !== item.guidance) out.guidance = form.guidance.trim()
  if (form.sort !== item.sort) out.sort = form.sort
  return out
}
