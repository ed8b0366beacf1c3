import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

/**
 * A renderer for the part of kustomize that deploy/kubernetes uses, so `npm test` renders the manifests on a machine
 * without kubectl. Where kubectl is installed, tools/kubernetes.unit.spec.ts also renders with `kubectl kustomize`
 * and requires the same objects, field for field. A field this renderer does not know stops it with a message,
 * rather than rendering something kustomize would not. Patches are strategic-merge patches, whose lists merge by the
 * keys kustomize uses; where a patch changes items already in a list, kustomize may order them differently (the
 * comparison with kubectl shows it), so patches here add or replace whole fields.
 */
export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
};

type Json = Record<string, unknown>;

interface Generated {
  readonly name: string;
  data: Record<string, string>;
}

interface Rendered {
  readonly objects: K8sObject[];
  /** Generated ConfigMaps, by their name before the content hash is added. */
  readonly configMaps: Generated[];
}

const SUPPORTED = new Set([
  'apiVersion',
  'kind',
  'resources',
  'namespace',
  'configMapGenerator',
  'images',
  'replicas',
  'patches',
]);

/** Kinds that have no namespace; kustomize leaves them without one. */
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition']);

const fail = (where: string, message: string): never => {
  throw new Error(`${where}: ${message}`);
};

const documentsOf = (file: string): unknown[] =>
  parseAllDocuments(readFileSync(file, 'utf8')).map((document) => {
    if (document.errors.length > 0) fail(file, document.errors.map((e) => e.message).join('; '));
    return document.toJS();
  });

const objectsOf = (file: string): K8sObject[] =>
  documentsOf(file)
    .filter((document) => document !== null && document !== undefined)
    .map((document) => {
      const object = document as K8sObject;
      if (!object.apiVersion || !object.kind || !object.metadata?.name)
        fail(file, 'every document needs apiVersion, kind and metadata.name');
      return object;
    });

const kustomizationIn = (dir: string): Json => {
  const file = join(dir, 'kustomization.yaml');
  if (!existsSync(file)) fail(dir, 'has no kustomization.yaml');
  const [kustomization] = documentsOf(file) as Json[];
  const unknown = Object.keys(kustomization ?? {}).filter((key) => !SUPPORTED.has(key));
  if (unknown.length > 0) fail(file, `the in-repo renderer does not support ${unknown.join(', ')}`);
  if (kustomization?.['kind'] !== 'Kustomization') fail(file, 'kind must be Kustomization');
  return kustomization as Json;
};

/** A file a kustomization reads must lie under its folder, as kustomize's default load restrictor requires. */
const fileUnder = (dir: string, relative: string): string => {
  const path = resolve(dir, relative);
  if (!path.startsWith(resolve(dir) + '/')) fail(dir, `${relative} lies outside the kustomization's folder`);
  if (!existsSync(path)) fail(dir, `${relative} does not exist`);
  return path;
};

// ── configMapGenerator ──

const generate = (dir: string, spec: Json, into: Generated[]): void => {
  const name = spec['name'] as string;
  const data: Record<string, string> = {};
  for (const entry of (spec['files'] ?? []) as string[]) {
    const [key, path] = entry.includes('=') ? (entry.split('=', 2) as [string, string]) : [basename(entry), entry];
    data[key] = readFileSync(fileUnder(dir, path), 'utf8');
  }
  for (const literal of (spec['literals'] ?? []) as string[]) {
    const at = literal.indexOf('=');
    if (at < 1) fail(dir, `configMapGenerator ${name}: literal ${literal} is not KEY=VALUE`);
    data[literal.slice(0, at)] = literal.slice(at + 1);
  }
  const unknown = Object.keys(spec).filter((key) => !['name', 'files', 'literals', 'behavior'].includes(key));
  if (unknown.length > 0) fail(dir, `configMapGenerator ${name}: ${unknown.join(', ')} not supported`);
  const behavior = (spec['behavior'] as string | undefined) ?? 'create';
  const existing = into.find((generated) => generated.name === name);
  if (behavior === 'create') {
    if (existing) fail(dir, `configMapGenerator ${name} exists already (use behavior: merge or replace)`);
    into.push({ name, data });
  } else if (behavior === 'merge' || behavior === 'replace') {
    if (!existing) fail(dir, `configMapGenerator ${name}: nothing to ${behavior}`);
    else existing.data = behavior === 'merge' ? { ...existing.data, ...data } : data;
  } else fail(dir, `configMapGenerator ${name}: behavior ${behavior} not supported`);
};

