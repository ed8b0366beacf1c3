// Checks Kubernetes objects against the API's OpenAPI schemas, through kubernetes-models (and its
// prometheus-operator package for ServiceMonitor and PrometheusRule). The packages are ES modules only, which Jest's
// CommonJS run cannot load, so tools/kubernetes.unit.spec.ts runs this script, which loads them with import():
// objects as a JSON array on stdin, and on stdout one JSON object
// { problems: ["Kind/name: message"], unknownKinds: ["apiVersion Kind"] }.
//
// The schemas, like the API's, let unknown fields through, so a misspelt `readinesProbe` would pass them. For the
// parts of the objects we write most, this also refuses a field the schema does not name, reading the field names
// off the generated validators (each checks `void 0!==data.<field>` for every field it knows).
const { readFileSync } = require('node:fs');
const { dirname, join } = require('node:path');

const SCHEMAS = join(dirname(require.resolve('kubernetes-models/package.json')), '_schemas');
const META = join(dirname(require.resolve('@kubernetes-models/apimachinery/package.json')), '_schemas');

/** The schema of each path we check, by kind; `[]` stands for every item of a list. */
const POD = {
  'spec.template': 'IoK8sApiCoreV1PodTemplateSpec',
  'spec.template.metadata': 'IoK8sApimachineryPkgApisMetaV1ObjectMeta',
  'spec.template.spec': 'IoK8sApiCoreV1PodSpec',
  'spec.template.spec.securityContext': 'IoK8sApiCoreV1PodSecurityContext',
  'spec.template.spec.volumes[]': 'IoK8sApiCoreV1Volume',
  'spec.template.spec.topologySpreadConstraints[]': 'IoK8sApiCoreV1TopologySpreadConstraint',
  'spec.template.spec.containers[]': 'IoK8sApiCoreV1Container',
  'spec.template.spec.containers[].securityContext': 'IoK8sApiCoreV1SecurityContext',
  'spec.template.spec.containers[].resources': 'IoK8sApiCoreV1ResourceRequirements',
  'spec.template.spec.containers[].livenessProbe': 'IoK8sApiCoreV1Probe',
  'spec.template.spec.containers[].readinessProbe': 'IoK8sApiCoreV1Probe',
  'spec.template.spec.containers[].startupProbe': 'IoK8sApiCoreV1Probe',
  'spec.template.spec.containers[].lifecycle': 'IoK8sApiCoreV1Lifecycle',
  'spec.template.spec.containers[].env[]': 'IoK8sApiCoreV1EnvVar',
  'spec.template.spec.containers[].envFrom[]': 'IoK8sApiCoreV1EnvFromSource',
  'spec.template.spec.containers[].ports[]': 'IoK8sApiCoreV1ContainerPort',
  'spec.template.spec.containers[].volumeMounts[]': 'IoK8sApiCoreV1VolumeMount',
};
const FIELDS_CHECKED = {
  Deployment: { '': 'IoK8sApiAppsV1Deployment', spec: 'IoK8sApiAppsV1DeploymentSpec', ...POD },
  Service: {
    '': 'IoK8sApiCoreV1Service',
    spec: 'IoK8sApiCoreV1ServiceSpec',
    'spec.ports[]': 'IoK8sApiCoreV1ServicePort',
  },
  PodDisruptionBudget: { '': 'IoK8sApiPolicyV1PodDisruptionBudget', spec: 'IoK8sApiPolicyV1PodDisruptionBudgetSpec' },
  HorizontalPodAutoscaler: {
    '': 'IoK8sApiAutoscalingV2HorizontalPodAutoscaler',
    spec: 'IoK8sApiAutoscalingV2HorizontalPodAutoscalerSpec',
    'spec.metrics[]': 'IoK8sApiAutoscalingV2MetricSpec',
    'spec.behavior': 'IoK8sApiAutoscalingV2HorizontalPodAutoscalerBehavior',
  },
  NetworkPolicy: {
    '': 'IoK8sApiNetworkingV1NetworkPolicy',
    spec: 'IoK8sApiNetworkingV1NetworkPolicySpec',
    'spec.ingress[]': 'IoK8sApiNetworkingV1NetworkPolicyIngressRule',
    'spec.egress[]': 'IoK8sApiNetworkingV1NetworkPolicyEgressRule',
    'spec.ingress[].from[]': 'IoK8sApiNetworkingV1NetworkPolicyPeer',
    'spec.egress[].to[]': 'IoK8sApiNetworkingV1NetworkPolicyPeer',
  },
  ConfigMap: { '': 'IoK8sApiCoreV1ConfigMap' },
  Namespace: { '': 'IoK8sApiCoreV1Namespace' },
};

const fieldCache = new Map();
const fieldsOf = (schema) => {
  if (!fieldCache.has(schema)) {
    const file = join(schema.startsWith('IoK8sApimachinery') ? META : SCHEMAS, `${schema}.js`);
    const fields = new Set(
      [...readFileSync(file, 'utf8').matchAll(/void 0!==data\.([A-Za-z$_][\w$]*)/g)].map((m) => m[1]),
    );
    if (fields.size === 0) throw new Error(`no fields found in ${file}`);
    fieldCache.set(schema, fields);
  }
  return fieldCache.get(schema);
};

/** Fields the schema of their place does not name, as "path.field". */
const unknownFields = (value, paths, path = '', at = '') => {
  if (Array.isArray(value)) return value.flatMap((item, i) => unknownFields(item, paths, `${path}[]`, `${at}[${i}]`));
  if (!value || typeof value !== 'object') return [];
  const schema = paths[path];
  const found = [];
  for (const [field, inner] of Object.entries(value)) {
    const where = at ? `${at}.${field}` : field;
    if (schema && !fieldsOf(schema).has(field)) found.push(`${where} is not a field of ${schema}`);
    found.push(...unknownFields(inner, paths, path ? `${path}.${field}` : field, where));
  }
  return found;
};

const MODULES = {
  v1: 'kubernetes-models/v1',
  'apps/v1': 'kubernetes-models/apps/v1',
  'policy/v1': 'kubernetes-models/policy/v1',
  'autoscaling/v2': 'kubernetes-models/autoscaling/v2',
  'networking.k8s.io/v1': 'kubernetes-models/networking.k8s.io/v1',
  'batch/v1': 'kubernetes-models/batch/v1',
  'monitoring.coreos.com/v1': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1',
};

const main = async () => {
  const objects = JSON.parse(readFileSync(0, 'utf8'));
  const problems = [];
  const unknownKinds = new Set();
  for (const object of objects) {
    const module = MODULES[object.apiVersion];
    const Model = module ? (await import(module))[object.kind] : undefined;
    if (!Model) {
      unknownKinds.add(`${object.apiVersion} ${object.kind}`);
      continue;
    }
    const where = `${object.kind}/${object.metadata && object.metadata.name}`;
    try {
      new Model(object).validate();
    } catch (error) {
      problems.push(`${where}: ${error.message}`);
    }
    for (const problem of unknownFields(object, FIELDS_CHECKED[object.kind] || {}))
      problems.push(`${where}: ${problem}`);
  }
  process.stdout.write(JSON.stringify({ problems, unknownKinds: [...unknownKinds].sort() }));
};

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
