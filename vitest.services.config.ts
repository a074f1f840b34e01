import { defineConfig } from 'vitest/config';

// The service suite: everything again on real PostgreSQL, plus the browser tests that
// need Debian's Chromium.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 90_000,
  },
});
