import { describe, expect, it } from 'vitest'
import type { Budget, ClaimSummary } from '../types'
import type { QueuedWrite } from '@/offline/queue'
import { checkForm, draftChanges, editChoices, fileClaimWrite, lineChoices, listTitleKey, photoPart, sections, waitingClaims } from './claims'

const claim = (id: number, status: ClaimSummary['status']): ClaimSummary => ({ id, status, amount: '10.00', purpose: `c${id}` }) as ClaimSummary

const ALL = [
  claim(1, 'draft'),
  claim(2, 'submitted'),
  claim(3, 'committee_signed'),
  claim(4, 'township_approved'),
  claim(5, 'paid'),
  claim(6, 'rejected'),
  claim(7, 'withdrawn'),
]
const ids = (xs: ClaimSummary[]): number[] => xs.map((c) => c.id)

describe('the phone claim list', () => {
  it('is the secretary’s own claims, or the committee’s to sign', () => {
    expect(listTitleKey('village_committee')).toBe('funds.mobile.myClaims')
    expect(listTitleKey('supervision_committee')).toBe('funds.mobile.toSignTitle')
  })

  it('lists the secretary’s drafts under drafts, not among the done', () => {
    const s = sections(ALL, 'village_committee')
    expect(s.map((x) => [x.key, ids(x.items)])).toEqual([
      ['drafts', [1]],
      ['inProgress', [2, 3, 4]],
      ['done', [5, 6, 7]],
    ])
  })

  it('never shows the committee a draft', () => {
    const s = sections(ALL, 'supervision_committee')
    expect(s.map((x) => [x.key, ids(x.items)])).toEqual([
      ['toSign', [2]],
      ['done', [3, 4, 5, 6, 7]],
    ])
    expect(s.flatMap((x) => x.items).some((c) => c.status === 'draft')).toBe(false)
  })
})

const budget = (year: number, status: Budget['status'], lines: [number, string][]): Budget =>
  ({ year, status, lines: lines.map(([id, available]) => ({ id, available, category: 'office', purpose: 'p' })) }) as unknown as Budget

