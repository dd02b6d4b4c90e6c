import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['node_modules/**', '.tools/**', '.data/**', 'data/**', 'src/db/migrations/**'] },
  {
    files: ['**/*.ts', '**/*.tsx'],
    extends: [tseslint.configs.base],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // An un-awaited promise hides failures (a lost signal, an unsaved row): every promise is handled.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    // Workflow code is replayed deterministically in a sandbox: no Node built-ins, no I/O, and activities
    // are referenced by type only so that their dependencies (ORM, HTTP) never enter the workflow bundle.
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: nodeBuiltins.map((name) => ({ name, message: 'Workflows must not use Node built-ins.' })),
        patterns: [
          { group: ['**/activities', '**/activities/**'], allowTypeImports: true, message: 'Workflows may only `import type` from activities.' },
          // Two exceptions, both defined with the Temporal SDK alone: the shared messages module (IDs, signals,
          // the query, search-attribute keys) and the failure taxonomy's categories (what a failure means).
          { regex: '(^|/)src/(?!temporal/messages$|failures/categories$)', allowTypeImports: true, message: 'Workflows may only import types from src/, and values from src/temporal/messages and src/failures/categories.' },
          { group: ['@mikro-orm/*', 'nodemailer', 'hono', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'], allowTypeImports: true, message: 'Workflows may only import types from outside workflows/.' },
        ],
      }],
    },
  },
);
