/**
 * Numbers the calls of a search as they begin. Each call gets a check that stays true until a later
 * call begins: a search that answers after a later one began drops its answer instead of replacing
 * the newer options (typing "永平" quickly, the answer for "永" may come last).
 */
export function latestCall(): () => () => boolean {
  let last = 0
  return () => {
    const mine = ++last
    return () => mine === last
  }
}