describe('the claim form', () => {
  const choices = lineChoices([budget(2026, 'approved', [[1, '500.00'], [2, '0.00']]), budget(2025, 'closed', [[3, '9.00']])])

  it('offers approved lines with money left', () => {
    expect(choices.map((c) => c.line.id)).toEqual([1])
  })

  it('marks every missing or bad field before anything is sent', () => {
    expect(checkForm({ line: null, amount: '', purpose: ' ', payee: '' }, choices)).toEqual({
      line: 'funds.mobile.problems.line',
      amount: 'funds.amountProblem.required',
      purpose: 'funds.mobile.problems.purpose',
      payee: 'funds.mobile.problems.payee',
    })
    expect(checkForm({ line: 1, amount: '12.345', purpose: 'a', payee: 'b' }, choices)).toEqual({ amount: 'funds.amountProblem.format' })
    expect(checkForm({ line: 1, amount: '0', purpose: 'a', payee: 'b' }, choices)).toEqual({ amount: 'funds.amountProblem.positive' })
    expect(checkForm({ line: 1, amount: '500.01', purpose: 'a', payee: 'b' }, choices)).toEqual({ amount: 'funds.mobile.problems.overLine' })
    expect(checkForm({ line: 2, amount: '1', purpose: 'a', payee: 'b' }, choices)).toEqual({ line: 'funds.mobile.problems.line' })
    expect(checkForm({ line: 1, amount: '500', purpose: 'a'.repeat(201), payee: 'b' }, choices)).toEqual({ purpose: 'funds.mobile.problems.tooLong' })
    expect(checkForm({ line: 1, amount: '500', purpose: 'a', payee: 'b' }, choices)).toEqual({})
  })

  it('files the claim, then its photos, then the submit, as one outbox write', async () => {
    const photo = await photoPart(new Blob([new Uint8Array([0xff, 0xd8, 0xff])], { type: 'image/jpeg' }), 0)
    expect(photo).toMatchObject({ field: 'file', filename: 'invoice-1.jpg', type: 'image/jpeg' })
    const w = fileClaimWrite('230199100200', { line: 1, amount: '12.5', purpose: ' 水泥 ', payee: '建材站' }, [photo], {
      submit: true,
      label: 'l',
      photoLabel: 'p',
      submitLabel: 's',
    })
    expect(w).toMatchObject({
      method: 'POST',
      path: '/api/v1/funds/villages/230199100200/claims',
      body: { line_id: 1, amount: '12.50', purpose: '水泥', payee: '建材站' },
    })
    expect(w.then?.map((x) => x.path)).toEqual(['/api/v1/funds/claims/{id}/attachments', '/api/v1/funds/claims/{id}/submit'])
    expect(w.then?.[0]?.files).toEqual([photo])
    const draft = fileClaimWrite('230199100200', { line: 1, amount: '1', purpose: 'a', payee: 'b' }, [], {
      submit: false,
      label: 'l',
      photoLabel: 'p',
      submitLabel: 's',
    })
    expect(draft.then).toEqual([])
  })

  it('shows the claims waiting in the outbox with their photos', () => {
    const w = {
      key: 'k',
      method: 'POST',
      path: '/api/v1/funds/villages/230199100200/claims',
      body: { purpose: '水泥', amount: '12.50' },
      state: 'pending',
      then: [{ method: 'POST', path: '/x/{id}/attachments', files: [{}] }, { method: 'POST', path: '/x/{id}/submit' }],
    } as unknown as QueuedWrite
    const other = { ...w, key: 'o', path: '/api/v1/cadres/logs' } as QueuedWrite
    expect(waitingClaims([w, other], '230199100200')).toEqual([{ key: 'k', purpose: '水泥', amount: '12.50', photos: 1, failed: false }])
    expect(waitingClaims([w], null)).toEqual([])
  })
})

describe('editing a draft on the phone', () => {
  const budget = {
    id: 1,
    year: 2026,
    status: 'approved',
    lines: [
      { id: 11, category: 'public_works', purpose: '道路', available: '0.00' },
      { id: 12, category: 'office', purpose: '办公', available: '500.00' },
      { id: 13, category: 'other', purpose: '其他', available: '0.00' },
    ],
  } as unknown as Budget
  const draft = { line_id: 11, amount: '800.00', purpose: '材料费', payee: '县建材站' }

  it('offers the draft’s own line with what it holds there, and other lines with something left', () => {
    const choices = editChoices([budget], draft)
    expect(choices.map((c) => [c.line.id, c.line.available])).toEqual([
      [11, '800.00'],
      [12, '500.00'],
    ])
  })

  it('sends only what changed, amount and line included', () => {
    const choices = editChoices([budget], draft)
    const form = { line: 11, amount: '800', purpose: '材料费', payee: '县建材站' }
    expect(draftChanges(form, draft, choices).body).toEqual({})
    expect(draftChanges({ ...form, amount: '750.5' }, draft, choices).body).toEqual({ amount: '750.50' })
    expect(draftChanges({ ...form, line: 12, amount: '500' }, draft, choices).body).toEqual({ line_id: 12, amount: '500.00' })
  })

  it('checks the amount against the line before sending', () => {
    const choices = editChoices([budget], draft)
    const form = { line: 11, amount: '800.01', purpose: '材料费', payee: '县建材站' }
    expect(draftChanges(form, draft, choices)).toEqual({ problems: { amount: 'funds.mobile.problems.overLine' }, body: {} })
    expect(draftChanges({ ...form, amount: 'abc' }, draft, choices).problems.amount).toBe('funds.amountProblem.format')
    expect(draftChanges({ ...form, line: 13, amount: '1' }, draft, choices).problems.line).toBe('funds.mobile.problems.line')
  })
})
