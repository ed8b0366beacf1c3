import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import 'reflect-metadata';
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ACCESS_RULE, AccessRule } from '@closeloop/http';
import { workOrderActions } from '../apps/dispatch/src/work-order-actions/work-order-actions';

/** One HTTP route of one service; `method` is lower case, path parameters are written `{param}`. */
export interface Route {
  readonly service: string;
  readonly method: string;
  readonly path: string;
}

const root = join(__dirname, '..');

// scripts/stack.js is where the services' ports are assigned.
const { SERVICES } = require('../scripts/stack.js') as { SERVICES: readonly { name: string; port: number }[] };

const controllerFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? controllerFiles(join(dir, e.name))
      : e.name.endsWith('.http.controller.ts')
        ? [join(dir, e.name)]
        : [],
  );

/** Hands every controller file to `scan` with the services that serve it: the health and probe controllers serve them all. */
const scanEveryController = (scan: (file: string, services: readonly string[]) => void): void => {
  for (const app of readdirSync(join(root, 'apps')))
    for (const file of controllerFiles(join(root, 'apps', app, 'src'))) scan(file, [app]);
  for (const file of ['health.http.controller.ts', 'probes.http.controller.ts'])
    scan(
      join(root, 'libs', 'runtime', 'src', file),
      SERVICES.map((s) => s.name),
    );
};

/** A route's paths as OpenAPI writes them: `:param` becomes `{param}`, and `{action}` one path per staff action. */
const pathsOf = (base: string, sub: string): string[] => {
  const path = `/${[base, sub].filter(Boolean).join('/')}`.replace(/:(\w+)/g, '{$1}');
  return path.includes('{action}') ? Object.keys(workOrderActions).map((a) => path.replace('{action}', a)) : [path];
};

/**
 * Every HTTP route in the code, read from the controllers' decorators: `@Controller('base')` and
 * `@Get|@Post('sub')`, `:param` becoming `{param}`. The health controller (libs/runtime) serves every service;
 * dispatch's `:action` segment stands for each of its staff actions.
 */
export const routesInCode = (): Route[] => {
  const routes: Route[] = [];
  const scan = (file: string, services: readonly string[]) => {
    const source = readFileSync(file, 'utf8');
    const controller = /@Controller\((?:'([^']*)')?\)/.exec(source);
    if (!controller) return;
    const base = controller[1] ?? '';
    for (const m of source.matchAll(/@(Get|Post|Put|Patch|Delete)\((?:'([^']*)')?\)/g)) {
      for (const service of services)
        for (const path of pathsOf(base, m[2] ?? ''))
          routes.push({ service, method: (m[1] as string).toLowerCase(), path });
    }
  };
  scanEveryController(scan);
  return routes;
};

/** A route's access rule as its `@Access` decorator (on the method, else the controller) declares it at runtime. */
export interface RouteAccess extends Route {
  readonly rule: AccessRule | undefined;
}

/**
 * Reads the rules from the controllers themselves (Nest's route metadata and ours), not from their text, so a
 * rule set through a constant (`READ_ROLES`) counts as what it holds.
 */
export const accessRulesInCode = (): RouteAccess[] => {
  const found: RouteAccess[] = [];
  const scan = (file: string, services: readonly string[]) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const exported = require(file) as Record<string, unknown>;
    for (const candidate of Object.values(exported)) {
      if (typeof candidate !== 'function' || Reflect.getMetadata(PATH_METADATA, candidate) === undefined) continue;
      const controller = candidate as new (...args: never[]) => unknown;
      const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '').replace(/^\/+|\/+$/g, '');
      const classRule = Reflect.getMetadata(ACCESS_RULE, controller) as AccessRule | undefined;
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[name];
        if (typeof handler !== 'function' || Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
        const sub = String(Reflect.getMetadata(PATH_METADATA, handler) ?? '').replace(/^\/+|\/+$/g, '');
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod].toLowerCase();
        const rule = (Reflect.getMetadata(ACCESS_RULE, handler) as AccessRule | undefined) ?? classRule;
        for (const service of services)
          for (const path of pathsOf(base, sub)) found.push({ service, method, path, rule });
      }
    }
  };
  scanEveryController(scan);
  return found;
};
