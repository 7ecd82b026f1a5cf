import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: files run in two forks; each file shares its heavy fixtures (PGlite, tfjs).
    pool: 'forks',
    maxWorkers: 2,
  },
});
