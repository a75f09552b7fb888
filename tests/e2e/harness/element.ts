/** Element Plus helpers for journeys: selects, tables, pagination. */
import type { Page } from 'playwright-core'

/** Opens the el-select marked data-test=testId and picks the option with this label. */
export async function chooseOption(page: Page, testId: string, label: string): Promise<void> {
  await page.locator(`[data-test=${testId}]`).click()
  await page.locator('.el-select-dropdown__item:visible', { hasText: label }).first().click()
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
