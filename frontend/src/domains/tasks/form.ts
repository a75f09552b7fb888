/** Pure checks and bodies of the desktop's task forms (give or edit a task, post progress). The
 * server checks the same and more; these mark the fields before anything is sent. Each problem is
 * an i18n key under `tasks.problem.` (the form shows it in the user's language). Quantities stay
 * decimal strings: compared as integers of hundredths, never as floats. */
import type { components } from '@/api/schema'

type S = components['schemas']
export type Duty = NonNullable<S['TaskCreate']['duties']>[number]
export type ResponsibleKind = S['TaskCreate']['responsible_kind']
export const DUTIES: readonly Duty[] = ['mobilise', 'supervise_quality', 'settle_disputes']
export const RESPONSIBLE_KINDS: readonly ResponsibleKind[] = ['village_committee', 'partner_unit', 'cadre']

export interface TaskForm {
  village_code: string
  item_id: number | null
  title: string
  duties: Duty[]
  target: string
  unit: string
  due_date: string
  responsible_kind: ResponsibleKind | ''
  partner_unit_id: number | null
  cadre_id: number | null
  note: string
}

export type TaskField = keyof TaskForm
export type Problems<F extends string> = Partial<Record<F, string>>

export function emptyTaskForm(): TaskForm {
  return {
    village_code: '',
    item_id: null,
    title: '',
    duties: [],
    target: '',
    unit: '',
    due_date: '',
    responsible_kind: '',
    partner_unit_id: null,
    cadre_id: null,
    note: '',
  }
}

const QTY = /^\d{1,12}(\.\d{1,2})?$/
const DAY = /^\d{4}-\d{2}-\d{2}$/

/** Hundredths of a decimal string the API's Quantity takes, or null when it is not one. */
export function hundredths(s: string): bigint | null {
  const v = s.trim()
  if (!QTY.test(v)) return null
  const [whole, frac = ''] = v.split('.')
  return BigInt(whole ?? '0') * 100n + BigInt((frac + '00').slice(0, 2))
}

/** A real calendar day written YYYY-MM-DD (2026-02-30 is not). */
export function validDay(s: string): boolean {
  if (!DAY.test(s)) return false
  const d = new Date(`${s}T00:00:00Z`)
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s
}

export interface TaskCheck {
  /** The county's today (YYYY-MM-DD): a new due date may not be before it. */
  today: string
  /** Editing: the progress so far (the target may not go below it) and the due date as it was
   * (kept as it is, a past one is fine: the server checks a changed one only). */
  progress?: string
  dueBefore?: string
}

/** What is wrong with the form, field by field (empty when it may be sent). */
export function taskProblems(f: TaskForm, c: TaskCheck): Problems<TaskField> {
  const p: Problems<TaskField> = {}
  if (!/^\d{12}$/.test(f.village_code)) p.village_code = 'village'
  if (f.item_id === null) p.item_id = 'item'
  const title = f.title.trim()
  if (!title) p.title = 'title'
  else if (title.length > 200) p.title = 'titleLong'
  const target = hundredths(f.target)
  if (target === null) p.target = 'target'
  else if (target <= 0n) p.target = 'targetPositive'
  else if (c.progress !== undefined && target < (hundredths(c.progress) ?? 0n)) p.target = 'targetBelowProgress'
  if (!f.unit) p.unit = 'unit'
  if (!validDay(f.due_date)) p.due_date = 'due'
  else if (f.due_date !== c.dueBefore && f.due_date < c.today) p.due_date = 'duePast'
  if (!f.responsible_kind) p.responsible_kind = 'responsible'
  else if (f.responsible_kind === 'partner_unit' && f.partner_unit_id === null) p.partner_unit_id = 'partnerUnit'
  else if (f.responsible_kind === 'cadre' && f.cadre_id === null) p.cadre_id = 'cadre'
  if (f.note.length > 2000) p.note = 'noteLong'
  return p
}

/** The quantity as the API writes it (two decimals), so an unchanged target compares equal. */
export function qty(s: string): string {
  const h = hundredths(s)
  if (h === null) return s.trim()
  const cents = (h % 100n).toString().padStart(2, '0')
  return `${h / 100n}.${cents}`
}

/** target − progress, as a decimal string (what is left to do). */
export function remaining(t: { target: string; progress: string }): string {
  const d = (hundredths(t.target) ?? 0n) - (hundredths(t.progress) ?? 0n)
  return qty(String(d < 0n ? 0n : d / 100n) + '.' + (d < 0n ? '00' : (d % 100n).toString().padStart(2, '0')))
}

function responsible(f: TaskForm): Pick<S['TaskCreate'], 'responsible_kind' | 'partner_unit_id' | 'cadre_id'> {
  const kind = f.responsible_kind as ResponsibleKind
  return {
    responsible_kind: kind,
    partner_unit_id: kind === 'partner_unit' ? f.partner_unit_id : null,
    cadre_id: kind === 'cadre' ? f.cadre_id : null,
  }
}

