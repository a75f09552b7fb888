#!/usr/bin/env node
/**
 * Fails when src/api/schema.d.ts is not what openapi-typescript makes from openapi/openapi.json,
 * i.e. the contract changed and `make openapi` was not run (or the file was edited by hand).
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const spec = join(root, '..', 'openapi', 'openapi.json')
const committed = join(root, 'src', 'api', 'schema.d.ts')
const dir = mkdtempSync(join(tmpdir(), 'cunzhi-types-'))
const fresh = join(dir, 'schema.d.ts')
try {
  const cli = join(root, 'node_modules', 'openapi-typescript', 'bin', 'cli.js')
  const res = spawnSync(process.execPath, [cli, spec, '-o', fresh], { cwd: root, encoding: 'utf8' })
  if (res.status !== 0) {
    console.error(res.stdout, res.stderr)
    process.exit(2)
  }
  if (readFileSync(fresh, 'utf8') !== readFileSync(committed, 'utf8')) {
    console.error('src/api/schema.d.ts is out of date with openapi/openapi.json: run `make openapi` and commit both')
    process.exit(1)
  }
  console.log('API types match the contract')
} finally {
  rmSync(dir, { recursive: true, force: true })
}
