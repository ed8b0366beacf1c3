import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  allTables,
  INFRASTRUCTURE_TABLES,
  ownerOfTable,
  Service,
  SERVICE_TABLES,
  SERVICES,
  STREAM_CATEGORIES,
} from './ownership';

/**
 * The ownership rule (docs/adr/0019-each-service-owns-its-streams-and-tables.md): a service's own code reads and
 * appends only the stream categories it owns, imports the command path of no category it does not own, and names in
 * SQL only its own tables. Infrastructure tables are named only by the libraries that keep them.
 */
const root = join(__dirname, '..');

/** Comments may name anything ("it used to read the SLA stream"); only code counts. */
const stripComments = (source: string): string =>
  source.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');

// SQL keywords that name a table next, upper case as every query in the tree writes them; a name right before `(` is
// a function (unnest, generate_series), and names that are no table of the map (aliases, CTEs) are ignored.
const SQL_TABLE = /\b(?:FROM|JOIN|INTO|UPDATE|TABLE|EXISTS)\s+(?:ONLY\s+)?([a-z_][a-z0-9_]*)\b(?!\()/g;
// A table's name on its own in a string, as read-model definitions give them (`{ alerts: 'alerts' }`).
const QUOTED_NAME = /['"`]([a-z_][a-z0-9_]*)['"`]/g;

/** Every way a service's source breaks the ownership rule, e.g. `reads or appends sla streams (slaStream)`. */
export const ownershipViolations = (service: Service, source: string): string[] => {
  const code = stripComments(source);
  const found = new Set<string>();
  for (const category of STREAM_CATEGORIES) {
    if (category.owners.includes(service)) continue;
    if (new RegExp(`\\b${category.helper}\\s*\\(`).test(code))
      found.add(`reads or appends ${category.prefix} streams (${category.helper})`);
    if (new RegExp(`['"\`]${category.prefix}-(?:%|\\$\\{)`).test(code))
      found.add(`reads or appends ${category.prefix} streams (by name)`);
    const path = category.commandPath;
    if (path && new RegExp(`['"]${path.replace(/[/@-]/g, (c) => `\\${c}`)}['"]`).test(code))
      found.add(`imports ${path}, the ${category.prefix} streams' command path`);
  }
  const tables = [
    ...[...code.matchAll(SQL_TABLE)].map((m) => m[1] as string),
    ...[...code.matchAll(QUOTED_NAME)].map((m) => m[1] as string),
  ];
  for (const table of tables) {
    const owner = ownerOfTable(table);
    if (owner !== undefined && owner !== service)
      found.add(`names table ${table} (${owner === 'infrastructure' ? 'infrastructure' : `owned by ${owner}`})`);
  }
  return [...found];
};

const serviceSources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'dist' ? [] : serviceSources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') && !entry.name.endsWith('.d.ts')
      ? [path]
      : [];
  });

