import { describe, expect, it } from 'vitest'
import { drillRoute, listLink } from './drill'

describe('drill links', () => {
  it('turns an API list link into the rows page and back, with the page', () => {
    const route = drillRoute('/api/v1/villages?status=weak&category=weak_branch') as { query: { list: string } }
    expect(route.query.list).toBe('villages?status=weak&category=weak_branch')
    expect(listLink(route.query.list, 50, 100)).toBe('/api/v1/villages?status=weak&category=weak_branch&limit=50&offset=100')
  })
  it('refuses links outside the API', () => {
    expect(() => drillRoute('https://evil.example/x')).toThrow()
    expect(listLink('//evil.example/x', 50, 0)).toBeNull()
    expect(listLink('../auth/me', 50, 0)).toBeNull()
    expect(listLink(undefined, 50, 0)).toBeNull()
  })
})
