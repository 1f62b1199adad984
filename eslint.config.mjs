// @ts-check
import eslint from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.local/**', 'docker/target/**', '**/*.cjs'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.jest } },
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // The domain is pure: no framework, no ORM, no broker (STYLE.md "Layering").
    files: ['libs/domain/**/*.ts', 'libs/proof/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@nestjs/*', 'typeorm', 'typeorm/*', 'kafkajs', 'pg', 'express', 'class-validator', 'class-transformer'], message: 'the domain and proof libraries import no framework, ORM or broker' },
            { group: ['@ledger/*', '!@ledger/domain', '!@ledger/proof'], message: 'the domain depends on nothing of ours but the proof library' },
          ],
        },
      ],
    },
  },
);