/** Go's encoding/json: keys sorted, and <, >, &, U+2028 and U+2029 escaped. */
const goJson = (value: unknown): string => {
  const sorted = (v: unknown): unknown =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v as Json)
            .sort()
            .map((k) => [k, sorted((v as Json)[k])]),
        )
      : v;
  return JSON.stringify(sorted(value)).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
};

/**
 * kustomize's name suffix for a generated ConfigMap (api/hasher): ten hex digits of a SHA-256, vowels avoided. The
 * encoding's name is empty in kustomize 5 (found by comparing with `kubectl kustomize`), so only the data counts.
 */
export const configMapHash = (data: Record<string, string>): string => {
  const hex = createHash('sha256')
    .update(goJson({ kind: 'ConfigMap', name: '', data }))
    .digest('hex');
  const swap: Record<string, string> = { '0': 'g', '1': 'h', '3': 'k', a: 'm', e: 't' };
  return [...hex.slice(0, 10)].map((c) => swap[c] ?? c).join('');
};

// ── patches ──

/** The keys kustomize's strategic merge uses to match list items, by the list's field name. */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  ports: 'containerPort',
};

const strategicMerge = (target: unknown, patch: unknown, field = ''): unknown => {
  if (Array.isArray(patch)) {
    const key = MERGE_KEYS[field];
    if (!key || !Array.isArray(target)) return patch;
    const merged = [...target] as Json[];
    for (const item of patch as Json[]) {
      const at = merged.findIndex((existing) => existing[key] === item[key]);
      if (at >= 0) merged[at] = strategicMerge(merged[at], item) as Json;
      else merged.push(item);
    }
    return merged;
  }
  if (patch && typeof patch === 'object') {
    if ('$patch' in (patch as Json)) fail('patch', '$patch directives are not supported');
    const base = (target && typeof target === 'object' && !Array.isArray(target) ? target : {}) as Json;
    const merged: Json = { ...base };
    for (const [key, value] of Object.entries(patch as Json)) {
      if (value === null) delete merged[key];
      else merged[key] = strategicMerge(base[key], value, key);
    }
    return merged;
  }
  return patch;
};

const patch = (dir: string, spec: Json, objects: K8sObject[]): K8sObject[] => {
  const file = fileUnder(dir, spec['path'] as string);
  if (spec['target'] !== undefined) fail(file, 'patches with a target (JSON patches) are not supported');
  let result = objects;
  for (const document of documentsOf(file).filter((d) => d !== null && d !== undefined)) {
    if (Array.isArray(document)) fail(file, 'JSON patches are not supported; write a strategic-merge patch');
    const partial = document as K8sObject;
    const at = result.findIndex((o) => o.kind === partial.kind && o.metadata.name === partial.metadata?.name);
    if (at < 0) fail(file, `no ${partial.kind} ${partial.metadata?.name} to patch`);
    result = result.map((object, i) => (i === at ? (strategicMerge(object, partial) as K8sObject) : object));
  }
  return result;
};

// ── the pod templates' containers, for images and ConfigMap references ──

const podSpecOf = (object: K8sObject): Json | undefined =>
  ((object['spec'] as Json | undefined)?.['template'] as Json | undefined)?.['spec'] as Json | undefined;

const containersOf = (object: K8sObject): Json[] => {
  const spec = podSpecOf(object);
  return spec ? [...((spec['initContainers'] ?? []) as Json[]), ...((spec['containers'] ?? []) as Json[])] : [];
};

const setImages = (images: Json[], objects: K8sObject[]): void => {
  for (const image of images) {
    for (const container of objects.flatMap(containersOf)) {
      const current = container['image'] as string;
      const name = current.replace(/[@:][^/]*$/, '');
      if (name !== image['name']) continue;
      const tag = image['digest']
        ? `@${image['digest'] as string}`
        : image['newTag']
          ? `:${image['newTag'] as string}`
          : '';
      container['image'] = `${(image['newName'] as string | undefined) ?? name}${tag}`;
    }
  }
};

