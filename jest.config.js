/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // End-to-end tests need the AWS emulator: `npm run test:e2e` (jest.e2e.config.js).
  testPathIgnorePatterns: ['/node_modules/', '\\.e2e\\.test\\.ts$'],
  transform: {
    // Type checking runs once in `npm run build`; jest only transpiles.
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
  testTimeout: 60000,
  // The AWS SDK's Node 20 end-of-support notice would bury test output (the CLI silences it the same way).
  setupFiles: ['<rootDir>/test/support/jest-env.ts'],
  // CDK synthesis and TLS fleets are CPU-heavy: two workers on a 2-core machine.
  maxWorkers: 2,
};
