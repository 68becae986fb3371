// Lint: typescript-eslint's type-aware recommended rules (floating promises, unsafe `any`, …);
// formatting is Prettier's alone (eslint-config-prettier turns off the rules it owns).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // test/helpers/*.cjs: loaders jest requires untransformed (the code they load is TypeScript, linted).
  {
    ignores: [
      'node_modules/',
      'dist/',
      'examples/web/dist/',
      '.bench-build/',
      '.bench/',
      '.test-results/',
      'coverage/',
      'src/generated/',
      'client/generated/',
      'test/helpers/*.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    // This file is outside tsconfig.json (which type-checks TypeScript only): lint it with the service's default project.
    languageOptions: { parserOptions: { projectService: { allowDefaultProject: ['eslint.config.mjs'] }, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // `const { a: _a, ...rest } = x` is how a field is left out of a copy.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // An async function without await still promises its callers a Promise (interfaces, handlers).
      '@typescript-eslint/require-await': 'off',
      // A handler declared before the server it serves is assigned once it exists.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    // Tests read GraphQL answers off the wire, which are untyped JSON by nature.
    files: ['test/**'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
  prettier,
);
