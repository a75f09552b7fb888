/**
 * The desktop in English on a 1366×768 screen: no column header breaks a word, no menu label runs
 * into its submenu arrow, and a posting reads "village · post" with a separator.
 */
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { login, settled, useJourney } from './harness/browser'

interface HeaderProblem {
  page: string
  header: string
  why: string
}

/** Every visible table header cell whose text is broken inside a word or does not fit its cell. */
async function brokenHeaders(page: Page): Promise<HeaderProblem[]> {
  const path = new URL(page.url()).pathname
  const found = await page.evaluate(() => {
    const out: { header: string; why: string }[] = []
    for (const cell of Array.from(document.querySelectorAll<HTMLElement>('th .cell, [role=columnheader]'))) {
      const box = cell.getBoundingClientRect()
      if (box.width === 0 || box.height === 0) continue
      const header = (cell.textContent ?? '').trim()
      if (!header) continue
      if (cell.scrollWidth > cell.clientWidth + 1) out.push({ header, why: `${cell.scrollWidth}px wide in ${cell.clientWidth}px` })
      // Each word of each text node must sit on one line: a word broken over two lines has two boxes.
      const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT)
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.textContent ?? ''
        for (const m of text.matchAll(/\S+/g)) {
          const range = document.createRange()
          range.setStart(node, m.index)
          range.setEnd(node, m.index + m[0].length)
          const lines = new Set(Array.from(range.getClientRects()).filter((r) => r.width > 0).map((r) => Math.round(r.top)))
          if (lines.size > 1) out.push({ header, why: `"${m[0]}" is broken over ${lines.size} lines` })
        }
      }
    }
    return out
  })
  return found.map((f) => ({ page: path, ...f }))
}

/** Submenu titles whose label box meets its arrow's box, or whose label is cut without an ellipsis. */
async function crowdedMenu(page: Page): Promise<string[]> {
  return page.locator('[data-test=side-menu] .el-sub-menu__title').evaluateAll((titles) => {
    const out: string[] = []
    for (const title of titles) {
      const label = title.querySelector<HTMLElement>('span')
      const arrow = title.querySelector<HTMLElement>('.el-sub-menu__icon-arrow')
      if (!label || !arrow) continue
      const a = label.getBoundingClientRect()
      const b = arrow.getBoundingClientRect()
      const overlap = a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom
      if (overlap) out.push(`${label.textContent}: label ${Math.round(a.left)}–${Math.round(a.right)}, arrow ${Math.round(b.left)}–${Math.round(b.right)}`)
      const cut = label.scrollWidth > label.clientWidth + 1
      if (cut && getComputedStyle(label).textOverflow !== 'ellipsis') out.push(`${label.textContent}: cut without an ellipsis`)
      if (cut && !title.closest('[title]') && !label.title) out.push(`${label.textContent}: cut without a tooltip`)
    }
    return out
  })
}

describe('desktop at 1366 px in English', () => {
  const j = useJourney('platform-desktop-1366')

  it('breaks no header inside a word and keeps menu labels clear of their arrows', async () => {
    const s = await j.desktop()
    const { page } = s
    expect(page.viewportSize()).toEqual({ width: 1366, height: 768 })
    await login(page, 'admin')
    await page.locator('[data-test=language-switch]').click()
    await page.locator('[data-test=locale-en]').click()
    await page.locator('[data-test=welcome]', { hasText: 'Welcome back' }).waitFor()

    // Open every submenu so that each title and its arrow are laid out.
    for (const title of await page.locator('[data-test=side-menu] .el-sub-menu__title').all()) {
      await title.click()
      await page.waitForTimeout(150)
    }
    const menuProblems = await crowdedMenu(page)

    // Every list page of the menu (the main pages: lists and boards without an id in the path).
    const paths = await page
      .locator('[data-test=side-menu] .el-menu-item[data-path]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-path')!).filter((p) => p && !p.includes(':')))
    expect(paths.length).toBeGreaterThan(10)
    const problems: HeaderProblem[] = []
    let withTables = 0
    for (const path of paths) {
      await page.goto(path)
      await settled(page)
      if ((await page.locator('th .cell').count()) > 0) withTables++
      problems.push(...(await brokenHeaders(page)))
      menuProblems.push(...(await crowdedMenu(page)).map((m) => `${path}: ${m}`))
    }
    expect(withTables).toBeGreaterThan(8)
    expect({ headers: problems, menu: menuProblems }).toEqual({ headers: [], menu: [] })
    await page.goto('/villages')
    await settled(page)
    await s.shot('desktop-1366-en-villages')

    // A posting's village and post are separated: "…村 · Deputy secretary" (the dot has a margin before it,
    // so its text reads "…村· Deputy secretary"), never "…村Deputy secretary".
    await page.goto('/cadres')
    await settled(page)
    const cells = await page.locator('td').allInnerTexts()
    const posted = cells.filter((c) => /Deputy secretary|Committee member/.test(c))
    expect(posted.length).toBeGreaterThan(0)
    for (const c of posted) expect(c.replace(/\s+/g, ' ')).toMatch(/\S ?· (Deputy secretary|Committee member)/)
    for (const c of cells) expect(c).not.toMatch(/[\u3400-\u9fff](Deputy secretary|Committee member)/)
  }, 240_000)
})
