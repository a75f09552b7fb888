import { describe, expect, it } from 'vitest'
import { ApiError, NetworkError, UserError, parseRetryAfter, readApiError } from '@/api/errors'
import { errorMessage, fieldErrorMessage, i18n, setLocale } from '@/i18n'
import serverFieldTypes from './field-error-types.json'

function problemResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/problem+json', ...headers } })
}

describe('problem+json errors', () => {
  it('reads code, detail, field errors and Retry-After', async () => {
    const err = await readApiError(
      problemResponse(
        422,
        { type: 'about:blank', title: 'The request is not valid', status: 422, code: 'validation_error', errors: [{ loc: ['body', 'population'], msg: 'Input should be greater than or equal to 0', type: 'greater_than_equal' }] },
      ),
    )
    expect(err.code).toBe('validation_error')
    expect(err.fieldMap()).toEqual({ population: { loc: ['body', 'population'], msg: 'Input should be greater than or equal to 0', type: 'greater_than_equal' } })
    const limited = await readApiError(problemResponse(429, { code: 'too_many_attempts', status: 429, title: 'x' }, { 'Retry-After': '42' }))
    expect(limited.retryAfter).toBe(42)
  })

  it('falls back to a code from the status when the body is not a problem', async () => {
    const err = await readApiError(new Response('<html>bad gateway</html>', { status: 502 }))
    expect(err.code).toBe('server_error')
    expect(parseRetryAfter(null)).toBeNull()
  })

  it('translates codes, never showing raw JSON', () => {
    setLocale('zh-CN')
    expect(errorMessage(new ApiError(401, { code: 'invalid_credentials' }))).toBe('用户名或密码错误')
    expect(errorMessage(new ApiError(412, { code: 'precondition_failed' }))).toBe('此记录已被他人修改，请重新加载后再编辑')
    expect(errorMessage(new ApiError(429, { code: 'too_many_attempts' }, 30))).toBe('尝试次数过多，请 30 秒后再试')
    expect(errorMessage(new ApiError(429, { code: 'too_many_attempts' }, 894))).toBe('尝试次数过多，请 15 分钟后再试')
    expect(errorMessage(new ApiError(429, { code: 'too_many_attempts' }))).toBe('尝试次数过多，请稍后再试')
    expect(errorMessage(new NetworkError())).toBe('网络连接失败，请检查网络后重试')
    expect(errorMessage(new ApiError(418, { code: 'teapot', detail: '{"raw": true}' }))).toBe('请求失败（418）')
    expect(errorMessage(new ApiError(503, { code: 'maintenance' }))).toBe('服务器暂时不可用，请稍后重试')
    expect(errorMessage(new Error('boom'))).toBe('操作失败，请稍后重试')
    expect(errorMessage(new UserError('请为每个排除的村填写理由'))).toBe('请为每个排除的村填写理由')
    setLocale('en')
    expect(errorMessage(new ApiError(401, { code: 'invalid_credentials' }))).toBe('Wrong username or password')
    expect(errorMessage(new ApiError(409, { code: 'budget_exceeded_unknown', detail: 'Line 3 is exhausted' }))).toBe('Line 3 is exhausted')
    setLocale('zh-CN')
  })

  it('translates field errors by type', () => {
    setLocale('zh-CN')
    expect(fieldErrorMessage({ msg: 'Input should be greater than or equal to 0', type: 'greater_than_equal' })).toBe('不能小于 0')
    expect(fieldErrorMessage({ msg: 'Field required', type: 'missing' })).toBe('必填')
    // The server's own English text never reaches the Chinese interface, whatever the type.
    expect(fieldErrorMessage({ msg: 'Something odd', type: 'odd' })).toBe('取值不正确')
    expect(fieldErrorMessage({ msg: 'Value error, must be written like "1234.50"', type: 'money_format' }))
      .toBe('请输入金额，最多两位小数，如 1234.50')
    expect(fieldErrorMessage({ msg: 'must be a decimal string', type: 'decimal_format' })).toBe('请输入数字，如 12.5')
    expect(fieldErrorMessage({ msg: 'must be today or later', type: 'past_date' })).toBe('日期已过，请选择今天或以后的日期')
    expect(fieldErrorMessage({ msg: 'repeated', type: 'unique_items' })).toBe('不能重复')
    expect(fieldErrorMessage({ msg: 'must be a date string written like "2026-12-03"', type: 'date_format' }))
      .toBe('请输入日期，如 2026-12-03')
    expect(fieldErrorMessage({ msg: 'x', type: 'approved_above_planned' })).toBe('批准金额不能超过申请金额')
    expect(fieldErrorMessage({ msg: '第 3 行：代码重复', type: 'import_row' })).toBe('该行有误：第 3 行：代码重复')
    setLocale('en')
    expect(fieldErrorMessage({ msg: 'Something odd', type: 'odd' })).toBe('Something odd')
    expect(fieldErrorMessage({ msg: 'x', type: 'money_range' })).toBe('Amount out of range')
    setLocale('zh-CN')
  })

  it('has a Chinese and an English message for every field error type the server raises', () => {
    // The list is collected from the server's source by `cunzhi export-openapi` (backend kit/field_types.py).
    expect(serverFieldTypes.length).toBeGreaterThan(50)
    const missing: string[] = []
    for (const locale of ['zh-CN', 'en'] as const) {
      for (const type of serverFieldTypes) {
        if (!i18n.global.te(`errors.field.${type}`, locale)) missing.push(`${locale} ${type}`)
      }
    }
    expect(missing).toEqual([])
  })

  it('never shows a server-raised type with the generic message or the English text in Chinese', () => {
    setLocale('zh-CN')
    const generic = fieldErrorMessage({ msg: 'x', type: 'odd' })
    for (const type of serverFieldTypes.filter((t) => t !== 'value_error')) {
      const text = fieldErrorMessage({ msg: 'English text 12', type })
      expect(text, type).not.toBe(generic)
      expect(text, type).toMatch(/[\u4e00-\u9fff]/)
    }
    setLocale('zh-CN')
  })
})