/** The body of POST /tasks from a checked form. */
export function createBody(f: TaskForm): S['TaskCreate'] {
  return {
    village_code: f.village_code,
    item_id: f.item_id as number,
    title: f.title.trim(),
    duties: [...f.duties] as Duty[],
    note: f.note.trim() || null,
    target: qty(f.target),
    unit: f.unit,
    due_date: f.due_date,
    ...responsible(f),
  }
}

/** The form of an existing task (for editing). */
export function formOf(t: S['TaskOut']): TaskForm {
  return {
    village_code: t.village.code,
    item_id: t.item_id,
    title: t.title,
    duties: [...t.duties],
    target: t.target,
    unit: t.unit,
    due_date: t.due_date,
    responsible_kind: t.responsible_kind,
    partner_unit_id: t.partner_unit_id,
    cadre_id: t.cadre_id,
    note: t.note ?? '',
  }
}

/** The body of PATCH /tasks/{id}: only what changed (the village and the item stay). */
export function patchBody(f: TaskForm, before: S['TaskOut']): S['TaskPatch'] {
  const b = createBody(f)
  const duties = b.duties ?? []
  const out: S['TaskPatch'] = {}
  if (b.title !== before.title) out.title = b.title
  if (duties.join() !== before.duties.join()) out.duties = duties
  if ((b.note ?? null) !== (before.note ?? null)) out.note = b.note
  if (b.target !== qty(before.target)) out.target = b.target
  if (b.unit !== before.unit) out.unit = b.unit
  if (b.due_date !== before.due_date) out.due_date = b.due_date
  if (
    b.responsible_kind !== before.responsible_kind ||
    b.partner_unit_id !== before.partner_unit_id ||
    b.cadre_id !== before.cadre_id
  ) {
    out.responsible_kind = b.responsible_kind
    out.partner_unit_id = b.partner_unit_id
    out.cadre_id = b.cadre_id
  }
  return out
}

export interface ProgressForm {
  amount: string
  text: string
}

/** The desktop's progress form: the amount done since the last update (0 allowed: a note, or a task
 * sent back and finished again) without passing the target, and what was done. */
export function progressProblems(f: ProgressForm, t: Pick<S['TaskOut'], 'progress' | 'target'>): Problems<'amount' | 'text'> {
  const p: Problems<'amount' | 'text'> = {}
  const amount = hundredths(f.amount)
  if (amount === null) p.amount = 'amount'
  else if (amount + (hundredths(t.progress) ?? 0n) > (hundredths(t.target) ?? 0n)) p.amount = 'aboveTarget'
  const text = f.text.trim()
  if (!text) p.text = 'text'
  else if (text.length > 2000) p.text = 'textLong'
  return p
}

/** The reasons of the latest return, when the task was sent back and not finished since. */
export function openReturn(history: readonly Pick<S['HistoryOut'], 'kind' | 'reasons' | 'text' | 'at' | 'actor'>[]):
  { reasons: string[]; note: string | null; at: string; actor: string } | null {
  for (let i = history.length - 1; i >= 0; i--) {
    const h = history[i]!
    if (h.kind === 'send_back') return { reasons: h.reasons ?? [], note: h.text, at: h.at, actor: h.actor }
    if (h.kind === 'complete' || h.kind === 'accept') return null
  }
  return null
}

export interface ItemForm {
  code: string
  name: string
  default_unit: string
  description: string
}

const CODE = /^[a-z0-9][a-z0-9_-]{0,31}$/

/** The catalogue's item form (a new item has a code; an existing one keeps it). */
export function itemProblems(f: ItemForm, creating: boolean): Problems<'code' | 'name' | 'description'> {
  const p: Problems<'code' | 'name' | 'description'> = {}
  if (creating && !CODE.test(f.code.trim())) p.code = 'code'
  const name = f.name.trim()
  if (!name) p.name = 'name'
  else if (name.length > 100) p.name = 'nameLong'
  if (f.description.trim().length > 1000) p.description = 'descriptionLong'
  return p
}

/** PATCH of an item: what changed (an emptied description is removed, sent as null). */
export function itemPatch(f: ItemForm, before: S['ItemOut']): S['ItemPatch'] {
  const out: S['ItemPatch'] = {}
  if (f.name.trim() !== before.name) out.name = f.name.trim()
  const description = f.description.trim() || null
  if (description !== (before.description ?? null)) out.description = description
  const unit = f.default_unit || null
  if (unit !== before.default_unit) out.default_unit = unit
  return out
}

/** A unit of measure: its code and its name (20 characters at most). */
export function unitProblems(f: { code: string; name: string }): Problems<'code' | 'name'> {
  const p: Problems<'code' | 'name'> = {}
  if (!CODE.test(f.code.trim())) p.code = 'code'
  const name = f.name.trim()
  if (!name) p.name = 'name'
  else if (name.length > 20) p.name = 'nameLong'
  return p
}
