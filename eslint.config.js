import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'web/dist/',
      'web/node_modules/',
      'node_modules/',
      'coverage/',
      '.tmp/',
      'clients/typescript/dist/',
      'clients/typescript/.build-*/',
      'clients/typescript/node_modules/',
      // Generated from the OpenAPI document (npm run client:generate).
      'clients/typescript/src/schema.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  { files: ['test/**/*.ts', 'bench/**/*.ts', '**/*.test.ts'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  // Plain Node.js scripts (scripts/, the client's generator).
  {
    files: ['scripts/**/*.mjs', 'clients/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
