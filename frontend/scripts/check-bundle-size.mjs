#!/usr/bin/env node
/**
 * The phone pages must load fast on a weak signal: the JavaScript that the first load of /m/
 * downloads stays at or under 250 KB gzip, and never includes Element Plus or ECharts.
 *
 * Reads .build-stats/chunk-graph.json (written by the chunk-graph plugin in vite.config.ts during
 * `vite build`), takes the entry chunk of index.html, the service-worker registration, and every
 * chunk of the mobile shell (src/mobile/*), follows their static imports, and counts each file as
 * the API sends it: the precompressed .gz beside it (brotli is smaller still, but browsers ask for it
 * only over HTTPS). The list goes to .build-stats/mobile-first-load.json, from which
 * tests/api/platform/test_static_files.py fetches the same files through the API and sums the bytes
 * that really cross the wire.
 *
 * The public village page (public.html, opened from the notice board's QR code by anyone's phone)
 * is checked too: its JavaScript stays at or under 50 KB gzip and pulls in no UI library, nor Vue.
 *
 * Usage: node scripts/check-bundle-size.mjs [--budget-kb 250]
 */
import { readFileSync, existsSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const graphFile = join(root, '.build-stats', 'chunk-graph.json')
const dist = join(root, 'dist')
const budgetArg = process.argv.indexOf('--budget-kb')
const budgetKb = budgetArg > 0 ? Number(process.argv[budgetArg + 1]) : 250
const budget = budgetKb * 1000

const FORBIDDEN = /(^|\/)node_modules\/(element-plus|@element-plus|echarts|zrender|vue-echarts)\//
const SHELL = /^src\/mobile\/[^/]+\.(vue|ts)$/
const PWA = /pwa-register|workbox-window/

if (!existsSync(graphFile)) {
  console.error(`missing ${graphFile}: run \`vite build\` first`)
  process.exit(2)
}

/** @type {{chunks: {fileName: string, isEntry: boolean, isDynamicEntry: boolean, facadeModuleId: string|null, imports: string[], dynamicImports: string[], moduleIds: string[]}[]}} */
const graph = JSON.parse(readFileSync(graphFile, 'utf8'))
const byFile = new Map(graph.chunks.map((c) => [c.fileName, c]))

const entries = graph.chunks.filter((c) => c.isEntry && c.facadeModuleId === 'index.html')
if (entries.length !== 1) {
  console.error(`expected one entry chunk for index.html, found ${entries.length}`)
  process.exit(2)
}
const starts = [
  entries[0],
  ...graph.chunks.filter(
    (c) => c.isDynamicEntry && ((c.facadeModuleId && SHELL.test(c.facadeModuleId)) || c.moduleIds.some((id) => PWA.test(id))),
  ),
]
const shellFacades = starts.map((c) => c.facadeModuleId).filter(Boolean)
for (const needed of ['src/mobile/MobileRoot.vue', 'src/mobile/MobileFrame.vue', 'src/mobile/MobileHome.vue', 'src/mobile/MobileLogin.vue']) {
  if (!shellFacades.includes(needed)) {
    console.error(`the mobile shell chunk for ${needed} was not found in the build`)
    process.exit(2)
  }
}

const seen = new Set()
const stack = starts.map((c) => c.fileName)
while (stack.length) {
  const file = stack.pop()
  if (seen.has(file)) continue
  seen.add(file)
  const chunk = byFile.get(file)
  if (!chunk) {
    console.error(`chunk ${file} is imported but missing from the graph`)
    process.exit(2)
  }
  stack.push(...chunk.imports)
}

let total = 0
const rows = []
const offenders = []
for (const file of seen) {
  const chunk = byFile.get(file)
  const bytes = readFileSync(join(dist, file))
  // The build leaves out a .gz that would not be smaller (tiny files): then the file goes as it is.
  const shipped = join(dist, `${file}.gz`)
  const gz = existsSync(shipped) ? readFileSync(shipped).length : bytes.length
  const br = existsSync(join(dist, `${file}.br`)) ? readFileSync(join(dist, `${file}.br`)).length : gz
  total += gz
  rows.push({ file, raw: bytes.length, gz, br })
  for (const id of chunk.moduleIds) if (FORBIDDEN.test(id)) offenders.push(`${file}: ${id}`)
}
rows.sort((a, b) => b.gz - a.gz)
writeFileSync(join(root, '.build-stats', 'mobile-first-load.json'), JSON.stringify({ budget, files: rows.map((r) => r.file) }, null, 1))

const kb = (n) => (n / 1000).toFixed(1).padStart(7)
console.log('first load of /m/ (JavaScript):')
for (const r of rows) console.log(`  ${kb(r.gz)} kB gzip  ${kb(r.br)} kB brotli  ${kb(r.raw)} kB raw  ${r.file}`)
console.log(`  ${kb(total)} kB gzip (${kb(rows.reduce((n, r) => n + r.br, 0))} kB brotli) in ${rows.length} files (budget ${budgetKb} kB)`)

let failed = false
if (offenders.length) {
  console.error('desktop-only libraries reach the phone pages:')
  for (const o of offenders.slice(0, 20)) console.error(`  ${o}`)
  failed = true
}
if (total > budget) {
  console.error(`over budget by ${((total - budget) / 1000).toFixed(1)} kB`)
  console.error('keep views lazy, keep UI libraries out of src/domains/*/domain.ts and i18n.ts, and move')
  console.error('desktop-only strings to src/domains/<name>/desktop-i18n.ts')
  failed = true
}
// -- the public page: its entry and everything it imports statically ---------------------------
const PUBLIC_BUDGET = 50 * 1000
const PUBLIC_FORBIDDEN = /(^|\/)node_modules\/(vant|element-plus|@element-plus|echarts|zrender|vue-echarts|vue-router|pinia|vue-i18n|@vue)\//
const publicEntry = graph.chunks.find((c) => c.isEntry && c.facadeModuleId === 'public.html')
if (!publicEntry) {
  console.error('the entry chunk of public.html was not found in the build')
  failed = true
} else {
  const files = new Set()
  const todo = [publicEntry.fileName]
  while (todo.length) {
    const file = todo.pop()
    if (files.has(file)) continue
    files.add(file)
    todo.push(...(byFile.get(file)?.imports ?? []))
  }
  let publicTotal = 0
  for (const file of files) {
    const shipped = join(dist, `${file}.gz`)
    publicTotal += existsSync(shipped) ? readFileSync(shipped).length : readFileSync(join(dist, file)).length
    for (const id of byFile.get(file)?.moduleIds ?? []) {
      if (PUBLIC_FORBIDDEN.test(id)) {
        console.error(`the public page pulls in ${id} (${file})`)
        failed = true
      }
    }
  }
  console.log(`public page (JavaScript): ${kb(publicTotal)} kB gzip in ${files.size} files (budget ${PUBLIC_BUDGET / 1000} kB)`)
  if (publicTotal > PUBLIC_BUDGET) {
    console.error(`the public page is over its budget by ${((publicTotal - PUBLIC_BUDGET) / 1000).toFixed(1)} kB`)
    failed = true
  }
}

if (failed) process.exit(1)
console.log('bundle check: ok')
