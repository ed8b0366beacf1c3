import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_JWKS_FILE } from '@closeloop/auth';
import { baseServiceConfig, kafkaSecurityOf, staffJwksOf } from '@closeloop/config';
import { parse } from 'yaml';
import type { ZodTypeAny } from 'zod';
import { dispatchConfigSchema } from '../apps/dispatch/src/dispatch.config';
import { intakeConfigSchema } from '../apps/intake/src/intake.config';
import { notificationConfigSchema } from '../apps/notification/src/notification.config';
import { slaTimerConfigSchema } from '../apps/sla-timer/src/sla-timer.config';

/**
 * docker-compose.yml is run rarely and by hand (no Docker engine in CI), so this spec holds it to the code: every
 * service gets every setting its configuration schema requires, from the file itself or from the files
 * scripts/compose-prepare.sh makes, and the broker matches the native one of scripts/infra/kafka.sh.
 */
const root = join(__dirname, '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

type Node = Record<string, unknown>;
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Node> };

const SERVICES: Record<string, { schema: ZodTypeAny; port: number; metricsPort: number }> = {
  intake: { schema: intakeConfigSchema, port: 3001, metricsPort: 9101 },
  dispatch: { schema: dispatchConfigSchema, port: 3002, metricsPort: 9102 },
  'sla-timer': { schema: slaTimerConfigSchema, port: 3003, metricsPort: 9103 },
  notification: { schema: notificationConfigSchema, port: 3004, metricsPort: 9104 },
  query: { schema: baseServiceConfig, port: 3005, metricsPort: 9105 },
};

/** Started only with `--profile observability`. */
const OBSERVABILITY = ['prometheus', 'grafana'];

/** `${NAME:-default}` as compose reads it on a host that sets nothing; anything else the host must set is a problem. */
const interpolate = (value: string, where: string, problems: string[]): string =>
  value.replace(/\$\{([^}]*)\}/g, (whole, inner: string) => {
    const withDefault = /^[A-Za-z_][A-Za-z0-9_]*:?-(.*)$/.exec(inner);
    if (withDefault) return withDefault[1] as string;
    problems.push(`${where}: ${whole} needs the host to export a variable`);
    return '';
  });

/** The variables scripts/lib.sh's load_local_secrets writes to .local/secrets.env, with a value of the shape it writes. */
const localSecrets = (): Record<string, string> => {
  const lib = read('scripts/lib.sh');
  const body = /load_local_secrets\(\) \{([\s\S]*?)\n\}/.exec(lib)?.[1] ?? '';
  expect(body).toContain('.local/secrets.env');
  expect(body).toMatch(/echo "\$name=\$\(node -e '[^']*randomBytes\(32\)\.toString\("hex"\)/);
  const names = (/for name in ([A-Z_ ]+); do/.exec(body)?.[1] ?? '').split(' ').filter(Boolean);
  return Object.fromEntries(names.map((name) => [name, 'ab'.repeat(32)]));
};

const environmentOf = (name: string, problems: string[]): Record<string, string> => {
  const service = compose.services[name] as Node;
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries((service['environment'] ?? {}) as Record<string, unknown>)) {
    env[key] = interpolate(String(value), `${name}.environment.${key}`, problems);
  }
  const envFiles = service['env_file'] === undefined ? [] : ([] as unknown[]).concat(service['env_file']);
  for (const file of envFiles) {
    if (file !== '.local/secrets.env')
      problems.push(`${name}.env_file: ${String(file)} is not a file scripts/compose-prepare.sh makes`);
    else Object.assign(env, localSecrets());
  }
  return env;
};

