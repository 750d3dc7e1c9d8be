import { defineConfig } from 'vitest/config';

// The suite of real components (Ollama, the trainer): slow, run by `npm run test:real`.
export default defineConfig({
  test: {
    include: ['test-real/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 600_000,
    hookTimeout: 900_000,
    reporters: ['default'],
  },
});
