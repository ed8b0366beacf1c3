import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/**
 * deploy/prometheus and deploy/grafana: the alert rules pass `promtool check rules` and their unit tests
 * (`promtool test rules`, Debian's prometheus package, which scripts/infra/debian-packages.sh installs), and every
 * metric the rules and the dashboard read is one docs/operations.md documents under "Metrics", so no rule or panel
 * waits on a series that is never written.
 */
const root = join(__dirname, '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const RULES = 'deploy/prometheus/closeloop-rules.yml';
const RULE_TESTS = 'deploy/prometheus/closeloop-rules.test.yml';
const DASHBOARD = 'deploy/grafana/closeloop.json';

type Node = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
const hasPromtool = promtool.status === 0;

/** Runs promtool where it is installed; CI must have it (scripts/infra/debian-packages.sh), a developer may not. */
const runPromtool = (...args: string[]): { status: number | null; output: string } | undefined => {
  if (!hasPromtool) {
    expect(`promtool is installed: ${process.env['CI'] ? 'no, and CI must have it' : 'no (outside CI: skipped)'}`).toBe(
      process.env['CI'] ? 'promtool is installed: yes' : 'promtool is installed: no (outside CI: skipped)',
    );
    console.warn('promtool is not installed (Debian package prometheus, scripts/infra/debian-packages.sh): skipped');
    return undefined;
  }
  const result = spawnSync('promtool', args, { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
};

/** The names of docs/operations.md's "Metrics" table: `| \`name\` | type | ...`, histograms with their series. */
const documentedMetrics = (): Map<string, string> => {
  const docs = read('docs/operations.md');
  const section = /\n## Metrics\n([\s\S]*?)(?=\n## )/.exec(docs)?.[1] ?? '';
  const metrics = new Map<string, string>();
  for (const line of section.split('\n')) {
    const row = /^\|\s*`([a-zA-Z_:][\w:]*)`\s*\|(.*)$/.exec(line);
    if (row) metrics.set(row[1] as string, row[2] as string);
  }
  return metrics;
};

const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan', 'Inf', 'NaN']);

/** The metric names a PromQL expression reads (not functions, keywords, label names or values). */
const metricsIn = (expression: string): string[] => {
  const bare = expression
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  return [...bare.matchAll(/(?<![\w:.])([a-zA-Z_:][\w:]*)(?![\w:])(?!\s*\()/g)]
    .map((m) => m[1] as string)
    .filter((name) => !KEYWORDS.has(name));
};

const ruleFile = parse(read(RULES)) as { groups: { name: string; rules: Node[] }[] };
const rules = ruleFile.groups.flatMap((group) => group.rules);
const alerts = rules.filter((rule) => rule['alert']);
const recorded = new Set(rules.filter((rule) => rule['record']).map((rule) => rule['record'] as string));
const dashboard = JSON.parse(read(DASHBOARD)) as Node;
const panels = (dashboard['panels'] as Node[]).filter((panel) => panel['type'] !== 'row');

/** Whether a series name is written: documented, a documented histogram's series, a recording rule's, or `up`. */
const known = (name: string, documented: Map<string, string>): boolean => {
  if (name === 'up' || recorded.has(name) || documented.has(name)) return true;
  const histogram = /^(.*)_(bucket|sum|count)$/.exec(name)?.[1];
  return histogram !== undefined && /histogram/.test(documented.get(histogram) ?? '');
};

describe('metricsIn', () => {
  it('finds metric names and leaves functions, keywords, labels and durations out', () => {
    expect(
      metricsIn(
        'sum by (le, service) (rate(a_seconds_bucket{x="y{z}"}[5m])) / on (service) b_total > 0.5e3 and c:rec unless 1',
      ),
    ).toEqual(['a_seconds_bucket', 'b_total', 'c:rec']);
  });
});

describe('deploy/prometheus/closeloop-rules.yml', () => {
  it('passes promtool check rules', () => {
    const result = runPromtool('check', 'rules', RULES);
    if (result) expect(result).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  }, 150_000);

  it('passes its unit tests (promtool test rules), which cover at least two alerts', () => {
    const tests = parse(read(RULE_TESTS)) as Node;
    expect(tests['rule_files']).toEqual(['closeloop-rules.yml']);
    const firing = new Set(
      (tests['tests'] as Node[])
        .flatMap((t) => (t['alert_rule_test'] ?? []) as Node[])
        .filter((t) => (t['exp_alerts'] as Node[]).length > 0)
        .map((t) => t['alertname'] as string),
    );
    expect(firing.size).toBeGreaterThanOrEqual(2);
    for (const name of firing) expect(alerts.map((a) => a['alert'])).toContain(name);
    const result = runPromtool('test', 'rules', RULE_TESTS);
    if (result) expect(result).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  }, 150_000);

  it('passes promtool check config with docker-compose.yml’s Prometheus configuration', () => {
    const result = runPromtool('check', 'config', 'deploy/prometheus/prometheus.yml');
    if (result) expect(result).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  }, 150_000);

  it('alerts on what an operator must know: down, lag, relay, parked events, timers, deliveries, breaches', () => {
    expect(alerts.map((a) => a['alert'])).toEqual(
      expect.arrayContaining([
        'CloseloopServiceDown',
        'CloseloopConsumerLagGrowing',
        'CloseloopRelayLagHigh',
        'CloseloopRelayParkedEvents',
        'CloseloopTimersFailed',
        'CloseloopAlertDeliveriesDead',
        'CloseloopAlertDeliveriesFailing',
        'CloseloopBreachRateHigh',
      ]),
    );
    expect(rules.find((r) => r['alert'] === 'CloseloopRelayLagHigh')?.['expr']).toMatch(/> 30$/);
  });

  it('gives every alert a severity, a summary and its runbook entry in docs/operations.md', () => {
    const docs = read('docs/operations.md');
    const runbook = /\n## Alert rules runbook\n([\s\S]*?)(?=\n## |$)/.exec(docs)?.[1] ?? '';
    for (const alert of alerts) {
      const name = alert['alert'] as string;
      expect([name, alert['labels']?.severity]).toEqual([name, expect.stringMatching(/^(critical|warning)$/)]);
      expect(alert['annotations']?.summary).toBeDefined();
      expect(alert['annotations']?.runbook).toBe(`docs/operations.md#alert-rules-runbook (${name})`);
      expect(runbook).toContain(`\n### ${name}\n`);
    }
  });

  it('reads only documented metrics', () => {
    const documented = documentedMetrics();
    expect(documented.size).toBeGreaterThan(10);
    const unknown = rules.flatMap((rule) =>
      metricsIn(rule['expr'] as string)
        .filter((name) => !known(name, documented))
        .map((name) => `${(rule['alert'] ?? rule['record']) as string}: ${name}`),
    );
    expect(unknown).toEqual([]);
  });
});

describe('deploy/grafana/closeloop.json', () => {
  it('reads only documented metrics', () => {
    const documented = documentedMetrics();
    const unknown = panels.flatMap((panel) =>
      (panel['targets'] as Node[]).flatMap((target) =>
        metricsIn(target['expr'] as string)
          .filter((name) => !known(name, documented) || recorded.has(name))
          .map((name) => `${panel['title'] as string}: ${name}`),
      ),
    );
    // Recording rules are left out too: the dashboard works on a Prometheus without Closeloop's rules.
    expect(unknown).toEqual([]);
  });

  it('shows throughput, latency, lag, relay, timers, breaches, escalations, deliveries, memory and CPU', () => {
    const read = panels.map((p) => (p['targets'] as Node[]).map((t) => t['expr'] as string).join(' ')).join('\n');
    for (const metric of [
      'closeloop_work_orders_received_total',
      'closeloop_events_consumed_total',
      'http_server_request_duration_seconds_bucket',
      'closeloop_kafka_consumer_lag',
      'closeloop_relay_lag_seconds_bucket',
      'closeloop_relay_parked_events',
      'closeloop_timer_lateness_seconds_bucket',
      'closeloop_sla_breaches_total',
      'closeloop_escalations_total',
      'closeloop_alert_deliveries_total',
      'process_resident_memory_bytes',
      'process_cpu_seconds_total',
    ])
      expect(read).toContain(metric);
  });

  it('is one Grafana dashboard with unique panel ids, a data-source variable, and panels that do not overlap', () => {
    expect(dashboard['uid']).toBe('closeloop');
    const ids = (dashboard['panels'] as Node[]).map((p) => p['id']);
    expect(new Set(ids).size).toBe(ids.length);
    expect(dashboard['templating'].list).toContainEqual(
      expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }),
    );
    const cells = new Set<string>();
    for (const panel of dashboard['panels'] as Node[]) {
      const { x, y, w, h } = panel['gridPos'] as Record<string, number>;
      expect(x + w).toBeLessThanOrEqual(24);
      for (let row = y; row < y + h; row++)
        for (let column = x; column < x + w; column++) {
          expect(cells.has(`${row}:${column}`)).toBe(false);
          cells.add(`${row}:${column}`);
        }
    }
    for (const panel of panels) expect(panel['datasource']).toEqual({ type: 'prometheus', uid: '${datasource}' });
  });
});
