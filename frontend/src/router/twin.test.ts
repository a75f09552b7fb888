import { describe, expect, it } from 'vitest'
import { phoneTwin, routes } from './index'
import { createMemoryHistory, createRouter } from 'vue-router'

const router = createRouter({ history: createMemoryHistory(), routes })
const at = (path: string) => router.resolve(path)

describe('desktop pages opened on a phone', () => {
  it('go to their phone twin, with the same params', () => {
    expect(phoneTwin(at('/claims/12'), () => true)).toMatchObject({ name: 'm-claim', params: { claimId: '12' } })
    expect(phoneTwin(at('/'), () => true)).toEqual({ path: '/m/' })
  })

  it('stay on the desktop when there is no twin, on a desktop, or on the phone pages already', () => {
    expect(phoneTwin(at('/funds'), () => true)).toBeNull()
    expect(phoneTwin(at('/claims/12'), () => false)).toBeNull()
    expect(phoneTwin(at('/m/claims/12'), () => true)).toBeNull()
  })
})
