/**
 * End-to-end tests, the `*.e2e.test.ts` files under test/: against an AWS emulator (moto_server, started by
 * testbed/aws/moto.ts), and the package as a user gets it (test/package/: `npm pack`, an offline install into
 * a scratch CDK app, tsc and synth; a few minutes). Run with `npm run test:e2e`; jest.config.js leaves them out.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.e2e.test.ts'],
  // dist/ from the current sources, once, before any test (the package and README tests use it).
  globalSetup: '<rootDir>/test/support/build-dist.ts',
  transform: {
    // Type checking runs once in `npm run build`; jest only transpiles (as in jest.config.js).
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
  // moto takes a few seconds to start; each test file starts its own.
  testTimeout: 120000,
  setupFiles: ['<rootDir>/test/support/jest-env.ts'],
  maxWorkers: 2,
};
