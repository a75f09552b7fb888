/** Element Plus helpers for journeys: selects, tables, pagination. */
import type { Locator, Page } from 'playwright-core'

/** Opens the el-select marked data-test=testId and picks the option with this label. */
export async function chooseOption(page: Page, testId: string, label: string): Promise<void> {
  await page.locator(`[data-test=${testId}]`).click()
  await page.locator('.el-select-dropdown__item:visible', { hasText: label }).first().click()
}

/** Types `typed` into the searching el-select marked data-test=testId (inside `within`), waits for the
 * search's own answer, then picks the option with this label and waits for the list to close. Picked
 * before that answer, an option may be replaced under the click and the list left open over the form. */
export async function searchOption(page: Page, within: Locator | Page, testId: string, typed: string, label: string): Promise<void> {
  const answered = page.waitForResponse((r) => new URL(r.url()).searchParams.get('q') === typed.trim())
  await within.locator(`[data-test=${testId}]`).click()
  await page.keyboard.type(typed)
  await answered
  const option = page.locator('.el-select-dropdown__item:visible', { hasText: label }).first()
  await option.click()
  await option.waitFor({ state: 'hidden' })
}

/** Texts of the visible rows of the el-table marked data-test=testId, one string per cell. */
export async function tableRows(page: Page, testId: string): Promise<string[][]> {
  return page
    .locator(`[data-test=${testId}] .el-table__body-wrapper tbody tr`)
    .evaluateAll((rows) => rows.map((r) => Array.from(r.querySelectorAll('td')).map((td) => (td.textContent ?? '').trim())))
}

/** The number in the pagination's "共 N 条" / "Total N". */
export async function paginationTotal(page: Page): Promise<number> {
  const text = (await page.locator('.el-pagination__total').first().textContent()) ?? ''
  const m = /(\d+)/.exec(text)
  if (!m) throw new Error(`no total in "${text}"`)
  return Number(m[1])
}
