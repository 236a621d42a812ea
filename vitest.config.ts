import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/unit/**/*.test.tsx'],
          testTimeout: 60_000,
          // PGlite and WASM start-up take seconds on a loaded two-core machine.
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'int',
          include: ['test/int/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          pool: 'forks',
        },
      },
      {
        // Real Chromium against `gatehouse ui`, the server, the dev IdP and PostgreSQL.
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 240_000,
          hookTimeout: 240_000,
          pool: 'forks',
        },
      },
    ],
  },
});
