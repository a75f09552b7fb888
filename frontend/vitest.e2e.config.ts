/**
 * Browser journeys (tests/e2e/*.e2e.ts) against the real backend: `make e2e`.
 * The harness (tests/e2e/harness/global-setup.ts) builds the demo database once per run; each file
 * gets its own copy and server (harness/backend.ts).
 */
import './node-polyfills.ts'
import { fileURLToPath, URL } from 'node:url'
import { defineConfig } from 'vitest/config'
import FileNameSequencer from './e2e-sequencer.ts'

const workers = Math.max(1, Number(process.env.CUNZHI_E2E_WORKERS) || 1)
const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url))

export default defineConfig({
  resolve: {
    alias: {
      // The journeys live outside frontend/; resolve their packages from here.
      'playwright-core': here('./node_modules/playwright-core/index.mjs'),
    },
  },
  test: {
    dir: here('../tests/e2e'),
    include: ['**/*.e2e.ts'],
    globalSetup: [here('../tests/e2e/harness/global-setup.ts')],
    environment: 'node',
    // One journey file at a time; CUNZHI_E2E_WORKERS=2 runs two (each has its own database copy,
    // server and Chromium, so one file's start-up overlaps the other's browsing). Not the default:
    // on an overloaded machine two at a time pushed the offline journey past its 60 s timeout.
    fileParallelism: workers > 1,
    maxWorkers: workers,
    // The files share nothing but the harness modules (each has its own server, database and
    // Chromium), so a worker process is reused across files rather than spawned for each.
    isolate: false,
    sequence: { sequencer: FileNameSequencer },
    // A journey takes 10-50 s alone; make test runs them beside the API tests on two cores, where
    // the longest took past 60 s without anything being wrong.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    teardownTimeout: 60_000,
    reporters: ['default'],
  },
})