describe('docker-compose.yml', () => {
  it('runs Kafka, PostgreSQL 15 and the five services, and Prometheus and Grafana on request', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ['kafka', 'postgres', ...Object.keys(SERVICES), ...OBSERVABILITY].sort(),
    );
    const profiled = Object.entries(compose.services).filter(([, service]) => service['profiles'] !== undefined);
    expect(Object.fromEntries(profiled.map(([name, service]) => [name, service['profiles']]))).toEqual(
      Object.fromEntries(OBSERVABILITY.map((name) => [name, ['observability']])),
    );
    expect(compose.services['postgres']?.['image']).toBe('postgres:15');
  });

  it('needs nothing exported on the host: every ${...} has a default', () => {
    const problems: string[] = [];
    const walk = (value: unknown, where: string) => {
      if (typeof value === 'string') interpolate(value, where, problems);
      else if (Array.isArray(value)) value.forEach((item, i) => walk(item, `${where}[${i}]`));
      else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, `${where}.${k}`);
    };
    walk(compose, '(root)');
    expect(problems).toEqual([]);
  });

  it('takes the secrets it reads from files from scripts/lib.sh, which writes ALERT_LINK_SECRET and RESIDENT_SECRET', () => {
    expect(Object.keys(localSecrets())).toEqual(['ALERT_LINK_SECRET', 'RESIDENT_SECRET']);
    expect(read('scripts/compose-prepare.sh')).toMatch(/^load_local_secrets$/m);
  });

  describe.each(Object.entries(SERVICES))('%s', (name, { schema, port, metricsPort }) => {
    const service = () => compose.services[name] as Node;

    it('gets every setting its configuration requires, and settings that fit together', () => {
      const problems: string[] = [];
      const env = environmentOf(name, problems);
      expect(problems).toEqual([]);
      const parsed = schema.safeParse(env);
      expect(
        parsed.success
          ? []
          : parsed.error.issues.map((i: { path: unknown[]; message: string }) => `${i.path.join('.')}: ${i.message}`),
      ).toEqual([]);
      expect(() => staffJwksOf(parsed.data)).not.toThrow();
      expect(() => kafkaSecurityOf(parsed.data)).not.toThrow();
    });

    it('is built as itself and listens on its port in the container, published on the host’s loopback', () => {
      const env = environmentOf(name, []);
      expect((service()['build'] as Node)['args']).toEqual({ SERVICE: name });
      expect(env['PORT']).toBe(String(port));
      expect(env['HOST']).toBe('0.0.0.0');
      // Metrics stay inside the compose network, where Prometheus scrapes them.
      expect(env['METRICS_PORT']).toBe(String(metricsPort));
      expect(service()['ports']).toEqual([`127.0.0.1:${port}:${port}`]);
    });

    it('reads the compose network’s broker and database, and starts after both are healthy', () => {
      const env = environmentOf(name, []);
      expect(env['KAFKA_BROKERS']).toBe('kafka:9092');
      expect(new URL(env['DATABASE_URL'] as string).host).toBe('postgres:5432');
      expect(service()['depends_on']).toEqual({
        kafka: { condition: 'service_healthy' },
        postgres: { condition: 'service_healthy' },
      });
    });

    it('checks staff tokens against the public JWKS the admin tool writes to .local/keys, mounted read-only', () => {
      const env = environmentOf(name, []);
      const mounts = (service()['volumes'] ?? []) as Node[];
      expect(mounts).toContainEqual({
        type: 'bind',
        source: `./.local/keys/${LOCAL_JWKS_FILE}`,
        target: env['STAFF_JWKS_FILE'],
        read_only: true,
        bind: { create_host_path: false },
      });
      expect(read('tools/admin/closeloop-admin.js')).toContain("values['key-dir'] ?? join(root, '.local', 'keys')");
      expect(read('scripts/compose-prepare.sh')).toContain('npm run -s admin -- token jwks');
    });
  });

  describe('kafka', () => {
    const kafka = () => compose.services['kafka'] as Node;

    it('is the version scripts/infra/kafka.sh runs natively', () => {
      const version = /^readonly KAFKA_VERSION=(\S+)$/m.exec(read('scripts/infra/kafka.sh'))?.[1];
      expect(version).toBeDefined();
      expect(kafka()['image']).toBe(`apache/kafka:${version}`);
    });

    it('has the native broker’s settings (topics, partitions, replication) of deploy/kafka-local/server.properties.template', () => {
      const env = kafka()['environment'] as Record<string, unknown>;
      const template = read('deploy/kafka-local/server.properties.template')
        .split('\n')
        .map((line) => /^([a-z.]+)=([^@]*)$/.exec(line.trim()))
        // Identity and listeners differ on purpose: the container adds a listener for the host.
        .filter(
          (match): match is RegExpExecArray =>
            match !== null && !/^(node\.id|process\.roles)$|listener/.test(match[1] as string),
        );
      expect(template.length).toBeGreaterThan(10);
      const differing = template
        .map(([, key, value]) => ({
          name: `KAFKA_${(key as string).replace(/\./g, '_').toUpperCase()}`,
          native: value,
        }))
        .filter(({ name, native }) => String(env[name]) !== native)
        .map(({ name, native }) => `${name}: ${String(env[name])} here, ${native} natively`);
      expect(differing).toEqual([]);
    });
  });

  describe('observability (--profile observability)', () => {
    const bindMounts = (name: string) =>
      ((compose.services[name] as Node)['volumes'] as (Node | string)[]).filter(
        (volume): volume is Node => typeof volume === 'object',
      );

    it('publishes Prometheus and Grafana on the host’s loopback only', () => {
      expect(compose.services['prometheus']?.['ports']).toEqual(['127.0.0.1:9090:9090']);
      expect(compose.services['grafana']?.['ports']).toEqual(['127.0.0.1:3000:3000']);
    });

    it('mounts files of the checkout read-only, and every one of them exists', () => {
      for (const name of OBSERVABILITY) {
        const mounts = bindMounts(name);
        expect(mounts.length).toBeGreaterThan(0);
        for (const mount of mounts) {
          expect(mount).toMatchObject({ type: 'bind', read_only: true });
          expect(existsSync(join(root, mount['source'] as string))).toBe(true);
        }
      }
    });

    it('scrapes every service on its METRICS_PORT, labelled with its name, and loads the alert rules', () => {
      const [config] = bindMounts('prometheus').filter((m) => m['target'] === '/etc/prometheus/prometheus.yml');
      const prometheus = parse(read(config?.['source'] as string)) as Node;
      const [closeloop] = (prometheus['scrape_configs'] as Node[]).filter((job) => job['job_name'] === 'closeloop');
      const targets = (closeloop?.['static_configs'] as Node[]).map((group) => ({
        targets: group['targets'],
        service: (group['labels'] as Node)['service'],
      }));
      expect(targets).toEqual(
        Object.entries(SERVICES).map(([name]) => ({
          targets: [`${name}:${environmentOf(name, [])['METRICS_PORT']}`],
          service: name,
        })),
      );
      // rule_files are read beside prometheus.yml, where the rules are mounted.
      const ruleTargets = bindMounts('prometheus').map((m) => m['target']);
      for (const file of prometheus['rule_files'] as string[]) expect(ruleTargets).toContain(`/etc/prometheus/${file}`);
    });

    it('provisions the Prometheus data source and the Closeloop dashboard in Grafana', () => {
      const mounts = bindMounts('grafana');
      expect(mounts.map((m) => [m['source'], m['target']])).toEqual([
        ['./deploy/grafana/provisioning', '/etc/grafana/provisioning'],
        ['./deploy/grafana/closeloop.json', '/var/lib/grafana/dashboards/closeloop.json'],
      ]);
      const datasources = parse(read('deploy/grafana/provisioning/datasources/prometheus.yml')) as Node;
      expect(datasources['datasources']).toEqual([
        expect.objectContaining({ type: 'prometheus', url: 'http://prometheus:9090', isDefault: true }),
      ]);
      const dashboards = parse(read('deploy/grafana/provisioning/dashboards/closeloop.yml')) as Node;
      expect((dashboards['providers'] as Node[])[0]?.['options']).toEqual({ path: '/var/lib/grafana/dashboards' });
    });
  });
});
