#!/usr/bin/env node
/**
 * Renders public/favicon.svg into the PNG icons the PWA manifest and iOS need
 * (public/pwa-192.png, pwa-512.png, pwa-512-maskable.png, apple-touch-icon.png).
 * Run after changing the logo: node scripts/make-icons.mjs (uses /usr/bin/chromium).
 */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const pub = join(dirname(fileURLToPath(import.meta.url)), '..', 'public')
const svg = readFileSync(join(pub, 'favicon.svg'), 'utf8')
const icons = [
  { file: 'pwa-192.png', size: 192, pad: 0, bg: 'transparent' },
  { file: 'pwa-512.png', size: 512, pad: 0, bg: 'transparent' },
  { file: 'pwa-512-maskable.png', size: 512, pad: 0.12, bg: '#b71c1c' },
  { file: 'apple-touch-icon.png', size: 180, pad: 0.06, bg: '#b71c1c' },
]

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] })
try {
  for (const icon of icons) {
    const page = await browser.newPage({ viewport: { width: icon.size, height: icon.size } })
    const inner = Math.round(icon.size * (1 - 2 * icon.pad))
    await page.setContent(
      `<html><body style="margin:0;background:${icon.bg};display:flex;align-items:center;justify-content:center;width:${icon.size}px;height:${icon.size}px">` +
        `<div style="width:${inner}px;height:${inner}px">${svg.replace('<svg ', `<svg width="${inner}" height="${inner}" `)}</div></body></html>`,
    )
    await page.screenshot({ path: join(pub, icon.file), omitBackground: icon.bg === 'transparent' })
    await page.close()
    console.log(`wrote public/${icon.file}`)
  }
} finally {
  await browser.close()
}
