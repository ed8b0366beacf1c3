// Checks Kubernetes objects against the API's OpenAPI schemas, through kubernetes-models (and its
// prometheus-operator package for ServiceMonitor and PrometheusRule). The packages are ES modules only, which Jest's
// CommonJS run cannot load, so tools/kubernetes.unit.spec.ts runs this script, which loads them with import():
// objects as a JSON array on stdin, and on stdout one JSON object
// { problems: ["Kind/name: message"], unknownKinds: ["apiVersion Kind"] }.
const { readFileSync } = require('node:fs');

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
    try {
      new Model(object).validate();
    } catch (error) {
      problems.push(`${object.kind}/${object.metadata && object.metadata.name}: ${error.message}`);
    }
  }
  process.stdout.write(JSON.stringify({ problems, unknownKinds: [...unknownKinds].sort() }));
};

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
