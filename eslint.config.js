import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'out/**', 'test-output/**', 'coverage/**', 'renderer/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'Only electron/ may import electron.' }] }],
    },
  },
  {
    // The architecture's import arrows: shared imports nothing of ours, broker/server never import each other.
    files: ['shared/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/broker/**', '**/server/**', '**/electron/**', '**/renderer/**', '**/test/**'], message: 'shared/ imports nothing of ours.' }] }] },
  },
  {
    files: ['broker/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'broker/ never imports electron.' }], patterns: [{ group: ['**/server/**', '**/electron/**', '**/renderer/**', '**/test/**'], message: 'broker/ imports only shared/.' }] }] },
  },
  {
    files: ['server/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/broker/**', '**/electron/**', '**/renderer/**', '**/test/**'], message: 'server/ imports only shared/.' }] }] },
  },
  {
    files: ['electron/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/server/**', '**/renderer/**', '**/test/**'], message: 'electron/ imports broker/ and shared/ only.' }] }] },
  },
  {
    // The renderer is sandboxed web content: it reaches the broker only through the bridge.
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: { 'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'The renderer talks to the broker only through the bridge.' }], patterns: [{ group: ['**/broker/**', '**/server/**', '**/electron/**', '**/test/**', 'node:*'], message: 'renderer/ imports only shared/.' }] }] },
  },
  {
    // libpg-query compiles its WebAssembly on import (~15 MB RSS): only pg-query-module.ts loads it, on first use.
    files: ['**/*.ts'],
    ignores: ['shared/sql/pg-query-module.ts', 'test/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { paths: [{ name: 'libpg-query', allowTypeImports: true, message: 'Import it through shared/sql/pg-query-module.ts (loaded on first use).' }] },
      ],
    },
  },
  { files: ['bin/**/*.mjs'], languageOptions: { globals: { ...globals.node } } },
);
