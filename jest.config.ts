/** @jest-config-loader esbuild-register */
import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }] },
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
  // Each test file copies a migrated, seeded template database: seconds, not minutes.
  testTimeout: 60_000,
  maxWorkers: 2,
  // After the summary: each skipped test and why (see test/helpers/skip.ts).
  reporters: ['default', '<rootDir>/test/helpers/skip-reporter.cjs'],
};

export default config;
