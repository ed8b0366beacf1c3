import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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
      const path = `/${[base, m[2] ?? ''].filter(Boolean).join('/')}`.replace(/:(\w+)/g, '{$1}');
      const expanded = path.includes('{action}') ? Object.keys(workOrderActions).map((a) => path.replace('{action}', a)) : [path];
      for (const service of services) for (const p of expanded) routes.push({ service, method: (m[1] as string).toLowerCase(), path: p });
    }
  };
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.http.controller.ts') ? [join(dir, e.name)] : []));
  for (const app of readdirSync(join(root, 'apps'))) for (const file of walk(join(root, 'apps', app, 'src'))) scan(file, [app]);
  scan(join(root, 'libs', 'runtime', 'src', 'health.http.controller.ts'), SERVICES.map((s) => s.name));
  return routes;
};
