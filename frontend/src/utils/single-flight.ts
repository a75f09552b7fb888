/**
 * One run at a time: while the wrapped action is under way, further calls (a second Enter, a
 * click on the submit button while the form's own submit event fires) get the same promise
 * instead of starting another request. The next call after it settles runs again.
 */
export function singleFlight<A extends unknown[], R>(action: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  let running: Promise<R> | null = null
  return (...args: A): Promise<R> => {
    if (running) return running
    const p = (async () => {
      try {
        return await action(...args)
      } finally {
        running = null
      }
    })()
    running = p
    return p
  }
}
