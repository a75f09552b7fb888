import { describe, expect, it } from 'vitest'
import { singleFlight } from './single-flight'

describe('singleFlight', () => {
  it('runs an action once while it is under way, then again after it settles', async () => {
    let calls = 0
    let release: () => void = () => {}
    const submit = singleFlight(async () => {
      calls += 1
      await new Promise<void>((resolve) => (release = resolve))
      return calls
    })
    const first = submit()
    const second = submit() // Enter fires the form's submit and the input's keyup at once
    expect(calls).toBe(1)
    release()
    expect(await first).toBe(1)
    expect(await second).toBe(1)
    const third = submit()
    expect(calls).toBe(2)
    release()
    expect(await third).toBe(2)
  })

  it('lets the next call run after a failure', async () => {
    let calls = 0
    const submit = singleFlight(async () => {
      calls += 1
      if (calls === 1) throw new Error('wrong password')
      return 'ok'
    })
    await expect(submit()).rejects.toThrow('wrong password')
    expect(await submit()).toBe('ok')
    expect(calls).toBe(2)
  })
})
