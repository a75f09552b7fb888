/**
 * Browser journeys (tests/e2e/*.e2e.ts) against the real backend: `make e2e`.
 * The harness (tests/e2e/harness/global-setup.ts) starts the API with demo data once per run.
 */
import './node-polyfills.ts'
import { fileURLToPath, URL } from 'node:url'
import { defineConfig } from 'vitest/config'
import FileNameSequencer from './e2e-sequencer.ts'

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
    fileParallelism: false,
    sequence: { sequencer: FileNameSequencer },
    testTimeout: 60_000,
    hookTimeout: 180_000,
    teardownTimeout: 60_000,
    reporters: ['default'],
  },
})
