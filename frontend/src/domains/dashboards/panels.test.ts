import { describe, expect, it } from 'vitest'
import { ApiError } from '@/api/errors'
import { exportUrl, PANEL_NAMES, unlessForbidden } from './panels'

describe('dashboard panels', () => {
  it('leaves out a panel the role may not read (403), and still fails on other errors', async () => {
    expect(await unlessForbidden(Promise.resolve(3))).toBe(3)
    const forbidden = new ApiError(403, { code: 'forbidden', title: 'Forbidden' })
    expect(await unlessForbidden(Promise.reject(forbidden))).toBeUndefined()
    const broken = new ApiError(500, { code: 'internal', title: 'Internal' })
    await expect(unlessForbidden(Promise.reject(broken))).rejects.toBe(broken)
  })

  it('has the disclosure and discipline panels, each with its export', () => {
    expect(PANEL_NAMES).toEqual(expect.arrayContaining(['disclosures', 'discipline']))
    expect(exportUrl('disclosures', '2026-12', '230199100000')).toBe(
      '/api/v1/dashboards/disclosures/export.xlsx?month=2026-12&township_code=230199100000')
  })
})
