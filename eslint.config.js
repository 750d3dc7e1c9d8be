// Lint: typescript-eslint with type information; workflow files are held to Temporal's determinism rules.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const ioModules = ['fs', 'node:*', 'child_process', 'net', 'http', 'https', 'os', 'path', 'crypto', 'pino', 'pino-*', 'nats', 'ollama', '@libsql/*', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'];

export default tseslint.config(
  { ignores: ['node_modules/**', '**/*.js', '**/*.cjs', '**/*.mjs', 'training/trainer/**', '**/.sinq/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['workflows/**/*.ts', 'machines/**/*.ts', 'game/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ioModules.map((group) => ({ group: [group], message: 'workflows, machines and game rules are deterministic: no I/O imports' })) }],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
