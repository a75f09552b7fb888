import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const E2E = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const REPO = resolve(E2E, '..', '..')
export const BACKEND = join(REPO, 'backend')
export const CLI = join(BACKEND, '.venv', 'bin', 'cunzhi')
export const PYTHON = join(BACKEND, '.venv', 'bin', 'python')
export const DIST = join(REPO, 'frontend', 'dist')
export const SCREENSHOTS = join(E2E, 'screenshots')
