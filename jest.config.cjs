/** Three layers, told apart by suffix: *.spec.ts (unit, no I/O), *.int-spec.ts (real Postgres
 * and Kafka), test/*.e2e-spec.ts (the HTTP app end to end). */
const { pathsToModuleNameMapper } = require('ts-jest');
const { compilerOptions } = require('./tsconfig.json');

const common = {
  moduleFileExtensions: ['js', 'json', 'ts'],
  rootDir: '.',
  // Node's, closing the embedded databases a file opened after its last hook.
  testEnvironment: '<rootDir>/test/support/ledger-test-environment.cjs',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  moduleNameMapper: {
    ...pathsToModuleNameMapper(compilerOptions.paths, { prefix: '<rootDir>/' }),
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
};

/**
 * End-to-end files that run once: those about the full stack itself (the Kafka feed, a Postgres
 * server refusing connections, an import killed while a second session holds a stream lock;
 * operations covers the no-Kafka case itself), and the one that starts the built ledger with
 * nothing configured (embedded by definition, and it imports there too).
 */
const RUN_ONCE = ['claims', 'read-side', 'operations', 'import', 'embedded-default'].map((name) => `/test/${name}\\.e2e-spec\\.ts$`);

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs}/**/*.int-spec.ts', '<rootDir>/test/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
    },
    {
      // The same end-to-end files again on the embedded default (PGlite, in-process feed, no Kafka).
      ...common,
      displayName: 'embedded',
      testMatch: ['<rootDir>/test/*.e2e-spec.ts'],
      testPathIgnorePatterns: ['/node_modules/', ...RUN_ONCE],
      testEnvironmentOptions: { ledgerMode: 'embedded' },
      setupFilesAfterEnv: ['<rootDir>/test/support/embedded-timeouts.cjs'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
    },
    {
      // Stops and starts the shared Kafka broker: run on its own, after the others (npm test).
      ...common,
      displayName: 'faults',
      testMatch: ['<rootDir>/test/faults/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
    },
  ],
};
