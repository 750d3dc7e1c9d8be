import { configDefaults, defineConfig } from 'vitest/config';

// test/real runs real components (the trainer's Python stack); `npm run test:real` runs it.
const real = process.env.SINQ_REAL_TESTS === '1';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: real ? [...configDefaults.exclude] : [...configDefaults.exclude, 'test/real/**'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
