/**
 * Starts the real backend for the browser journeys, once per run:
 * a fresh database `cunzhi_e2e_<pid>` on DATABASE_URL's server (default
 * postgresql://postgres@127.0.0.1:5432), `cunzhi migrate` + `cunzhi seed-demo`, then
 * `cunzhi serve` on a free port with the built SPA (frontend/dist). Afterwards the server is
 * stopped by its PID and the database dropped.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync } from 'node:fs'
import { createServer } from 'node:net'
import type { TestProject } from 'vitest/node'
import { BACKEND, CLI, DIST, PYTHON, SCREENSHOTS } from './paths'

declare module 'vitest' {
  export interface ProvidedContext {
    baseURL: string
  }
}

const BASE_URL = process.env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/postgres'

function withDb(url: string, name: string): string {
  const [head, tail] = url.split('?', 2) as [string, string | undefined]
  const base = head.replace(/\/[^/]*$/, '')
  return `${base}/${name}${tail ? `?${tail}` : ''}`
}

/** CREATE/DROP DATABASE through the backend's own driver (no psql needed). */
function admin(sql: string): void {
  const script = [
    'import asyncio, sys, asyncpg',
    'from cunzhi.db import normalise_url',
    'url = normalise_url(sys.argv[1]).replace("postgresql+asyncpg://", "postgresql://", 1)',
    'async def main():',
    '    conn = await asyncpg.connect(url)',
    '    try:',
    '        await conn.execute(sys.argv[2])',
    '    finally:',
    '        await conn.close()',
    'asyncio.run(main())',
  ].join('\n')
  const res = spawnSync(PYTHON, ['-c', script, withDb(BASE_URL, 'postgres'), sql], { cwd: BACKEND, encoding: 'utf8' })
  if (res.status !== 0) throw new Error(`database admin failed (${sql}): ${res.stderr}`)
}

function cli(args: string[], env: NodeJS.ProcessEnv): void {
  const res = spawnSync(CLI, args, { cwd: BACKEND, env, encoding: 'utf8' })
  if (res.status !== 0) throw new Error(`cunzhi ${args.join(' ')} failed:\n${res.stdout}\n${res.stderr}`)
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address()
      const port = typeof address === 'object' && address ? address.port : 0
      srv.close(() => resolve(port))
    })
  })
}

async function waitReady(url: string, server: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 90_000
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`cunzhi serve exited with ${server.exitCode}:\n${log()}`)
    try {
      const res = await fetch(`${url}/readyz`)
      if (res.ok) return
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(`cunzhi serve did not become ready:\n${log()}`)
}

function stop(server: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (server.exitCode !== null || server.pid === undefined) return resolve()
    const kill = setTimeout(() => {
      try {
        process.kill(server.pid!, 'SIGKILL')
      } catch {
        /* already gone */
      }
    }, 10_000)
    server.once('exit', () => {
      clearTimeout(kill)
      resolve()
    })
    process.kill(server.pid, 'SIGTERM')
  })
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  for (const [what, path] of [
    ['Debian chromium (make e2e installs it)', '/usr/bin/chromium'],
    ['the built SPA (make frontend-build)', `${DIST}/index.html`],
    ['the backend (make backend-install)', CLI],
  ] as const) {
    if (!existsSync(path)) throw new Error(`missing ${what}: ${path}`)
  }
  mkdirSync(SCREENSHOTS, { recursive: true })

  const dbName = `cunzhi_e2e_${process.pid}_${randomBytes(3).toString('hex')}`
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: withDb(BASE_URL, dbName),
    CUNZHI_SECRET_KEY: randomBytes(32).toString('hex'),
    CUNZHI_STATIC_DIR: DIST,
    CUNZHI_DEMO: 'false',
  }
  admin(`CREATE DATABASE "${dbName}"`)
  let server: ChildProcess | null = null
  const teardown = async (): Promise<void> => {
    if (server) await stop(server)
    admin(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`)
  }
  try {
    cli(['migrate'], env)
    cli(['seed-demo'], env)
    const port = await freePort()
    let output = ''
    server = spawn(CLI, ['serve', '--host', '127.0.0.1', '--port', String(port)], { cwd: BACKEND, env, stdio: ['ignore', 'pipe', 'pipe'] })
    server.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)))
    server.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)))
    const baseURL = `http://127.0.0.1:${port}`
    await waitReady(baseURL, server, () => output)
    project.provide('baseURL', baseURL)
    return teardown
  } catch (e) {
    await teardown()
    throw e
  }
}
