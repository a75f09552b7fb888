/** Pure checks of the phone's progress form (the server checks the same and more). */

/** A decimal string of at least 0 with at most two decimals, as the API's Quantity takes it. */
export function validAmount(s: string): boolean {
  return /^\d{1,12}(\.\d{1,2})?$/.test(s.trim())
}
