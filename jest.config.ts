/** @jest-config-loader esbuild-register */
import type { Config } from 'jest';

const transform: Config['transform'] = {
  '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }],
};

// Two projects, their folders mirroring src/: `unit` needs nothing running (no database, no
// global setup: `npm run test:unit` takes seconds); `integration` gets a migrated, seeded
// template database that each test file copies (seconds, not minutes; test/helpers/db.ts).
const config: Config = {
  projects: [
    { displayName: 'unit', testEnvironment: 'node', roots: ['<rootDir>/test/unit'], transform },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/integration'],
      transform,
      globalSetup: '<rootDir>/test/helpers/global-setup.ts',
      globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
    },
  ],
  // A project's own testTimeout is not read (Jest 30): one for both.
  testTimeout: 60_000,
  maxWorkers: 2,
  // After the summary: each skipped test and why (see test/helpers/skip.ts).
  reporters: ['default', '<rootDir>/test/helpers/skip-reporter.cjs'],
};

export default config;
