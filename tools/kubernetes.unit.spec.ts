import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kafkaSecurityOf, staffJwksOf } from '@closeloop/config';
import { topicSpecs } from '@closeloop/contracts';
import { parseAllDocuments } from 'yaml';
import type { ZodTypeAny } from 'zod';
import { consoleConfig } from '../apps/console/src/console-config';
import { dispatchConfigSchema } from '../apps/dispatch/src/dispatch.config';
import { intakeConfigSchema } from '../apps/intake/src/intake.config';
import { notificationConfigSchema } from '../apps/notification/src/notification.config';
import { queryConfigSchema } from '../apps/query/src/query.config';
import { slaTimerConfigSchema } from '../apps/sla-timer/src/sla-timer.config';
import { K8sObject, kustomizationFiles, renderKustomization } from './kubernetes/kustomize';

/**
 * deploy/kubernetes is applied by operators, never by CI (there is no cluster here), so this spec holds it to the code:
 * both kustomizations render, every object fits the Kubernetes API's schemas, every Deployment has its probes, limits
 * and locked-down security context and every setting its service's configuration schema requires, and the scale-out
 * rules hold (no more instances than partitions, topics as the contract declares them, ACLs as deploy/kafka-production
 * grants them).
 */
const root = join(__dirname, '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const BASE = join(root, 'deploy/kubernetes/base');
const PRODUCTION = join(root, 'deploy/kubernetes/overlays/production');

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** V8's heap sizes, which every place that starts a service sets alike. */
const MEMORY_FLAG = /^--max-(?:old|semi)-space-size=/;
// scripts/stack.js starts the services for `npm run up`, the e2e tests and the benches.
const { NODE_FLAGS: STACK_NODE_FLAGS } = require('../scripts/stack.js') as { NODE_FLAGS: string[] };

interface ServiceSpec {
  readonly schema: ZodTypeAny;
  readonly port: number;
  readonly metricsPort: number;
  /** Topics it consumes and its consumer groups (docs/operations.md, "Topics, keys and consumer groups"). */
  readonly consumes: readonly { topic: string; group: string }[];
}

const SERVICES: Record<string, ServiceSpec> = {
  intake: {
    schema: intakeConfigSchema,
    port: 3001,
    metricsPort: 9101,
    consumes: [{ topic: 'workorders.intake', group: 'intake' }],
  },
  dispatch: {
    schema: dispatchConfigSchema,
    port: 3002,
    metricsPort: 9102,
    consumes: [
      { topic: 'workorders.events', group: 'dispatch' },
      { topic: 'workorders.commands', group: 'dispatch-commands' },
    ],
  },
  'sla-timer': {
    schema: slaTimerConfigSchema,
    port: 3003,
    metricsPort: 9103,
    consumes: [{ topic: 'workorders.events', group: 'sla-timer' }],
  },
  notification: {
    schema: notificationConfigSchema,
    port: 3004,
    metricsPort: 9104,
    consumes: [{ topic: 'workorders.events', group: 'notification' }],
  },
  query: {
    schema: queryConfigSchema,
    port: 3005,
    metricsPort: 9105,
    consumes: [{ topic: 'workorders.events', group: 'query' }],
  },
  console: { schema: consoleConfig, port: 3006, metricsPort: 9106, consumes: [] },
};

/** The custom resources of the operators the production overlay relies on; kubernetes-models has no schema for them. */
const OPERATOR_KINDS = [
  'kafka.strimzi.io/v1beta2 Kafka',
  'kafka.strimzi.io/v1beta2 KafkaNodePool',
  'kafka.strimzi.io/v1beta2 KafkaTopic',
  'kafka.strimzi.io/v1beta2 KafkaUser',
  'postgresql.cnpg.io/v1 Cluster',
];

const key = (o: K8sObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const sorted = (objects: K8sObject[]) => [...objects].sort((a, b) => key(a).localeCompare(key(b)));
const parseYaml = (text: string): K8sObject[] =>
  parseAllDocuments(text)
    .map((d) => d.toJS() as K8sObject)
    .filter(Boolean);

const rendered = { base: renderKustomization(BASE), production: renderKustomization(PRODUCTION) };
const ofKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind) as Json[];
const named = (objects: K8sObject[], kind: string, name: string): Json => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found as Json;
};

