import { describe, expect, it } from 'vitest'
import { en, zhCN } from './i18n'
import { checkUnitForm } from './unitForm'

const ok = { code: 'PU-CZJ', name: '县财政局', strengths: ['economic'], contact_name: '', contact_phone: '' }

describe('the partner-unit form', () => {
  it('passes a complete unit', () => {
    expect(checkUnitForm(ok, true)).toEqual({})
    expect(checkUnitForm({ ...ok, contact_phone: '0451-87600999' }, true)).toEqual({})
  })

  it('says what each empty field needs, and refuses a unit without a strength', () => {
    expect(checkUnitForm({ ...ok, code: ' ', name: '', strengths: [] }, true)).toEqual({
      code: 'partners.problems.codeRequired',
      name: 'partners.problems.nameRequired',
      strengths: 'partners.problems.strengthsRequired',
    })
    expect(checkUnitForm({ ...ok, code: '', strengths: [] }, false)).toEqual({ strengths: 'partners.problems.strengthsRequired' })
  })

  it('names the expected format', () => {
    expect(checkUnitForm({ ...ok, code: 'PU X!', contact_phone: 'abc' }, true)).toEqual({
      code: 'partners.problems.codeFormat',
      contact_phone: 'partners.problems.phoneFormat',
    })
    expect(zhCN.partners.problems.codeFormat).toMatch(/字母/)
    expect(zhCN.partners.problems.phoneFormat).toMatch(/5.*20/)
    expect(en.partners.problems.phoneFormat).toMatch(/5.*20/)
    for (const msg of Object.values(zhCN.partners.problems)) expect(msg).not.toMatch(/^(必填|格式不正确)$/)
  })
})
