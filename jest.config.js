// Three tiers, named by file suffix: *.unit.spec.ts (pure), *.int.spec.ts (real PostgreSQL or Kafka),
// *.e2e.spec.ts (the services as separate processes). `npm test` runs them all, in that order.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];

const tier = (name, extra = {}) => ({
  displayName: name,
  testEnvironment: 'node',
  roots: ['<rootDir>/libs', '<rootDir>/apps', '<rootDir>/tools'],
  testMatch: [`**/*.${name}.spec.ts`],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: {
    '^@closeloop/([^/]+)/testing$': '<rootDir>/libs/$1/src/testing/index.ts',
    '^@closeloop/([^/]+)$': '<rootDir>/libs/$1/src/index.ts',
  },
  ...extra,
});

module.exports = {
  projects: [
    tier('unit'),
    tier('int', {
      globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
      setupFilesAfterEnv: ['<rootDir>/libs/testing/src/timeouts.ts'],
      slowTestThreshold: 30,
    }),
    tier('e2e', {
      globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
      setupFilesAfterEnv: ['<rootDir>/libs/testing/src/timeouts.ts'],
      slowTestThreshold: 60,
    }),
  ],
};