const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
const hasKubectl = kubectl.status === 0;

/** "384Mi" → bytes; "250m" → cores. */
const bytes = (quantity: string): number => {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|K|M|G)?$/.exec(quantity);
  if (!match) throw new Error(`not a memory quantity: ${quantity}`);
  const unit = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, K: 1e3, M: 1e6, G: 1e9 }[match[2] ?? ''] ?? 1;
  return Number(match[1]) * unit;
};

const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

describe.each(Object.entries(rendered))('deploy/kubernetes: %s', (variant, objects) => {
  const deployments = () => ofKind(objects, 'Deployment');
  const dir = variant === 'base' ? BASE : PRODUCTION;

  it('renders as kubectl kustomize renders it (where kubectl is installed)', () => {
    if (!hasKubectl) {
      console.warn('kubectl is not installed: the in-repo renderer is not compared with kustomize on this machine');
      expect(objects.length).toBeGreaterThan(20);
      return;
    }
    const theirs = parseYaml(execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', timeout: 120_000 }));
    expect(sorted(objects).map(key)).toEqual(sorted(theirs).map(key));
    expect(JSON.parse(JSON.stringify(sorted(objects)))).toEqual(JSON.parse(JSON.stringify(sorted(theirs))));
  }, 150_000);

  it('fits the Kubernetes API schemas, with no field they do not name; only the operators’ resources go unchecked', () => {
    // Two objects wrong on purpose, so a validator that accepts anything fails here: a wrong type, and a misspelt
    // field, which the schemas alone let through.
    const broken = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'broken-on-purpose' },
      spec: { replicas: 'two', selector: {}, template: { spec: { containers: [] } } },
    };
    const misspelt = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'misspelt-on-purpose' },
      spec: { selector: {}, template: { spec: { containers: [{ name: 'c', readinesProbe: {} }] } } },
    };
    const result = spawnSync('node', [join(root, 'tools/kubernetes/validate-manifests.js')], {
      input: JSON.stringify([...objects, broken, misspelt]),
      encoding: 'utf8',
      cwd: root,
      timeout: 120_000,
    });
    expect(result.stderr).toBe('');
    const { problems, unknownKinds } = JSON.parse(result.stdout) as { problems: string[]; unknownKinds: string[] };
    expect(problems).toEqual([
      'Deployment/broken-on-purpose: data/spec/replicas must be integer',
      'Deployment/misspelt-on-purpose: spec.template.spec.containers[0].readinesProbe is not a field of IoK8sApiCoreV1Container',
    ]);
    expect(unknownKinds).toEqual(variant === 'base' ? [] : OPERATOR_KINDS);
  }, 150_000);

  it('reads every file it names, and the configuration copies are config/’s files', () => {
    const missing = kustomizationFiles(dir).filter((file) => {
      try {
        readFileSync(file);
        return false;
      } catch {
        return true;
      }
    });
    expect(missing).toEqual([]);
    for (const file of readdirSync(join(BASE, 'config'))) {
      expect(`${file}: ${read(`deploy/kubernetes/base/config/${file}`)}`).toBe(`${file}: ${read(`config/${file}`)}`);
    }
  });

  it('runs the five services and the console, each with its Service, PodDisruptionBudget and autoscaler', () => {
    expect(
      deployments()
        .map((d) => d['metadata'].name)
        .sort(),
    ).toEqual(Object.keys(SERVICES).sort());
    for (const deployment of deployments()) {
      const name = deployment['metadata'].name as string;
      const podLabels = deployment['spec'].template.metadata.labels as Record<string, string>;
      expect(matches(deployment['spec'].selector.matchLabels, podLabels)).toBe(true);
      expect(matches(named(objects, 'Service', name)['spec'].selector, podLabels)).toBe(true);
      const budget = named(objects, 'PodDisruptionBudget', name);
      expect(matches(budget['spec'].selector.matchLabels, podLabels)).toBe(true);
      // maxUnavailable, not minAvailable: a budget of minAvailable 1 on one replica would block every node drain.
      expect(budget['spec'].maxUnavailable).toBe(1);
      const hpa = named(objects, 'HorizontalPodAutoscaler', name);
      expect(hpa['spec'].scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name });
      expect(hpa['spec'].metrics).toContainEqual({
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
      });
    }
  });

  describe.each(Object.entries(SERVICES))('%s', (name, service) => {
    const deployment = () => named(objects, 'Deployment', name);
    const podSpec = () => deployment()['spec'].template.spec as Json;
    const container = () => {
      const containers = podSpec()['containers'] as Json[];
      expect(containers.map((c) => c['name'])).toEqual([name]);
      return containers[0] as Json;
    };

    it('listens on its port and serves metrics on its METRICS_PORT, both in its Service', () => {
      expect(container()['ports']).toEqual([
        { name: 'http', containerPort: service.port },
        { name: 'metrics', containerPort: service.metricsPort },
      ]);
      const env = environmentOf(objects, container(), podSpec());
      expect([env['PORT'], env['METRICS_PORT'], env['HOST']]).toEqual([
        String(service.port),
        String(service.metricsPort),
        '0.0.0.0',
      ]);
      expect(named(objects, 'Service', name)['spec'].ports).toEqual([
        { name: 'http', port: service.port, targetPort: 'http' },
        { name: 'metrics', port: service.metricsPort, targetPort: 'metrics' },
      ]);
    });

    it('is probed for liveness on /health/live and readiness on /health/ready, with time to start', () => {
      const c = container();
      expect(c['livenessProbe']?.httpGet).toEqual({ path: '/health/live', port: 'http' });
      expect(c['readinessProbe']?.httpGet).toEqual({ path: '/health/ready', port: 'http' });
      expect(c['startupProbe']?.httpGet).toEqual({ path: '/health/live', port: 'http' });
      // Start-up migrates, creates topics and joins the group: allow at least two minutes before liveness counts.
      expect(c['startupProbe'].periodSeconds * c['startupProbe'].failureThreshold).toBeGreaterThanOrEqual(120);
    });

    it('has requests and limits, with memory for the 200 MB RSS target, and a heap capped below the limit', () => {
      const { requests, limits } = container()['resources'] as Json;
      expect(requests?.cpu).toBeDefined();
      expect(limits?.cpu).toBeDefined();
      expect(bytes(requests.memory)).toBeGreaterThanOrEqual(200 * 2 ** 20);
      expect(bytes(limits.memory)).toBeGreaterThanOrEqual(bytes(requests.memory));
      const heap = /--max-old-space-size=(\d+)/.exec(
        environmentOf(objects, container(), podSpec())['NODE_OPTIONS'] ?? '',
      );
      expect(heap).not.toBeNull();
      expect(Number(heap?.[1]) * 2 ** 20).toBeLessThan(bytes(limits.memory));
    });

    it('runs V8 with the memory flags the image and scripts/stack.js use (ADR 49)', () => {
      const flagsOf = (options: string) => options.split(/\s+/).filter((flag) => MEMORY_FLAG.test(flag));
      const imageOptions = /NODE_OPTIONS="([^"]*)"/.exec(read('Dockerfile'))?.[1] ?? '';
      const podOptions = environmentOf(objects, container(), podSpec())['NODE_OPTIONS'] ?? '';
      expect(flagsOf(podOptions)).toEqual(STACK_NODE_FLAGS);
      expect(flagsOf(imageOptions)).toEqual(STACK_NODE_FLAGS);
    });

    it('runs as non-root on a read-only root filesystem, without privileges or capabilities, under seccomp', () => {
      const pod = podSpec();
      expect(pod['securityContext']).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod['securityContext'].runAsUser).toBeGreaterThan(0);
      expect(pod['automountServiceAccountToken']).toBe(false);
      expect(container()['securityContext']).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        privileged: false,
        capabilities: { drop: ['ALL'] },
      });
      const tmp = (container()['volumeMounts'] as Json[]).find((m) => m['mountPath'] === '/tmp');
      expect((pod['volumes'] as Json[]).find((v) => v['name'] === tmp?.['name'])?.['emptyDir']).toBeDefined();
    });

    it('gets every setting its configuration schema requires, and settings that fit together', () => {
      const env = environmentOf(objects, container(), podSpec());
      const scratch = mkdtempSync(join(tmpdir(), 'closeloop-k8s-'));
      try {
        // A file setting must name a key of a mounted ConfigMap or Secret; its content is checked against that.
        for (const [variable, value] of Object.entries(env).filter(([v]) => /_FILE$/.test(v))) {
          const content = mountedFile(objects, container(), podSpec(), value);
          expect(`${variable}=${value}: ${content === undefined ? 'not mounted' : 'mounted'}`).toBe(
            `${variable}=${value}: mounted`,
          );
          // Read from a scratch copy: a Secret's content (the brokers' CA) is the cluster's, not ours.
          if (content !== undefined) {
            const path = join(scratch, variable);
            writeFileSync(path, content === true ? '-----BEGIN CERTIFICATE-----\n' : content);
            env[variable] = path;
          }
        }
        const parsed = service.schema.safeParse(env);
        expect(
          parsed.success
            ? []
            : parsed.error.issues.map((i: { path: unknown[]; message: string }) => `${i.path.join('.')}: ${i.message}`),
        ).toEqual([]);
        if (name !== 'console') {
          expect(() => staffJwksOf(parsed.data)).not.toThrow();
          expect(kafkaSecurityOf(parsed.data).sasl).toMatchObject({
            mechanism: 'scram-sha-512',
            username: `closeloop-${name}`,
          });
        }
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    });

    it('never runs more instances than the partitions of the topics it consumes', () => {
      const hpa = named(objects, 'HorizontalPodAutoscaler', name);
      const partitions = service.consumes.map(
        ({ topic }) => topicSpecs().find((spec) => spec.name === topic)?.partitions as number,
      );
      if (partitions.length > 0) expect(hpa['spec'].maxReplicas).toBeLessThanOrEqual(Math.min(...partitions));
      expect(deployment()['spec'].replicas).toBeLessThanOrEqual(hpa['spec'].maxReplicas);
      expect(hpa['spec'].minReplicas).toBeLessThanOrEqual(hpa['spec'].maxReplicas);
      const lagGroups = (hpa['spec'].metrics as Json[])
        .filter((m) => m['type'] === 'External')
        .map((m) => {
          expect(m['external'].metric.name).toBe('closeloop_kafka_consumer_lag');
          return m['external'].metric.selector.matchLabels.group as string;
        });
      // Production scales every consumer on all of its groups' lag; the base only on CPU (no adapter assumed).
      expect(lagGroups).toEqual(variant === 'production' ? service.consumes.map((c) => c.group) : []);
    });

    it('is let in by a NetworkPolicy on its metrics port, from the monitoring namespace', () => {
      const labels = deployment()['spec'].template.metadata.labels;
      const policies = ofKind(objects, 'NetworkPolicy').filter((p) => selects(p['spec'].podSelector, labels));
      expect(policies.some((p) => p['metadata'].name === 'closeloop-default-deny')).toBe(true);
      const ingress = policies.flatMap((p) => (p['spec'].ingress ?? []) as Json[]);
      expect(ingress).toContainEqual({
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
        ports: [{ protocol: 'TCP', port: 'metrics' }],
      });
    });
  });

  it('lets the console reach every service’s HTTP port, and nothing else reach dispatch or sla-timer', () => {
    const policies = ofKind(objects, 'NetworkPolicy');
    const consoleLabels = named(objects, 'Deployment', 'console')['spec'].template.metadata.labels;
    const egressPorts = policies
      .filter((p) => selects(p['spec'].podSelector, consoleLabels))
      .flatMap((p) => (p['spec'].egress ?? []) as Json[])
      .flatMap((rule) => (rule['ports'] ?? []) as Json[])
      .map((p) => p['port']);
    for (const [name, { port }] of Object.entries(SERVICES))
      if (name !== 'console') expect(egressPorts).toContain(port);
    for (const internal of ['dispatch', 'sla-timer']) {
      const labels = named(objects, 'Deployment', internal)['spec'].template.metadata.labels;
      const sources = policies
        .filter((p) => selects(p['spec'].podSelector, labels))
        .flatMap((p) => (p['spec'].ingress ?? []) as Json[])
        .filter((rule) => (rule['ports'] as Json[]).some((p) => p['port'] === 'http'))
        .flatMap((rule) => rule['from'] as Json[]);
      expect(sources).toEqual([
        {
          podSelector: {
            matchLabels: { 'app.kubernetes.io/name': 'console', 'app.kubernetes.io/part-of': 'closeloop' },
          },
        },
      ]);
    }
  });

  it('carries deploy/prometheus/closeloop-rules.yml as a PrometheusRule, word for word', () => {
    const [rule] = ofKind(objects, 'PrometheusRule');
    expect(rule?.['spec']).toEqual(parseYaml(read('deploy/prometheus/closeloop-rules.yml'))[0]);
  });

  it('has Prometheus scrape every Service’s metrics port', () => {
    const [monitor] = ofKind(objects, 'ServiceMonitor');
    expect(monitor?.['spec'].endpoints).toEqual([expect.objectContaining({ port: 'metrics', path: '/metrics' })]);
    for (const service of ofKind(objects, 'Service')) {
      expect(matches(monitor?.['spec'].selector.matchLabels, service['metadata'].labels)).toBe(true);
      expect((service['spec'].ports as Json[]).map((p) => p['name'])).toContain('metrics');
    }
  });
});

