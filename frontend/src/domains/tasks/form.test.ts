import { describe, expect, it } from 'vitest'
import type { components } from '@/api/schema'
import {
  createBody,
  emptyTaskForm,
  formOf,
  hundredths,
  itemPatch,
  itemProblems,
  openReturn,
  patchBody,
  progressProblems,
  qty,
  remaining,
  taskProblems,
  unitProblems,
  validDay,
  type TaskForm,
} from './form'

type Task = components['schemas']['TaskOut']
const TODAY = '2026-12-03'

function good(): TaskForm {
  return {
    ...emptyTaskForm(),
    village_code: '230199100200',
    item_id: 11,
    title: '农户改厕',
    duties: ['mobilise'],
    target: '12',
    unit: 'household',
    due_date: '2026-12-31',
    responsible_kind: 'cadre',
    cadre_id: 3,
  }
}

const task = (over: Partial<Task> = {}): Task =>
  ({
    id: 7,
    village: { code: '230199100200', name: '村', township_code: '230199100000', township_name: '乡' },
    item_id: 11,
    item_code: 'toilet',
    item_name: '改厕',
    category: 'construction',
    title: '农户改厕',
    duties: ['mobilise'],
    note: null,
    target: '12.00',
    unit: 'household',
    unit_name: '户',
    progress: '4.00',
    share_done: 0.33,
    due_date: '2026-11-30',
    responsible_kind: 'cadre',
    partner_unit_id: null,
    partner_unit_name: null,
    cadre_id: 3,
    cadre_name: '张三',
    status: 'overdue',
    assigned_level: 'township',
    assigned_by: 'township01',
    done_at: null,
    accepted_at: null,
    created_at: '2026-11-01T00:00:00Z',
    version: 2,
    allowed_actions: [],
    ...over,
  }) as Task

describe('the task form', () => {
  it('reads quantities as hundredths, never as floats', () => {
    expect(hundredths('12')).toBe(1200n)
    expect(hundredths(' 0.5 ')).toBe(50n)
    expect(hundredths('999999999999.99')).toBe(99999999999999n)
    expect(hundredths('1.234')).toBeNull()
    expect(hundredths('-1')).toBeNull()
    expect(hundredths('1e3')).toBeNull()
    expect(qty('3.5')).toBe('3.50')
    expect(qty('0.1')).toBe('0.10')
    expect(remaining({ target: '12.00', progress: '4.50' })).toBe('7.50')
    expect(remaining({ target: '0.30', progress: '0.10' })).toBe('0.20')
  })

  it('takes only real days', () => {
    expect(validDay('2026-02-28')).toBe(true)
    expect(validDay('2026-02-30')).toBe(false)
    expect(validDay('2026-13-01')).toBe(false)
    expect(validDay('26-1-1')).toBe(false)
  })

  it('passes a complete form and marks every missing field', () => {
    expect(taskProblems(good(), { today: TODAY })).toEqual({})
    expect(taskProblems(emptyTaskForm(), { today: TODAY })).toEqual({
      village_code: 'village',
      item_id: 'item',
      title: 'title',
      target: 'target',
      unit: 'unit',
      due_date: 'due',
      responsible_kind: 'responsible',
    })
  })

  it('refuses a zero target, a past due date and a responsible party not named', () => {
    expect(taskProblems({ ...good(), target: '0' }, { today: TODAY }).target).toBe('targetPositive')
    expect(taskProblems({ ...good(), target: '1.234' }, { today: TODAY }).target).toBe('target')
    expect(taskProblems({ ...good(), due_date: '2026-12-02' }, { today: TODAY }).due_date).toBe('duePast')
    expect(taskProblems({ ...good(), due_date: TODAY }, { today: TODAY }).due_date).toBeUndefined()
    expect(taskProblems({ ...good(), cadre_id: null }, { today: TODAY })).toEqual({ cadre_id: 'cadre' })
    expect(taskProblems({ ...good(), responsible_kind: 'partner_unit' }, { today: TODAY })).toEqual({ partner_unit_id: 'partnerUnit' })
    expect(taskProblems({ ...good(), title: 'x'.repeat(201) }, { today: TODAY }).title).toBe('titleLong')
  })

  it('keeps an overdue task editable without moving its past due date, and the target above the progress', () => {
    const before = task()
    const f = formOf(before)
    expect(taskProblems(f, { today: TODAY, progress: before.progress, dueBefore: before.due_date })).toEqual({})
    expect(taskProblems({ ...f, target: '3.99' }, { today: TODAY, progress: '4.00', dueBefore: before.due_date }).target).toBe(
      'targetBelowProgress',
    )
    expect(taskProblems({ ...f, due_date: '2026-11-29' }, { today: TODAY, dueBefore: before.due_date }).due_date).toBe('duePast')
  })

  it('sends a new task whole and an edit with only what changed', () => {
    const b = createBody({ ...good(), title: '  农户改厕 ', target: '12.5', note: ' ' })
    expect(b).toMatchObject({ title: '农户改厕', target: '12.50', note: null, cadre_id: 3, partner_unit_id: null })
    const before = task()
    expect(patchBody(formOf(before), before)).toEqual({})
    expect(patchBody({ ...formOf(before), target: '15', due_date: '2026-12-20' }, before)).toEqual({
      target: '15.00',
      due_date: '2026-12-20',
    })
    expect(patchBody({ ...formOf(before), responsible_kind: 'partner_unit', partner_unit_id: 9 }, before)).toEqual({
      responsible_kind: 'partner_unit',
      partner_unit_id: 9,
      cadre_id: null,
    })
  })
})

