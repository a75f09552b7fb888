/**
 * The public village page (public.html?village=<code>), what the QR code on the notice board opens:
 * a village's published months and, for the chosen one, its party, village and finance sections.
 * Vanilla TypeScript on purpose: it loads on cheap phones over a weak signal, without the app's shell.
 */
import './public.css'
import {
  isImage, langOf, money, monthKey, monthLabel, periodLabel, pickMonth, SECTIONS, villageOf, words,
  type Lang, type SectionKey, type Words,
} from './format'

interface Month { year: number; month: number }
interface Village { village_code: string; village_name: string; months: Month[] }
interface Entry { section: SectionKey; title: string; text: string }
interface FileRef { id: number; kind: string; filename: string; content_type: string; url: string }
interface LineSpend { budget_line: string; paid: string; reversed: string }
interface BookEntry { booked_on: string; kind: string; amount: string; description: string; budget_line: string | null; reversed: boolean }
interface Books {
  opening_balance: string; income: string; income_reversed: string; spending: string; spending_reversed: string
  closing_balance: string; spending_by_line: LineSpend[]; entries: BookEntry[]
}
interface Finance { period: string; frozen: Books; matches: boolean; current: Books | null }
interface Disclosure {
  village_name: string; year: number; month: number; published_on: string; late: boolean
  entries: Entry[]; finance: Finance; files: FileRef[]; corrections: { recorded_on: string; reason: string; text: string }[]
}

const API = '/api/v1/public'
const search = location.search
const lang: Lang = langOf(search)
const w: Words = words(lang)
const root = document.getElementById('app') as HTMLElement
document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN'

type Child = Node | string | null | false | undefined
/** A small element builder: h('p', { class: 'x' }, 'text', child). */
function h(tag: string, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v)
  for (const c of children) if (c) el.append(c)
  return el
}

class Miss extends Error {}

async function getJson<T>(path: string): Promise<T> {
  const r = await fetch(API + path, { headers: { Accept: 'application/json' } })
  if (r.status === 404) throw new Miss()
  if (!r.ok) throw new Error(String(r.status))
  return (await r.json()) as T
}

function show(...children: Child[]): void {
  root.replaceChildren(...children.filter((c): c is Node | string => !!c))
}

/** The one answer for an unknown village and for one with nothing published: no hint of either. */
function nothing(): void {
  document.title = w.nothing
  show(h('main', { class: 'nothing', 'data-test': 'pub-nothing' }, h('p', {}, w.nothing)))
}

function failed(retry: () => void): void {
  const button = h('button', { type: 'button' }, w.retry)
  button.addEventListener('click', retry)
  show(h('main', { class: 'nothing', 'data-test': 'pub-failed' }, h('p', {}, w.failed), button))
}

function langLink(): HTMLElement {
  const params = new URLSearchParams(search)
  if (lang === 'en') params.delete('lang')
  else params.set('lang', 'en')
  return h('a', { class: 'lang', href: `?${params.toString()}${location.hash}`, 'data-test': 'pub-lang' }, w.lang)
}

function figures(books: Books, test: string): HTMLElement {
  const rows: [string, string, string][] = [
    ['opening', w.opening, books.opening_balance], ['income', w.income, books.income],
    ['income-reversed', w.incomeReversed, books.income_reversed], ['spending', w.spending, books.spending],
    ['spending-reversed', w.spendingReversed, books.spending_reversed], ['closing', w.closing, books.closing_balance],
  ]
  const box = h('div', { class: 'books', 'data-test': test },
    h('dl', { class: 'figures' }, ...rows.flatMap(([key, k, v], i) => [
      h('dt', {}, k), h('dd', { 'data-figure': String(i), 'data-test': `pub-figure-${key}` }, `${money(v)} ${w.yuan}`)])))
  if (books.spending_by_line.length) {
    box.append(h('h4', {}, w.byLine), h('ul', { class: 'lines' }, ...books.spending_by_line.map((l) =>
      h('li', {}, h('span', {}, l.budget_line), h('span', { class: 'num' }, `${money(l.paid)} ${w.yuan}`,
        l.reversed !== '0.00' ? ` (${w.reversed} ${money(l.reversed)})` : '')))))
  }
  box.append(h('h4', {}, w.entries))
  box.append(books.entries.length
    ? h('ul', { class: 'entries' }, ...books.entries.map((e) =>
      h('li', { class: e.reversed ? 'struck' : '', 'data-test': e.reversed ? 'pub-entry-reversed' : 'pub-entry' },
        h('div', { class: 'row' }, h('span', {}, `${e.booked_on} ${w.kinds[e.kind] ?? e.kind}`),
          h('span', { class: 'num' }, `${money(e.amount)} ${w.yuan}`)),
        h('div', { class: 'muted' }, e.description, e.budget_line ? ` · ${e.budget_line}` : '',
          e.reversed ? ` · ${w.reversed}` : ''))))
    : h('p', { class: 'muted' }, w.noEntries))
  return box
}

