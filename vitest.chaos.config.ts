import { defineConfig } from 'vitest/config'

// `npm run test:chaos`: the chaos suite alone (test/chaos), which the default run leaves out.
export default defineConfig({
  test: {
    include: ['test/chaos/**/*.test.ts'],
    globalSetup: ['test/support/build-once.ts'],
    testTimeout: 900_000,
    hookTimeout: 300_000,
    pool: 'forks',
    maxWorkers: 1,
  },
})
