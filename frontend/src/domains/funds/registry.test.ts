import { describe, expect, it } from 'vitest'
import { amountProblem, normaliseAmount } from './money'
import { formBody, REGISTRIES } from './registry'

const money = (v: string): string | null => (amountProblem(v) ? null : normaliseAmount(v))

describe('registry step forms', () => {
  it('builds the body the API wants and names what is missing or wrong', () => {
    const letting = REGISTRIES.resource.steps.record_letting ?? []
    const ok = formBody(
      letting,
      { tenant: ' 孙金山 ', annual_rent: '18000', bids: '4', term_start: '2027-01-01', term_end: '2031-12-31', note: '' },
      money,
    )
    expect(ok).toEqual({
      body: { tenant: '孙金山', annual_rent: '18000.00', bids: 4, term_start: '2027-01-01', term_end: '2031-12-31' },
      bad: [],
    })
    const bad = formBody(letting, { tenant: '', annual_rent: '1.005', bids: '0', term_start: '2027-01-01' }, money)
    expect(bad.bad).toEqual(['tenant', 'annual_rent', 'bids', 'term_end'])
  })

  it('checks areas and leaves optional fields out', () => {
    const survey = REGISTRIES.resource.steps.survey ?? []
    expect(formBody(survey, { surveyed_area: '0.00', boundaries: '四至' }, money).bad).toEqual(['surveyed_area'])
    const dispose = REGISTRIES.asset.steps.dispose ?? []
    expect(formBody(dispose, { method: 'scrap' }, money)).toEqual({ body: { method: 'scrap' }, bad: [] })
  })

  it('has a form for every step each registry knows', () => {
    expect(Object.keys(REGISTRIES.asset.steps).sort()).toEqual([...REGISTRIES.asset.actions].sort())
    expect(Object.keys(REGISTRIES.resource.steps).sort()).toEqual([...REGISTRIES.resource.actions].sort())
  })
})
