/**
 * The real backend for the journeys. The global setup builds a template database once
 * (migrate + seed-demo); every journey file then gets its own copy of it (CREATE DATABASE ...
 * TEMPLATE, about a second) and its own `cunzhi serve`, so journeys never see each other's writes.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { appendFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { BACKEND, CLI, PYTHON } from './paths'

export interface E2EConfig {
  /** Server URL with the `postgres` database, e.g. postgresql://postgres@127.0.0.1:5432/postgres */
  adminUrl: string
  templateDb: string
  /** Databases and PIDs of this run start with it. */
  prefix: string
  secretKey: string
  staticDir: string
  /** File where started server PIDs are listed (the global teardown stops leftovers). */
  pidFile: string
}

export function withDb(url: string, name: string): string {
  const [head, tail] = url.split('?', 2) as [string, string | undefined]
  return `${head.replace(/\/[^/]*$/, '')}/${name}${tail ? `?${tail}` : ''}`
}

const ADMIN_SCRIPT = [
  // asyncpg alone (importing the app's modules would cost a second or more on a busy machine).
  'import asyncio, re, sys, asyncpg',
  'url = re.sub(r"^(postgres|postgresql\\+asyncpg|postgresql\\+psycopg)://", "postgresql://", sys.argv[1])',
  'async def main():',
  '    conn = await asyncpg.connect(url)',
  '    try:',
  '        rows = await conn.fetch(sys.argv[2])',
  '        print("\\n".join(str(r[0]) for r in rows))',
  '    finally:',
  '        await conn.close()',
  'asyncio.run(main())',
].join('\n')

/** Runs SQL on the server's `postgres` database through the backend's own driver (no psql needed). */
export function admin(adminUrl: string, sql: string): string {
  const res = spawnSync(PYTHON, ['-c', ADMIN_SCRIPT, adminUrl, sql], { cwd: BACKEND, encoding: 'utf8' })
  if (res.status !== 0) throw new Error(`database admin failed (${sql}): ${res.stderr}`)
  return res.stdout.trim()
}

/** The same without blocking the event loop (the server pool answers the journey files meanwhile). */
export function adminAsync(adminUrl: string, sql: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ['-c', ADMIN_SCRIPT, adminUrl, sql], { cwd: BACKEND, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`database admin failed (${sql}): ${err}`))))
  })
}

export function serverEnv(config: E2EConfig, db: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: withDb(config.adminUrl, db),
    CUNZHI_SECRET_KEY: config.secretKey,
    CUNZHI_STATIC_DIR: config.staticDir,
    CUNZHI_DEMO: 'false',
    // Journeys subscribe example URLs that do not resolve here; the refusal is tested in the API tests.
    CUNZHI_WEBHOOK_ALLOW_PRIVATE: 'true',
    // The public disclosure journey reads a page right after publishing; no browser cache between.
    CUNZHI_PUBLIC_CACHE_SECONDS: '0',
  }
}

export function cli(args: string[], env: NodeJS.ProcessEnv): void {
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

export function stopPid(pid: number, child?: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    const alive = (): boolean => {
      try {
        process.kill(pid, 0)
        return true
      } catch {
        return false
      }
    }
    if (child ? child.exitCode !== null || child.signalCode !== null : !alive()) return resolve()
    const kill = setTimeout(() => {
      if (alive()) process.kill(pid, 'SIGKILL')
    }, 10_000)
    const done = (): void => {
      clearTimeout(kill)
      resolve()
    }
    if (child) child.once('exit', done)
    else {
      const poll = setInterval(() => {
        if (!alive()) {
          clearInterval(poll)
          done()
        }
      }, 100)
    }
    try {
      process.kill(pid, 'SIGTERM')
    } catch {
      done()
    }
  })
}

export interface BackendOptions {
  /** The job worker beside the server, for journeys that need deferred jobs run (e.g. a task import). */
  worker?: boolean
  env?: NodeJS.ProcessEnv
}

export interface RunningBackend {
  baseURL: string
  db: string
  /** The server's recent log (printed when a journey fails). */
  output(): string
  stop(): Promise<void>
}

/** A fresh copy of the demo database and a server on a free port (with the job worker beside it
 * when a journey needs deferred jobs to run, e.g. a task import). */
export async function startBackend(
  config: E2EConfig,
  name: string,
  options: BackendOptions = {},
): Promise<RunningBackend> {
  const db = `${config.prefix}_${name.replace(/[^a-z0-9]+/gi, '_').toLowerCase().slice(0, 24)}_${randomBytes(3).toString('hex')}`
  const t0 = Date.now()
  for (let attempt = 1; ; attempt++) {
    try {
      await adminAsync(config.adminUrl, `CREATE DATABASE "${db}" TEMPLATE "${config.templateDb}"`)
      break
    } catch (e) {
      // Another copy of the template at this very moment (the pool starts servers side by side).
      if (attempt >= 50 || !String(e).includes('is being accessed by other users')) throw e
      await new Promise((r) => setTimeout(r, 200))
    }
  }
  const t1 = Date.now()
  const dropDb = async (): Promise<void> => {
    await adminAsync(config.adminUrl, `DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`)
  }
  let server: ChildProcess | null = null
  try {
    const port = await freePort()
    let output = ''
    const args = ['serve', '--host', '127.0.0.1', '--port', String(port), ...(options.worker ? ['--with-worker'] : [])]
    server = spawn(CLI, args, {
      cwd: BACKEND,
      // The villages' QR codes link to this server's public page.
      env: { ...serverEnv(config, db), CUNZHI_PUBLIC_BASE_URL: `http://127.0.0.1:${port}`, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    if (server.pid) appendFileSync(config.pidFile, `${server.pid}\n`)
    server.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)))
    server.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)))
    const baseURL = `http://127.0.0.1:${port}`
    // CUNZHI_E2E_READY_SECONDS: a longer wait on a machine busy with other work (the hook allows 180 s).
    const deadline = Date.now() + (Number(process.env.CUNZHI_E2E_READY_SECONDS) || 90) * 1000
    for (;;) {
      if (server.exitCode !== null) throw new Error(`cunzhi serve exited with ${server.exitCode}:\n${output}`)
      try {
        if ((await fetch(`${baseURL}/readyz`)).ok) break
      } catch {
        /* not listening yet */
      }
      if (Date.now() > deadline) throw new Error(`cunzhi serve did not become ready:\n${output}`)
      await new Promise((r) => setTimeout(r, 200))
    }
    if (process.env.CUNZHI_E2E_VERBOSE) console.log(`[e2e] ${db}: database ${t1 - t0} ms, server ${Date.now() - t1} ms`)
    const running = server
    return {
      baseURL,
      db,
      output: () => output,
      stop: async () => {
        if (running.pid) await stopPid(running.pid, running)
        await dropDb()
      },
    }
  } catch (e) {
    if (server?.pid) await stopPid(server.pid, server)
    await dropDb()
    throw e
  }
}