describe('the in-repo kustomize renderer', () => {
  /** Renders a scratch folder holding these files (by name), and removes the folder whatever the outcome. */
  const renderFiles = (files: Record<string, string>) => {
    const dir = mkdtempSync(join(tmpdir(), 'closeloop-kustomize-'));
    try {
      for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
      return renderKustomization(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('refuses a kustomization field it does not render, rather than ignoring it', () => {
    expect(() =>
      renderFiles({
        'kustomization.yaml':
          'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\ncommonLabels: { a: b }\n',
      }),
    ).toThrow('the in-repo renderer does not support commonLabels');
  });

  it('refuses a file outside the kustomization’s folder, as kustomize does', () => {
    expect(() =>
      renderFiles({
        'kustomization.yaml':
          'kind: Kustomization\nconfigMapGenerator:\n  - name: x\n    files: [../../config/roster.json]\n',
      }),
    ).toThrow('lies outside the kustomization');
  });

  it('names a generated ConfigMap by its content, as kustomize 5 does, and renames the references to it', () => {
    const objects = renderFiles({
      'kustomization.yaml':
        'kind: Kustomization\nresources: [pod.yaml]\nconfigMapGenerator:\n  - name: x\n    literals: [A=b]\n',
      'pod.yaml':
        'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: d }\nspec:\n  template:\n    spec:\n      containers:\n        - name: c\n          envFrom: [{ configMapRef: { name: x } }]\n',
    });
    // `kubectl kustomize` (kustomize 5.5) names this ConfigMap x-b9t2424hkf.
    expect(named(objects, 'ConfigMap', 'x-b9t2424hkf')['data']).toEqual({ A: 'b' });
    expect(named(objects, 'Deployment', 'd')['spec'].template.spec.containers[0].envFrom).toEqual([
      { configMapRef: { name: 'x-b9t2424hkf' } },
    ]);
  });
});

describe('deploy/kubernetes/overlays/production', () => {
  const objects = rendered.production;

  it('runs two of everything in a namespace that enforces the restricted Pod Security Standard', () => {
    expect(named(objects, 'Namespace', 'closeloop')['metadata'].labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
    });
    for (const o of objects)
      if (o.kind !== 'Namespace') expect(`${key(o)} ${o.metadata.namespace}`).toMatch(/ closeloop$/);
    for (const deployment of ofKind(objects, 'Deployment')) {
      expect(deployment['spec'].replicas).toBeGreaterThanOrEqual(2);
      expect(named(objects, 'HorizontalPodAutoscaler', deployment['metadata'].name)['spec'].minReplicas).toBe(2);
      expect(deployment['spec'].template.spec.containers[0].image).toMatch(/^[\w.-]+\/closeloop\/[\w-]+:[\w.-]+$/);
    }
  });

  it('declares the contract’s topics with their partition counts (ensureTopics never changes an existing topic)', () => {
    const topics = ofKind(objects, 'KafkaTopic').map((t) => ({
      name: t['spec'].topicName as string,
      partitions: t['spec'].partitions as number,
    }));
    expect(topics.sort((a, b) => a.name.localeCompare(b.name))).toEqual(
      topicSpecs().sort((a, b) => a.name.localeCompare(b.name)),
    );
    for (const topic of ofKind(objects, 'KafkaTopic')) {
      expect(topic['metadata'].labels['strimzi.io/cluster']).toBe('closeloop-kafka');
      expect(topic['spec'].replicas).toBeGreaterThanOrEqual(3);
    }
    const kafka = named(objects, 'Kafka', 'closeloop-kafka');
    expect(kafka['spec'].kafka.config['auto.create.topics.enable']).toBe(false);
    expect(kafka['spec'].kafka.listeners).toContainEqual(
      expect.objectContaining({ port: 9093, tls: true, authentication: { type: 'scram-sha-512' } }),
    );
  });

  /** What deploy/kafka-production/services-acls.sh and add-integrator.sh grant, as "operation resource:name". */
  const expectedAcls = (user: string): string[] => {
    const six = topicSpecs().map((t) => t.name);
    if (user.startsWith('integrator-')) return ['Describe topic:workorders.intake', 'Write topic:workorders.intake'];
    const service = user.replace(/^closeloop-/, '');
    const acls = six.flatMap((t) => [`Describe topic:${t}`, `Create topic:${t}`]);
    for (const { topic, group } of SERVICES[service]?.consumes ?? [])
      acls.push(`Read topic:${topic}`, `Read group:${group}`, `Write topic:${topic}.dlq`);
    if (service !== 'query') acls.push('Write topic:workorders.events');
    if (service === 'sla-timer') acls.push('Write topic:workorders.commands');
    return acls.sort();
  };

  it('gives each service and integrator a SCRAM user with exactly deploy/kafka-production’s ACLs', () => {
    const script = read('deploy/kafka-production/services-acls.sh');
    expect(script).toContain('for service in intake dispatch sla-timer notification query; do');
    expect(read('deploy/kafka-production/add-integrator.sh')).toMatch(/allow "\$user" Write --topic "\$topic"/);
    const users = ofKind(objects, 'KafkaUser');
    expect(users.map((u) => u['metadata'].name).sort()).toEqual(
      [
        ...Object.keys(SERVICES)
          .filter((s) => s !== 'console')
          .map((s) => `closeloop-${s}`),
        'integrator-hotline',
      ].sort(),
    );
    for (const user of users) {
      expect(user['spec'].authentication).toEqual({ type: 'scram-sha-512' });
      const acls = (user['spec'].authorization.acls as Json[]).flatMap((acl) => {
        expect(acl['resource'].patternType).toBe('literal');
        return (acl['operations'] as string[]).map((op) => `${op} ${acl['resource'].type}:${acl['resource'].name}`);
      });
      expect({ user: user['metadata'].name, acls: acls.sort() }).toEqual({
        user: user['metadata'].name,
        acls: expectedAcls(user['metadata'].name),
      });
    }
  });

  it('reads each service’s Kafka password from the Secret Strimzi writes for its user', () => {
    for (const name of Object.keys(SERVICES).filter((s) => s !== 'console')) {
      const env = named(objects, 'Deployment', name)['spec'].template.spec.containers[0].env as Json[];
      expect(env.find((e) => e['name'] === 'KAFKA_SASL_PASSWORD')?.['valueFrom']).toEqual({
        secretKeyRef: { name: `closeloop-${name}`, key: 'password' },
      });
    }
  });

  it('has the metrics adapter serve the External metric the autoscalers ask for, each partition counted once', () => {
    const values = parseYaml(read('deploy/kubernetes/prometheus-adapter/values.yaml'))[0] as unknown as Json;
    const [rule] = values['rules'].external as Json[];
    expect(rule?.['name']).toEqual({ as: 'closeloop_kafka_consumer_lag' });
    expect(rule?.['seriesQuery']).toMatch(/^closeloop_kafka_consumer_lag\{/);
    expect(rule?.['metricsQuery']).toContain('max by (<<.GroupBy>>, group, topic, partition)');
    expect(rule?.['resources']).toEqual({ overrides: { namespace: { resource: 'namespace' } } });
  });

  it('runs PostgreSQL on CloudNativePG, whose app Secret is every service’s DATABASE_URL, with separate maintenance roles', () => {
    const cluster = named(objects, 'Cluster', 'closeloop-db');
    expect(cluster['spec'].instances).toBeGreaterThanOrEqual(3);
    expect(cluster['spec'].imageName).toMatch(/postgresql:15/);
    expect(cluster['spec'].bootstrap.initdb).toEqual({ database: 'closeloop', owner: 'closeloop' });
    const roles = (cluster['spec'].managed.roles as Json[]).map((r) => r['name']);
    expect(roles).toEqual(['closeloop_maintenance', 'closeloop_readonly']);
    for (const deployment of ofKind(objects, 'Deployment')) {
      const env = deployment['spec'].template.spec.containers[0].env as Json[];
      expect(env.find((e) => e['name'] === 'DATABASE_URL')?.['valueFrom']).toEqual({
        secretKeyRef: { name: 'closeloop-db-app', key: 'uri' },
      });
    }
  });
});

// ── helpers ──

function selects(selector: Json, labels: Record<string, string>): boolean {
  if (!matches(selector['matchLabels'] ?? {}, labels)) return false;
  return ((selector['matchExpressions'] ?? []) as Json[]).every((e) =>
    e['operator'] === 'In' ? (e['values'] as string[]).includes(labels[e['key']] as string) : false,
  );
}

/** A sample value for a variable the cluster fills from a Secret, of the shape that Secret holds. */
const fromSecret = (variable: string, ref: Json): string => {
  if (ref['name'] === 'closeloop-db-app' && ref['key'] === 'uri')
    return 'postgresql://closeloop:password@closeloop-db-rw.closeloop:5432/closeloop';
  return `${variable.toLowerCase()}-`.padEnd(48, 'x');
};

/** The container's environment as the kubelet builds it: envFrom ConfigMaps, then env with $(VAR) expanded. */
function environmentOf(objects: K8sObject[], container: Json, pod: Json): Record<string, string> {
  void pod;
  const env: Record<string, string> = {};
  for (const source of (container['envFrom'] ?? []) as Json[]) {
    const configMap = named(objects, 'ConfigMap', source['configMapRef'].name);
    Object.assign(env, configMap['data']);
  }
  for (const variable of (container['env'] ?? []) as Json[]) {
    const from = variable['valueFrom'] as Json | undefined;
    if (from?.['secretKeyRef']) env[variable['name']] = fromSecret(variable['name'], from['secretKeyRef']);
    else if (from?.['fieldRef']) env[variable['name']] = 'closeloop-pod-0';
    else if (from?.['configMapKeyRef'])
      env[variable['name']] = named(objects, 'ConfigMap', from['configMapKeyRef'].name)['data'][
        from['configMapKeyRef'].key
      ];
    else
      env[variable['name']] = String(variable['value'] ?? '').replace(
        /\$\((\w+)\)/g,
        (_, name: string) => env[name] ?? '',
      );
  }
  return env;
}

/** The content of a file a container would see at `path`, from a mounted ConfigMap (or true for a Secret's key). */
function mountedFile(objects: K8sObject[], container: Json, pod: Json, path: string): string | true | undefined {
  for (const mount of (container['volumeMounts'] ?? []) as Json[]) {
    if (!path.startsWith(`${mount['mountPath']}/`)) continue;
    const file = path.slice(mount['mountPath'].length + 1);
    const volume = (pod['volumes'] as Json[]).find((v) => v['name'] === mount['name']);
    if (volume?.['configMap']) return named(objects, 'ConfigMap', volume['configMap'].name)['data'][file];
    if (volume?.['secret']) {
      const items = (volume['secret'].items ?? []) as Json[];
      return items.some((item) => item['path'] === file) ? true : undefined;
    }
  }
  return undefined;
}
