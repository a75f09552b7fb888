import { describe, expect, it } from 'vitest'
import { fileUrl, financeLines, reviewFiles } from './review'

const books = (opening: string, income: string, spending: string, closing: string) => ({
  year: 2027, month: 2, opening_balance: opening, income, spending, closing_balance: closing, entries: [],
})

describe('financeLines', () => {
  it('lists the frozen figures in order, nothing marked, while the books match', () => {
    const out = financeLines({ frozen: books('100.00', '1500.50', '0.00', '1600.50'), matches: true, current: null })
    expect(out.frozen.map((l) => [l.key, l.value, l.changed])).toEqual([
      ['opening_balance', '100.00', false], ['income', '1500.50', false],
      ['spending', '0.00', false], ['closing_balance', '1600.50', false],
    ])
    expect(out.current).toBeNull()
  })

  it('marks the figures the books now say otherwise, and lists the books as they stand', () => {
    const out = financeLines({
      frozen: books('100.00', '1500.50', '0.00', '1600.50'),
      matches: false,
      current: books('100.00', '300.00', '0.00', '400.00'),
    })
    expect(out.frozen.filter((l) => l.changed).map((l) => l.key)).toEqual(['income', 'closing_balance'])
    expect(out.current?.map((l) => l.value)).toEqual(['100.00', '300.00', '0.00', '400.00'])
    expect(out.current?.filter((l) => l.changed).map((l) => l.key)).toEqual(['income', 'closing_balance'])
  })

  it('shows a missing figure as empty, and no current books when the server sends none', () => {
    const out = financeLines({ frozen: { opening_balance: null }, matches: false, current: null })
    expect(out.frozen.map((l) => l.value)).toEqual(['', '', '', ''])
    expect(out.current).toBeNull()
  })
})

describe('reviewFiles', () => {
  const file = (id: number, kind: string, content_type: string) =>
    ({ id, kind, content_type, filename: `f${id}`, size: 1, sha256: 'x', uploaded_at: '2027-03-02T08:00:00+08:00' })
  const files = [file(1, 'board_photo', 'image/png'), file(2, 'attachment', 'application/pdf'),
    file(3, 'attachment', 'image/jpeg'), file(4, 'board_photo', 'image/jpeg')]

  it('before publication: everything uploaded, the board photos apart', () => {
    const out = reviewFiles({ files, publication: null })
    expect(out.photos.map((f) => f.id)).toEqual([1, 4])
    expect(out.attachments.map((f) => f.id)).toEqual([2, 3])
  })

  it('once published: only the files that went with the publication', () => {
    const publication = { file_ids: [1, 2] } as unknown as Parameters<typeof reviewFiles>[0]['publication']
    const out = reviewFiles({ files, publication })
    expect(out.photos.map((f) => f.id)).toEqual([1])
    expect(out.attachments.map((f) => f.id)).toEqual([2])
    expect(fileUrl(2)).toBe('/api/v1/disclosures/files/2')
  })
})
