/**
 * Servers started ahead of the journey files that need them. Starting `cunzhi serve` on a fresh copy
 * of the demo database takes most of a journey file's set-up; the pool (run by the global setup, in
 * vitest's main process) keeps one server per journey worker started and waiting, so a file takes a
 * ready one while the next is starting, and a finished file's server is stopped behind its back.
 * Every file still gets a server and database of its own: journeys never see each other's writes.
 *
 * The journey files talk to it over HTTP on 127.0.0.1 (they run in other processes):
 *   POST /lease    {name, options} -> {baseURL, db}   a ready server (a warm one when options are the default)
 *   GET  /output/<db>                               the server's recent log
 *   POST /release/<db>                               stop it and drop its database (answers at once)
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { startBackend, type BackendOptions, type E2EConfig, type RunningBackend } from './backend'

export interface Pool {
  url: string
  close(): Promise<void>
}

function isDefault(options: BackendOptions): boolean {
  return !options.worker && Object.keys(options.env ?? {}).length === 0
}

async function body(req: IncomingMessage): Promise<string> {
  let text = ''
  for await (const chunk of req) text += chunk
  return text
}

export async function startPool(config: E2EConfig, warm: number): Promise<Pool> {
  const waiting: Promise<RunningBackend>[] = []
  const leased = new Map<string, RunningBackend>()
  const stopping = new Set<Promise<void>>()
  let started = 0

  const startWarm = (): void => {
    const starting = startBackend(config, `warm${++started}`)
    starting.catch(() => undefined) // a failure surfaces at the lease that takes it
    waiting.push(starting)
  }

  const lease = async (name: string, options: BackendOptions): Promise<RunningBackend> => {
    const warmOne = isDefault(options) ? waiting.shift() : undefined
    if (!warmOne) return startBackend(config, name, options)
    startWarm()
    // A warm server that failed to start must not fail a journey that a fresh one could serve.
    return warmOne.catch(() => startBackend(config, name, options))
  }

  const stop = (backend: RunningBackend): void => {
    const done: Promise<void> = backend.stop().finally(() => stopping.delete(done))
    stopping.add(done)
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const [, verb, db] = (req.url ?? '').split('/')
    if (req.method === 'POST' && verb === 'lease') {
      const { name, options } = JSON.parse(await body(req)) as { name: string; options: BackendOptions }
      const backend = await lease(name, options)
      leased.set(backend.db, backend)
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ baseURL: backend.baseURL, db: backend.db }))
      return
    }
    const backend = db ? leased.get(db) : undefined
    if (!backend) {
      res.writeHead(404).end(`no leased server ${db}`)
      return
    }
    if (req.method === 'GET' && verb === 'output') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(backend.output())
    } else if (req.method === 'POST' && verb === 'release') {
      leased.delete(backend.db)
      stop(backend)
      res.writeHead(204).end()
    } else {
      res.writeHead(405).end()
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' })
      res.end(e instanceof Error ? (e.stack ?? e.message) : String(e))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  for (let i = 0; i < warm; i++) startWarm()

  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()))
      const left = await Promise.allSettled(waiting.splice(0))
      for (const r of left) if (r.status === 'fulfilled') stop(r.value)
      for (const backend of leased.values()) stop(backend)
      leased.clear()
      await Promise.allSettled([...stopping])
    },
  }
}

/** A journey file's side: a server taken from the pool for this file alone. */
export interface LeasedBackend {
  baseURL: string
  db: string
  output(): Promise<string>
  release(): Promise<void>
}

export async function leaseBackend(poolUrl: string, name: string, options: BackendOptions): Promise<LeasedBackend> {
  const res = await fetch(`${poolUrl}/lease`, { method: 'POST', body: JSON.stringify({ name, options }) })
  if (!res.ok) throw new Error(`no server for ${name}: ${await res.text()}`)
  const { baseURL, db } = (await res.json()) as { baseURL: string; db: string }
  return {
    baseURL,
    db,
    output: async () => (await fetch(`${poolUrl}/output/${db}`)).text(),
    release: async () => {
      await fetch(`${poolUrl}/release/${db}`, { method: 'POST' })
    },
  }
}
