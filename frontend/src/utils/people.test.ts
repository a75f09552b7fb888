import { afterEach, describe, expect, it, vi } from 'vitest'
import { forgetPeople, personName } from './people'
import { setLocale } from '@/i18n'

afterEach(() => {
  vi.unstubAllGlobals()
  forgetPeople()
})

describe('personName', () => {
  it('shows display names, asking the server once for a batch, and the system as 系统', async () => {
    setLocale('zh-CN')
    const asked: string[][] = []
    vi.stubGlobal('fetch', async (input: Request) => {
      const url = new URL(input.url)
      asked.push(url.searchParams.getAll('username'))
      return new Response(JSON.stringify({ items: [{ username: 'admin', display_name: '县委组织部管理员' }] }), {
        status: 200,
        headers: { 'Content-Type': 'application/json' },
      })
    })
    expect(personName('admin')).toBe('admin')
    expect(personName('township09')).toBe('township09')
    expect(personName('admin')).toBe('admin')
    expect(personName('system')).toBe('系统')
    expect(personName(null)).toBe('—')
    await new Promise((r) => setTimeout(r, 20))
    expect(asked).toEqual([['admin', 'township09']])
    expect(personName('admin')).toBe('县委组织部管理员')
    // Left out by the server: the user name stays, and it is not asked again.
    expect(personName('township09')).toBe('township09')
    await new Promise((r) => setTimeout(r, 20))
    expect(asked).toHaveLength(1)
  })
})
