import { describe, expect, it } from 'vitest'
import { templateChanges, templateEtag, templateOrder, type TemplateItem } from './template'

const item = (id: number, section: TemplateItem['section'], sort: number, active = true): TemplateItem =>
  ({ id, section, sort, active, title: `t${id}`, guidance: '', retired_at: active ? null : '2027-03-01T00:00:00Z', version: 1 })

describe('templateOrder', () => {
  it('lists the items as rounds take them, the turned-off ones last', () => {
    const items = [item(1, 'finance', 0), item(2, 'village', 10), item(3, 'party', 20), item(4, 'party', 10),
      item(5, 'party', 0, false), item(6, 'party', 10)]
    expect(templateOrder(items).map((i) => i.id)).toEqual([4, 6, 3, 2, 1, 5])
    expect(items.map((i) => i.id)).toEqual([1, 2, 3, 4, 5, 6]) // the list given is left alone
  })
})

describe('templateEtag / templateChanges', () => {
  it('sends the version read as the ETag', () => {
    expect(templateEtag({ version: 3 })).toBe('W/"3"')
  })
  it('keeps only what changed, trimmed', () => {
    const it0 = { title: '三会一课', guidance: '时间与议题', sort: 20 }
    expect(templateChanges(it0, { title: ' 三会一课 ', guidance: '时间与议题', sort: 20 })).toEqual({})
    expect(templateChanges(it0, { title: '三会一课与主题党日', guidance: '', sort: 30 }))
      .toEqual({ title: '三会一课与主题党日', guidance: '', sort: 30 })
  })
})
