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
  // The layers (docs/ARCHITECTURE.md): each imports only downwards, HTTP → schema → loaders →
  // data → db, with domain/ pure underneath everything and app.ts the one place that wires it
  // all (only main.ts imports it). Folders are flat below http/plugins, schema/mutations and
  // ingest/formats, whose own imports go one more level up: `(\.\./)+` covers both.
  ...layerRules({
    'src/domain/**': [
      'http',
      'schema',
      'loaders',
      'data',
      'db',
      'cache',
      'ops',
      'auth',
      'search',
      'similar',
      'trending',
      'ingest',
      'services',
      'config',
      'events',
    ],
    'src/db/**': ['http', 'schema', 'loaders', 'data', 'cache', 'ops', 'auth', 'search', 'similar', 'trending', 'ingest', 'services', 'events'],
    'src/data/**': ['http', 'schema', 'loaders', 'cache', 'ops', 'auth', 'search', 'similar', 'trending', 'ingest', 'services', 'events'],
    'src/loaders/**': ['http', 'schema', 'cache', 'ops', 'search', 'similar', 'trending', 'ingest', 'services', 'events'],
    'src/schema/**': ['http', 'cache', 'ops', 'services'],
    'src/cache/**': ['http', 'schema', 'loaders', 'ops', 'services', 'events'],
    'src/auth/**': ['http', 'schema', 'loaders', 'data', 'db', 'cache', 'ops', 'events'],
    // The bus (events/bus.ts) hears committed writes' changes (domain) and speaks Redis; schema
    // subscribes, the composition root wires writes to it.
    'src/events/**': ['http', 'schema', 'loaders', 'data', 'db', 'cache', 'ops', 'auth', 'search', 'similar', 'trending', 'ingest', 'services'],
    'src/{search,similar,trending,ingest,ops}/**': ['http', 'schema', 'loaders'],
  }),
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

/**
 * One `no-restricted-imports` block per folder: the layers it must not import, and app.ts (main.ts's alone).
 * @param {Record<string, string[]>} forbidden folder glob → the top-level folders (or files) it must not import
 */
function layerRules(forbidden) {
  const app = { regex: '^\\.\\.?/(\\.\\./)*app$', message: 'src/app.ts is the composition root: only src/main.ts imports it.' };
  return [
    { files: ['src/**/*.ts'], ignores: ['src/main.ts'], rules: { 'no-restricted-imports': ['error', { patterns: [app] }] } },
    ...Object.entries(forbidden).map(([files, layers]) => ({
      files: [files],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            patterns: [
              app,
              { regex: `^(\\.\\./)+(${layers.join('|')})(/|$)`, message: `${files.split('/')[1]} must not import this layer (docs/ARCHITECTURE.md, Layers).` },
            ],
          },
        ],
      },
    })),
  ];
}
