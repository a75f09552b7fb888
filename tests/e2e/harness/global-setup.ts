/**
 * Once per `make e2e`: a template database `cunzhi_e2e_<pid>_tpl` on DATABASE_URL's server (or the
 * local one, or an embedded PostgreSQL: harness/database.ts), migrated and seeded with the demo county, and a
 * private copy of frontend/dist (so a rebuild during the run cannot break it). Each journey file
 * then gets its own server on a copy of the template (harness/backend.ts), started ahead of it by the
 * server pool (harness/pool.ts). At the end every
 * server still listed is stopped by its PID and every database of the run is dropped.
 */
import { randomBytes } from 'node:crypto'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { admin, cli, serverEnv, stopPid, withDb, type E2EConfig } from './backend'
import { findDatabase } from './database'
import { startPool, type Pool } from './pool'
import { CLI, DIST, SCREENSHOTS } from './paths'

declare module 'vitest' {
  export interface ProvidedContext {
    e2e: E2EConfig
    /** The server pool's URL (harness/pool.ts). */
    e2ePool: string
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  for (const [what, path] of [
    ['Debian chromium (make e2e installs it)', '/usr/bin/chromium'],
    ['the built SPA (make frontend-build)', join(DIST, 'index.html')],
    ['the backend (make backend-install)', CLI],
  ] as const) {
    if (!existsSync(path)) throw new Error(`missing ${what}: ${path}`)
  }
  mkdirSync(SCREENSHOTS, { recursive: true })

  const work = mkdtempSync(join(tmpdir(), 'cunzhi-e2e-'))
  const staticDir = join(work, 'dist')
  cpSync(DIST, staticDir, { recursive: true })
  const prefix = `cunzhi_e2e_${process.pid}`
  const database = await findDatabase(work)
  console.log(`[e2e] database: ${database.origin}`)
  const config: E2EConfig = {
    adminUrl: withDb(database.url, 'postgres'),
    templateDb: `${prefix}_tpl`,
    prefix,
    secretKey: randomBytes(32).toString('hex'),
    staticDir,
    pidFile: join(work, 'pids'),
  }
  writeFileSync(config.pidFile, '')

  let pool: Pool | null = null
  const teardown = async (): Promise<void> => {
    await pool?.close()
    const pids = readFileSync(config.pidFile, 'utf8').split('\n').filter(Boolean).map(Number)
    for (const pid of pids) await stopPid(pid)
    const dbs = admin(config.adminUrl, `SELECT datname FROM pg_database WHERE datname LIKE '${prefix}\\_%'`)
    for (const db of dbs.split('\n').filter(Boolean)) admin(config.adminUrl, `DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`)
    await database.stop()
    rmSync(work, { recursive: true, force: true })
  }

  try {
    admin(config.adminUrl, `CREATE DATABASE "${config.templateDb}"`)
    const env = serverEnv(config, config.templateDb)
    cli(['migrate'], env)
    cli(['seed-demo'], env)
    project.provide('e2e', config)
    // One server waiting per journey worker (vitest.e2e.config.ts runs CUNZHI_E2E_WORKERS files at once).
    pool = await startPool(config, Math.max(1, Number(process.env.CUNZHI_E2E_WORKERS) || 1))
    project.provide('e2ePool', pool.url)
    return teardown
  } catch (e) {
    await teardown()
    throw e
  }
}
