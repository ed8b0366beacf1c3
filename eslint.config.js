// The borders the build enforces (ADR 0021): which project may import which, read from the Nx tags in each
// package.json; the pure-domain rule for the contracts and domain libraries; a small strict TypeScript rule set.
// CommonJS, like the rest of the repository, so that tools/architecture.unit.spec.ts can hand this very configuration
// to ESLint's API inside Jest (an ES module config would need Jest's experimental VM modules).
const { readdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
const js = require('@eslint/js');
const nx = require('@nx/eslint-plugin');
const prettier = require('eslint-config-prettier');
const { defineConfig } = require('eslint/config');
const globals = require('globals');
const tseslint = require('typescript-eslint');

// ---- Module boundaries -------------------------------------------------------------------------------------------
// A layer may import the layers below it; production code never imports test helpers.
const layerConstraints = [
  { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts'] },
  { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:contracts'] },
  { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util', 'type:contracts'] },
  { sourceTag: 'type:data-access', onlyDependOnLibsWithTags: ['type:data-access', 'type:util', 'type:contracts'] },
  {
    sourceTag: 'type:infrastructure',
    onlyDependOnLibsWithTags: ['type:infrastructure', 'type:data-access', 'type:util', 'type:contracts'],
  },
  {
    sourceTag: 'type:application',
    onlyDependOnLibsWithTags: ['type:domain', 'type:data-access', 'type:util', 'type:contracts'],
  },
  {
    sourceTag: 'type:testing',
    onlyDependOnLibsWithTags: ['type:testing', 'type:data-access', 'type:util', 'type:contracts'],
  },
  {
    sourceTag: 'type:app',
    onlyDependOnLibsWithTags: [
      'type:application',
      'type:domain',
      'type:infrastructure',
      'type:data-access',
      'type:util',
      'type:contracts',
    ],
  },
];

// A service's code stays in its scope; the work-order scope is shared by the two services that write work orders.
const scopeConstraints = [
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:work-order', onlyDependOnLibsWithTags: ['scope:work-order', 'scope:shared'] },
  { sourceTag: 'scope:intake', onlyDependOnLibsWithTags: ['scope:intake', 'scope:work-order', 'scope:shared'] },
  { sourceTag: 'scope:dispatch', onlyDependOnLibsWithTags: ['scope:dispatch', 'scope:work-order', 'scope:shared'] },
  { sourceTag: 'scope:sla', onlyDependOnLibsWithTags: ['scope:sla', 'scope:shared'] },
  { sourceTag: 'scope:notification', onlyDependOnLibsWithTags: ['scope:notification', 'scope:shared'] },
  { sourceTag: 'scope:query', onlyDependOnLibsWithTags: ['scope:query', 'scope:shared'] },
  { sourceTag: 'scope:console', onlyDependOnLibsWithTags: ['scope:console', 'scope:shared'] },
];

const moduleBoundaries = (depConstraints, ignoredCircularDependencies = []) => [
  'error',
  {
    enforceBuildableLibDependency: true,
    banTransitiveDependencies: true,
    checkNestedExternalImports: true,
    depConstraints,
    ignoredCircularDependencies,
  },
];

// Specs may also use the test helpers, and may cross scopes: a spec plays the other services to feed its own
// realistic input (work orders decided by the real decider, SLA events on their streams). Production code may not.
const specConstraints = layerConstraints.map(({ sourceTag, onlyDependOnLibsWithTags }) => ({
  sourceTag,
  onlyDependOnLibsWithTags: [...onlyDependOnLibsWithTags, 'type:testing'],
}));
// The integration specs of the PostgreSQL and Kafka libraries use libs/testing, which is built on those libraries;
// the contracts' unit specs use its table helpers, and libs/testing is built on the contracts.
const specCycles = [
  ['tag:type:data-access', 'tag:type:testing'],
  ['tag:type:contracts', 'tag:type:testing'],
];

// ---- The pure-domain rule ----------------------------------------------------------------------------------------
// Contracts and domain libraries know nothing of Nest, PostgreSQL, Kafka, HTTP or the file system, and never read
// the clock or make ids themselves: time and ids are passed in.
// The libraries it covers are read from their tags, so a new domain library cannot be forgotten.
const pureTags = ['type:domain', 'type:contracts'];
const pureLibraries = readdirSync(join(__dirname, 'libs'))
  .map((name) => `libs/${name}`)
  .filter((library) => {
    const tags = JSON.parse(readFileSync(join(__dirname, library, 'package.json'), 'utf8')).nx?.tags ?? [];
    return tags.some((tag) => pureTags.includes(tag));
  });

const infrastructureModules = [
  'pg',
  'kafkajs',
  'express',
  'fs',
  'node:fs',
  'net',
  'node:net',
  '@closeloop/event-store',
  '@closeloop/messaging',
  '@closeloop/runtime',
  '@closeloop/database',
];
const whyPure = 'domain and contracts libraries are pure (ADR 0021): no framework, driver, file system or network.';
const whyPassedIn = 'domain code is given time, ids and randomness (ADR 0021): pass them in with the command.';

const pureDomainRules = {
  'no-restricted-imports': [
    'error',
    {
      paths: infrastructureModules.map((name) => ({ name, message: whyPure })),
      patterns: [{ group: ['@nestjs/*', ...infrastructureModules.map((name) => `${name}/*`)], message: whyPure }],
    },
  ],
  'no-restricted-syntax': [
    'error',
    { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: whyPassedIn },
    { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: whyPassedIn },
    { selector: "CallExpression[callee.name='randomUUID']", message: whyPassedIn },
    { selector: "CallExpression[callee.property.name='randomUUID']", message: whyPassedIn },
    { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: whyPassedIn },
    { selector: 'ImportExpression', message: `${whyPure} Dynamic imports would hide what a library depends on.` },
  ],
};

module.exports = defineConfig(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'apps/console/web/src/generated/**',
      '.local/**',
      'reports/**',
      '.nx/**',
      '**/*.d.ts',
    ],
  },
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.mts', '**/*.js'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    plugins: { '@nx': nx },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@nx/enforce-module-boundaries': moduleBoundaries(layerConstraints.concat(scopeConstraints)),
      // `_` marks a deliberately unused name: a parameter that keeps a signature readable, a property left out of
      // a copy by destructuring (`const { secret: _secret, ...rest } = x`).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true, caughtErrors: 'none' },
      ],
      // A comment between grouped cases ("alerts do not change the view") is not a forgotten break.
      'no-fallthrough': ['error', { allowEmptyCase: true }],
      // The input policy and the log scrubber match U+0000 and terminal escapes on purpose.
      'no-control-regex': 'off',
      // A `let` assigned once, later, but read by a closure before that (the chaos run's `killsDoneAt`) cannot be a
      // `const`: the closure would hit the temporal dead zone.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    files: ['**/*.spec.ts', 'libs/testing/**/*.ts', 'libs/*/src/testing/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': moduleBoundaries(specConstraints, specCycles),
    },
  },
  {
    // Node scripts and tools: CommonJS, and the harness that boots the services from their source (tools/fuzz,
    // tools/e2e), so it reaches into apps by relative path on purpose.
    files: ['tools/**/*', 'scripts/**/*'],
    rules: {
      '@nx/enforce-module-boundaries': 'off',
      // The TypeScript tools load the plain-JavaScript scripts (scripts/stack.js) by their .js name.
      '@typescript-eslint/no-require-imports': ['error', { allow: ['\\.js$'] }],
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
    rules: {
      '@typescript-eslint/no-require-imports': 'off',
      // A CommonJS module's top level is its own scope: scripts/demo.js wraps the global fetch in one of its own.
      'no-redeclare': ['error', { builtinGlobals: false }],
    },
  },
  {
    files: pureLibraries.map((library) => `${library}/src/**/*.ts`),
    ignores: ['**/*.spec.ts'],
    rules: pureDomainRules,
  },
  prettier,
);
