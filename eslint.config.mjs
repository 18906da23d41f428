// Lint: typescript-eslint's type-aware recommended rules; formatting is Prettier's (npm run format:check).
import tseslint from 'typescript-eslint'
import prettier from 'eslint-config-prettier'

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'build/**', '.tmp/**'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // `_name` says "deliberately unused" (a destructured field left out, a callback's unused argument)
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }]
    }
  },
  {
    // The product code is typed with tsconfig.src.json (every indexed read may be missing).
    files: ['src/**'],
    languageOptions: { parserOptions: { projectService: false, project: './tsconfig.src.json', tsconfigRootDir: import.meta.dirname } }
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  {
    // Tests poke at parsed response bodies: `any` there is the point, not a hole in the types.
    files: ['__tests__/**'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off'
    }
  },
  {
    // Hooks and fakes implement async signatures without always awaiting.
    files: ['__tests__/**', 'test/**'],
    rules: { '@typescript-eslint/require-await': 'off' }
  },
  { files: ['jest.config.js'], languageOptions: { sourceType: 'commonjs', globals: { module: 'writable' } } },
  prettier
)