const renameConfigMapReferences = (objects: K8sObject[], names: Map<string, string>): void => {
  const renamed = (name: unknown) => (typeof name === 'string' ? (names.get(name) ?? name) : name);
  for (const object of objects) {
    for (const volume of (podSpecOf(object)?.['volumes'] ?? []) as Json[]) {
      const configMap = volume['configMap'] as Json | undefined;
      if (configMap) configMap['name'] = renamed(configMap['name']);
    }
    for (const container of containersOf(object)) {
      for (const source of (container['envFrom'] ?? []) as Json[]) {
        const ref = source['configMapRef'] as Json | undefined;
        if (ref) ref['name'] = renamed(ref['name']);
      }
      for (const variable of (container['env'] ?? []) as Json[]) {
        const ref = (variable['valueFrom'] as Json | undefined)?.['configMapKeyRef'] as Json | undefined;
        if (ref) ref['name'] = renamed(ref['name']);
      }
    }
  }
};

// ── the kustomization ──

const renderRaw = (dir: string): Rendered => {
  const kustomization = kustomizationIn(dir);
  let objects: K8sObject[] = [];
  const configMaps: Generated[] = [];
  for (const entry of (kustomization['resources'] ?? []) as string[]) {
    const path = resolve(dir, entry);
    if (!existsSync(path)) fail(dir, `resource ${entry} does not exist`);
    if (statSync(path).isDirectory()) {
      const inner = renderRaw(path);
      objects.push(...inner.objects);
      configMaps.push(...inner.configMaps);
    } else objects.push(...objectsOf(fileUnder(dir, entry)));
  }
  for (const spec of (kustomization['configMapGenerator'] ?? []) as Json[]) generate(dir, spec, configMaps);
  for (const spec of (kustomization['patches'] ?? []) as Json[]) objects = patch(dir, spec, objects);
  const namespace = kustomization['namespace'] as string | undefined;
  if (namespace) {
    for (const object of objects)
      if (!CLUSTER_SCOPED.has(object.kind)) object.metadata = { ...object.metadata, namespace };
  }
  setImages((kustomization['images'] ?? []) as Json[], objects);
  for (const { name, count } of (kustomization['replicas'] ?? []) as { name: string; count: number }[]) {
    const target = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === name);
    if (!target) fail(dir, `replicas: no Deployment ${name}`);
    else (target['spec'] as Json)['replicas'] = count;
  }
  return { objects, configMaps: namespace ? configMaps.map((c) => ({ ...c, namespace })) : configMaps };
};

/** The objects `kubectl kustomize <dir>` prints, in no particular order. */
export const renderKustomization = (dir: string): K8sObject[] => {
  const { objects, configMaps } = renderRaw(dir);
  const names = new Map(configMaps.map(({ name, data }) => [name, `${name}-${configMapHash(data)}`]));
  renameConfigMapReferences(objects, names);
  const generated = configMaps.map((configMap) => {
    const namespace = (configMap as Generated & { namespace?: string }).namespace;
    return {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: names.get(configMap.name) as string, ...(namespace ? { namespace } : {}) },
      data: configMap.data,
    } as K8sObject;
  });
  return [...generated, ...objects];
};

/** The generated ConfigMaps' sources, for checking that every file a kustomization names exists. */
export const kustomizationFiles = (dir: string): string[] => {
  const kustomization = kustomizationIn(dir);
  const files: string[] = [];
  for (const entry of (kustomization['resources'] ?? []) as string[]) {
    const path = resolve(dir, entry);
    files.push(...(existsSync(path) && statSync(path).isDirectory() ? kustomizationFiles(path) : [path]));
  }
  for (const spec of (kustomization['configMapGenerator'] ?? []) as Json[])
    for (const entry of (spec['files'] ?? []) as string[]) files.push(resolve(dir, entry.split('=').pop() as string));
  for (const spec of (kustomization['patches'] ?? []) as Json[]) files.push(resolve(dir, spec['path'] as string));
  return files;
};
