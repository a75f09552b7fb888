/** How the rows page shows a value of the rows behind a figure: codes as their labels, yes/no as 是/否. */

type Translate = (key: string) => string
type Has = (key: string) => boolean

/** The label keys of a column's codes (the first one the messages have is used). */
const CODE_LABELS: Record<string, string[]> = {
  disclosure_status: ['dashboards.disclosures'],
  status: ['enums.status'],
  category: ['tasks.category', 'enums.category'],
  load: ['dashboards.load'],
}

/** A cell's text: null as empty, a share (`*_share`, 0 to 1) as a percentage, a list joined by 、, true/false as 是/否 (Yes/No), a code of a coded
 * column as its label (an unknown code as it is), an object by its name or code. */
export function cellText(key: string, value: unknown, t: Translate, te: Has): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'boolean') return t(value ? 'dashboards.yes' : 'dashboards.no')
  if (Array.isArray(value)) return value.map((v) => cellText(key, v, t, te)).join('、')
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>
    return String(o.name ?? o.code ?? JSON.stringify(o))
  }
  if (key.endsWith('_share') && (typeof value === 'string' || typeof value === 'number')) {
    return `${Math.round(Number(value) * 1000) / 10}%`
  }
  if (typeof value === 'string') {
    for (const base of CODE_LABELS[key] ?? []) {
      if (te(`${base}.${value}`)) return t(`${base}.${value}`)
    }
  }
  return String(value)
}

/** What a rows page's list is filtered by (the figure's own filters, not the figure or the page), each
 * with its label and its value's label: `{ key: 'category', label: '任务类别', value: '七帮' }`. */
export interface FilterTag {
  key: string
  label: string
  value: string
}

export function filterTags(list: unknown, t: Translate, te: Has): FilterTag[] {
  if (typeof list !== 'string') return []
  const params = new URLSearchParams(list.split('?', 2)[1] ?? '')
  const out: FilterTag[] = []
  for (const [key, value] of params) {
    if (key === 'figure' || key === 'limit' || key === 'offset') continue
    const label = te(`dashboards.filter.${key}`) ? t(`dashboards.filter.${key}`) : key
    out.push({ key, label, value: cellText(key, value === 'true' ? true : value === 'false' ? false : value, t, te) })
  }
  return out
}