describe('the ownership rule checker', () => {
  it('accepts a service working on its own streams and tables', () => {
    const source = [
      "import { alertStream } from '@closeloop/notification-domain';",
      'const recorded = await this.store.readStream(alertStream(alertId));',
      'await this.pool.query(`INSERT INTO notification_order_facts (work_order_id) VALUES ($1)`, [id]);',
      "await client.query('SELECT alert_id FROM notification_alerts a JOIN notification_alert_deliveries d USING (alert_id)');",
      'await client.query(`SELECT * FROM unnest($1::uuid[]) AS p(id)`);',
    ].join('\n');
    expect(ownershipViolations('notification', source)).toEqual([]);
  });

  it("flags reading another service's streams, by helper or by name, and using its command path", () => {
    const source = [
      "import { slaStream } from '@closeloop/sla-domain';",
      "import { WorkOrderCommands } from '@closeloop/work-order-application';",
      'const clocks = await this.store.readStream(slaStream(workOrderId));',
      'const order = await this.store.readStream(workOrderStream(workOrderId));',
      "const { rows } = await pool.query(`SELECT stream_id FROM es_streams WHERE stream_id LIKE 'alert-%'`);",
    ].join('\n');
    expect(ownershipViolations('notification', source)).toEqual([
      'reads or appends workorder streams (workOrderStream)',
      "imports @closeloop/work-order-application, the workorder streams' command path",
      'reads or appends sla streams (slaStream)',
      'names table es_streams (infrastructure)',
    ]);
    expect(ownershipViolations('query', 'const stream = `alert-${alertId}`;')).toEqual([
      'reads or appends alert streams (by name)',
    ]);
  });

  it("flags naming another service's table or an infrastructure table in SQL", () => {
    const source = [
      "await pool.query('SELECT due_at FROM sla_timer_timers WHERE work_order_id = $1', [id]);",
      'await pool.query(`UPDATE query_work_orders SET status = $2 WHERE work_order_id = $1`);',
      "await pool.query('INSERT INTO es_checkpoints (subscriber, checkpoint) VALUES ($1, $2)');",
      "export const TABLES = { alerts: 'notification_alerts' };",
    ].join('\n');
    expect(ownershipViolations('dispatch', source)).toEqual([
      'names table sla_timer_timers (owned by sla-timer)',
      'names table query_work_orders (owned by query)',
      'names table es_checkpoints (infrastructure)',
      'names table notification_alerts (owned by notification)',
    ]);
  });

  it('ignores the rule being broken in comments only', () => {
    expect(
      ownershipViolations(
        'query',
        '// notification used to read slaStream(id) and FROM es_events\nexport const x = 1;',
      ),
    ).toEqual([]);
  });
});

describe('the ownership map', () => {
  it('gives every table one owner, prefixed by its service', () => {
    const tables = allTables();
    expect(new Set(tables).size).toBe(tables.length);
    for (const service of SERVICES) {
      const prefix = `${service.replace(/-/g, '_')}_`;
      expect(SERVICE_TABLES[service].filter((t) => !t.startsWith(prefix))).toEqual([]);
    }
  });

  it('knows every table (or view standing in for one) the migrations leave behind', () => {
    const migrations = join(root, 'libs/database/migrations');
    const tables = new Set<string>(['schema_migrations']);
    for (const file of readdirSync(migrations)
      .filter((f) => f.endsWith('.sql'))
      .sort()) {
      const sql = readFileSync(join(migrations, file), 'utf8').replace(/--.*$/gm, '');
      for (const [, kind, name, renamed] of sql.matchAll(
        /\b(CREATE(?:\s+UNLOGGED)?\s+TABLE(?:\s+IF\s+NOT\s+EXISTS)?|CREATE(?:\s+OR\s+REPLACE)?\s+VIEW|DROP\s+TABLE(?:\s+IF\s+EXISTS)?|ALTER\s+TABLE(?:\s+IF\s+EXISTS)?)\s+([a-z_][a-z0-9_]*)(?:\s+RENAME\s+TO\s+([a-z_][a-z0-9_]*))?/gi,
      )) {
        const table = (name as string).toLowerCase();
        if (/^CREATE/i.test(kind as string)) tables.add(table);
        else if (/^DROP/i.test(kind as string)) tables.delete(table);
        else if (renamed) {
          tables.delete(table);
          tables.add(renamed.toLowerCase());
        }
      }
    }
    expect([...tables].sort()).toEqual(allTables().sort());
  });

  it('names infrastructure tables that no service prefix claims', () => {
    const infrastructure = Object.values(INFRASTRUCTURE_TABLES).flatMap((i) => i.tables);
    expect(infrastructure.filter((t) => SERVICES.some((s) => t.startsWith(`${s.replace(/-/g, '_')}_`)))).toEqual([]);
  });
});

describe.each(SERVICES)('apps/%s', (service) => {
  const files = serviceSources(join(root, 'apps', service, 'src'));
  const violations = files.flatMap((file) =>
    ownershipViolations(service, readFileSync(file, 'utf8')).map((violation) => ({
      file: relative(root, file),
      violation,
    })),
  );

  it('has source files to check', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it('reads and appends only its own streams and names only its own tables', () => {
    expect(violations.map((v) => `${v.file}: ${v.violation}`)).toEqual([]);
  });
});