function fileView(f: FileRef): HTMLElement {
  const link = h('a', { href: f.url, target: '_blank', rel: 'noopener' })
  if (isImage(f.content_type)) link.append(h('img', { src: f.url, alt: f.filename, loading: 'lazy' }))
  else link.append(f.filename)
  return h('li', { 'data-file': f.kind }, link)
}

function section(key: SectionKey, d: Disclosure): HTMLElement {
  const items = d.entries.filter((e) => e.section === key)
  const el = h('section', { 'data-test': `pub-section-${key}` }, h('h3', {}, w[key]),
    ...items.map((e) => h('article', { class: 'item', 'data-test': 'pub-item' },
      h('h4', { 'data-test': 'pub-item-title' }, e.title), h('p', { class: 'text', 'data-test': 'pub-item-text' }, e.text))))
  if (key === 'finance') {
    const f = d.finance
    el.append(h('p', { class: 'muted' }, `${w.period} ${periodLabel(f.period, lang)}`))
    if (!f.matches) el.append(h('p', { class: 'warn', role: 'alert', 'data-test': 'pub-mismatch' }, w.mismatch))
    if (!f.matches && f.current) el.append(h('h4', {}, w.asPublished))
    el.append(figures(f.frozen, 'pub-finance'))
    if (!f.matches && f.current) el.append(h('h4', {}, w.current), figures(f.current, 'pub-finance-current'))
  }
  return el
}

function monthView(d: Disclosure): HTMLElement {
  const photos = d.files.filter((f) => f.kind === 'board_photo')
  const others = d.files.filter((f) => f.kind !== 'board_photo')
  return h('div', { 'data-test': 'pub-month' },
    h('h2', {}, monthLabel(d.year, d.month, lang)),
    h('p', { class: 'muted' }, `${w.publishedOn} ${d.published_on}`, d.late ? ` · ${w.late}` : ''),
    ...SECTIONS.map((k) => section(k, d)),
    photos.length > 0 && h('section', { 'data-test': 'pub-board' }, h('h3', {}, w.boardPhoto),
      h('ul', { class: 'files' }, ...photos.map(fileView))),
    others.length > 0 && h('section', { 'data-test': 'pub-files' }, h('h3', {}, w.attachments),
      h('ul', { class: 'files' }, ...others.map(fileView))),
    d.corrections.length > 0 && h('section', { 'data-test': 'pub-corrections' }, h('h3', {}, w.corrections),
      ...d.corrections.map((c) => h('article', { class: 'item' },
        h('h4', {}, `${c.recorded_on} ${w.reason}：${c.reason}`), h('p', { class: 'text' }, c.text)))))
}

let shown = 0 // the latest month asked for: an older answer arriving late is dropped

async function start(): Promise<void> {
  const code = villageOf(search)
  if (!code) return nothing()
  show(h('p', { class: 'loading' }, w.loading))
  let v: Village
  try {
    v = await getJson<Village>(`/villages/${code}/disclosures`)
  } catch (e) {
    return e instanceof Miss ? nothing() : failed(() => void start())
  }
  if (!v.months.length) return nothing()
  document.title = `${v.village_name} · ${w.title}`
  const body = h('div', { class: 'body' })
  const nav = h('nav', { class: 'months', 'data-test': 'pub-months', 'aria-label': w.months })
  show(h('header', {}, h('h1', { 'data-test': 'pub-village' }, v.village_name), h('span', {}, w.title), langLink()),
    h('main', {}, nav, body))

  const render = async (): Promise<void> => {
    const m = pickMonth(v.months, location.hash)
    if (!m) return nothing()
    const key = monthKey(m)
    nav.replaceChildren(...v.months.map((x) => h('a', {
      href: `#${monthKey(x)}`, 'data-month': monthKey(x), ...(monthKey(x) === key ? { 'aria-current': 'page' } : {}),
    }, monthLabel(x.year, x.month, lang))))
    const ask = ++shown
    body.replaceChildren(h('p', { class: 'loading' }, w.loading))
    try {
      const d = await getJson<Disclosure>(`/villages/${code}/disclosures/${m.year}/${m.month}`)
      if (ask === shown) body.replaceChildren(monthView(d))
    } catch (e) {
      if (ask !== shown) return
      if (e instanceof Miss) return nothing()
      const retry = h('button', { type: 'button' }, w.retry)
      retry.addEventListener('click', () => void render())
      body.replaceChildren(h('p', { 'data-test': 'pub-failed' }, w.failed), retry)
    }
  }
  window.addEventListener('hashchange', () => void render())
  await render()
}

void start()