describe('the desktop progress form', () => {
  const t = { progress: '4.00', target: '12.00' }
  it('takes 0 up to what is left, and wants the text', () => {
    expect(progressProblems({ amount: '8', text: '完工' }, t)).toEqual({})
    expect(progressProblems({ amount: '0', text: '整改完毕' }, { progress: '12.00', target: '12.00' })).toEqual({})
    expect(progressProblems({ amount: '8.01', text: '完工' }, t)).toEqual({ amount: 'aboveTarget' })
    expect(progressProblems({ amount: '-1', text: ' ' }, t)).toEqual({ amount: 'amount', text: 'text' })
  })
})

describe('a return', () => {
  const h = (kind: string, reasons: string[] | null = null) => ({ kind, reasons, text: null, at: '2026-12-01T00:00:00Z', actor: 'township01' })
  it('shows the reasons of the latest return until the task is finished again', () => {
    expect(openReturn([h('create'), h('complete'), h('send_back', ['照片不清'])])).toMatchObject({ reasons: ['照片不清'], actor: 'township01' })
    expect(openReturn([h('send_back', ['a']), h('progress')])).toMatchObject({ reasons: ['a'] })
    expect(openReturn([h('send_back', ['a']), h('complete')])).toBeNull()
    expect(openReturn([h('create'), h('progress')])).toBeNull()
  })
})

describe('the catalogue forms', () => {
  it('checks codes, names and descriptions', () => {
    expect(itemProblems({ code: 'ind-goat', name: '山羊', default_unit: '', description: '' }, true)).toEqual({})
    expect(itemProblems({ code: 'Goat!', name: ' ', default_unit: '', description: 'x'.repeat(1001) }, true)).toEqual({
      code: 'code',
      name: 'name',
      description: 'descriptionLong',
    })
    expect(itemProblems({ code: '', name: '改路', default_unit: '', description: '' }, false)).toEqual({})
    expect(unitProblems({ code: 'ton', name: '吨' })).toEqual({})
    expect(unitProblems({ code: '', name: 'x'.repeat(21) })).toEqual({ code: 'code', name: 'nameLong' })
  })

  it('patches only what changed, an emptied description as null', () => {
    const item = { id: 1, category: 'construction', code: 'road', name: '改路', default_unit: 'km', description: '旧说明', sort: 0, active: true, version: 1 } as const
    expect(itemPatch({ code: 'road', name: '改路', default_unit: 'km', description: '旧说明' }, item)).toEqual({})
    expect(itemPatch({ code: 'road', name: '道路硬化', default_unit: 'km', description: ' ' }, item)).toEqual({
      name: '道路硬化',
      description: null,
    })
  })
})
