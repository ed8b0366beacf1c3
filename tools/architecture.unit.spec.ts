import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createProjectGraphAsync } from '@nx/devkit';
import { ESLint } from 'eslint';

/**
 * The borders the build enforces (ADR 0021) are ESLint rules in eslint.config.js, and `npm test` lints every project.
 * This spec proves those rules fire: it hands ESLint deliberate violations at paths inside real projects.
 */
const root = join(__dirname, '..');
const tagsOf = (project: string): string[] =>
  JSON.parse(readFileSync(join(root, project, 'package.json'), 'utf8')).nx?.tags ?? [];
const projects = ['apps', 'libs'].flatMap((group) => readdirSync(join(root, group)).map((name) => `${group}/${name}`));
const pureLibraries = projects.filter((project) =>
  tagsOf(project).some((tag) => ['type:domain', 'type:contracts'].includes(tag)),
);

let eslint: ESLint;

beforeAll(async () => {
  // The module-boundary rule reads Nx's cached project graph, which a fresh clone has only once Nx has run.
  await createProjectGraphAsync({ exitOnError: false });
  // Handed over as an object: ESLint loads a config file with import(), which Jest's CommonJS runtime refuses.
  eslint = new ESLint({ cwd: root, overrideConfigFile: true, overrideConfig: require('../eslint.config.js') });
}, 120_000);

/** `line rule` for every problem ESLint reports in `source` as if it were the file at `path`. */
const problems = async (path: string, source: string): Promise<string[]> => {
  const [result] = await eslint.lintText(source, { filePath: join(root, path) });
  return (result?.messages ?? [])
    .filter((message) => message.ruleId !== '@typescript-eslint/no-unused-vars')
    .map((message) => `${message.line} ${message.ruleId ?? message.message}`);
};

describe('tags', () => {
  it('give every project one scope and one type that the boundary rule constrains', async () => {
    const config = await eslint.calculateConfigForFile(join(root, 'libs/contracts/src/index.ts'));
    const [, options] = config.rules['@nx/enforce-module-boundaries'] as [
      number,
      { depConstraints: { sourceTag: string }[] },
    ];
    const constrained = new Set(options?.depConstraints.map((constraint) => constraint.sourceTag));
    for (const project of projects) {
      const tags = tagsOf(project);
      expect({ project, scopes: tags.filter((tag) => tag.startsWith('scope:')).length }).toEqual({
        project,
        scopes: 1,
      });
      expect({ project, types: tags.filter((tag) => tag.startsWith('type:')).length }).toEqual({ project, types: 1 });
      expect({ project, unconstrained: tags.filter((tag) => !constrained.has(tag)) }).toEqual({
        project,
        unconstrained: [],
      });
    }
  });

  it('mark the contracts and the deciders as pure', () => {
    expect(pureLibraries).toEqual(
      expect.arrayContaining([
        'libs/contracts',
        'libs/work-order-domain',
        'libs/sla-domain',
        'libs/notification-domain',
        'libs/inquiry-domain',
      ]),
    );
  });
});

describe.each(pureLibraries)('the pure-domain rule in %s', (library) => {
  const file = `${library}/src/deliberate-violation.ts`;

  it('accepts code that takes time and ids as inputs', async () => {
    const source = [
      "import { z } from 'zod';",
      "export * from './triage';",
      'export const due = (reportedAt: Date, seconds: number) => new Date(reportedAt.getTime() + seconds * 1000);',
      "export const at = new Date('2026-11-23T09:00:00+08:00');",
      'export const schema = z.string();',
    ].join('\n');
    expect(await problems(file, source)).toEqual([]);
  });

  it('refuses Nest, drivers, the infrastructure libraries, the file system and the network', async () => {
    const source = [
      "import { Injectable } from '@nestjs/common';",
      "import { Pool } from 'pg';",
      "import type { Kafka } from 'kafkajs';",
      "import express from 'express';",
      "export { Relay } from '@closeloop/messaging';",
      "import { Clock } from '@closeloop/runtime';",
      "import '@closeloop/database';",
      "import { readFile } from 'fs/promises';",
      "import { connect } from 'node:net';",
      "export const later = () => import('node:fs');",
    ].join('\n');
    const found = await problems(file, source);
    expect(found.filter((problem) => !problem.endsWith('@nx/enforce-module-boundaries'))).toEqual([
      '1 no-restricted-imports',
      '2 no-restricted-imports',
      '3 no-restricted-imports',
      '4 no-restricted-imports',
      '5 no-restricted-imports',
      '6 no-restricted-imports',
      '7 no-restricted-imports',
      '8 no-restricted-imports',
      '9 no-restricted-imports',
      '10 no-restricted-syntax',
    ]);
  });

  it('refuses reading the clock or making ids and randomness', async () => {
    const source = [
      'export const now = Date.now();',
      'export const today = new Date();',
      "import { randomUUID } from 'node:crypto';",
      'export const id = randomUUID();',
      'export const other = crypto.randomUUID();',
      'export const pick = Math.random() < 0.5;',
    ].join('\n');
    expect(await problems(file, source)).toEqual([
      '1 no-restricted-syntax',
      '2 no-restricted-syntax',
      '4 no-restricted-syntax',
      '5 no-restricted-syntax',
      '6 no-restricted-syntax',
    ]);
  });

  it('does not flag names that merely resemble the forbidden ones', async () => {
    const source = [
      '// domain code never calls Date.now() or randomUUID()',
      'declare const updateDate: { now(): number };',
      'export const at = updateDate.now();',
    ].join('\n');
    expect(await problems(file, source)).toEqual([]);
  });
});

describe('module boundaries', () => {
  it('keep a domain library to the contracts', async () => {
    expect(
      await problems(
        'libs/work-order-domain/src/deliberate-violation.ts',
        "export { PostgresEventStore } from '@closeloop/event-store';",
      ),
    ).toContain('1 @nx/enforce-module-boundaries');
  });

  it('keep an app from importing another app, by name or by path', async () => {
    const source = [
      "export { intakeModule } from '@closeloop/intake';",
      "export { intakeConfigSchema } from '../../intake/src/intake.config';",
    ].join('\n');
    expect(await problems('apps/query/src/deliberate-violation.ts', source)).toEqual([
      '1 @nx/enforce-module-boundaries',
      '2 @nx/enforce-module-boundaries',
    ]);
  });

  it('keep a service in its scope and the shared one', async () => {
    expect(
      await problems('apps/query/src/deliberate-violation.ts', "export { slaStream } from '@closeloop/sla-domain';"),
    ).toEqual(['1 @nx/enforce-module-boundaries']);
  });

  it('let test helpers into specs only', async () => {
    const source = "export { freshDatabase } from '@closeloop/testing';";
    expect(await problems('libs/messaging/src/deliberate-violation.ts', source)).toEqual([
      '1 @nx/enforce-module-boundaries',
    ]);
    expect(await problems('libs/messaging/src/deliberate-violation.int.spec.ts', source)).toEqual([]);
  });
});
