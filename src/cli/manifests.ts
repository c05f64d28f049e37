import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { V1PodSpec } from '@kubernetes/client-node';
import { InputError, type ManifestPod } from '../model/index.ts';
import { checkInputSize, listProblems, parseYamlDocuments } from '../model/yaml-documents.ts';
import { parseQuantity } from '../model/quantity.ts';

/**
 * Kubernetes manifests to the pods they would run: a Pod's spec, or the pod
 * template of a workload. Every problem names the document, the object and
 * the field, and all problems of a file are reported together.
 */

/** Where each kind keeps its pod spec. */
const POD_SPEC_PATH: Readonly<Record<string, readonly string[]>> = {
  Pod: ['spec'],
  PodTemplate: ['template', 'spec'],
  Deployment: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

const RESOURCE_FIELDS = ['limits', 'requests', 'claims'];

/**
 * Reads a file, or stdin for `-`, refusing more than YAML_LIMITS.maxBytes
 * before holding it: a huge input is one clear error, not a full memory.
 */
export function readInput(file: string): { text: string; source: string } {
  const source = file === '-' ? 'stdin' : file;
  let fd: number | undefined;
  try {
    fd = file === '-' ? 0 : openSync(file, 'r');
    if (fd !== 0) {
      const stat = fstatSync(fd);
      if (stat.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      checkInputSize(stat.size, source);
    }
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(64 * 1024);
      let n: number;
      try {
        n = readSync(fd, chunk, 0, chunk.length, null);
      } catch (err) {
        // A non-blocking stdin pipe with nothing yet: wait a moment and read again.
        if (err instanceof Error && 'code' in err && err.code === 'EAGAIN') {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
          continue;
        }
        throw err;
      }
      if (n === 0) break;
      total += n;
      checkInputSize(total, source); // a file growing while read, or stdin
      chunks.push(chunk.subarray(0, n));
    }
    return { text: Buffer.concat(chunks).toString('utf8'), source };
  } catch (err) {
    if (err instanceof InputError) throw err;
    const code = err instanceof Error && 'code' in err ? String(err.code) : '';
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : 'cannot be read';
    throw new InputError(`${why}${code && why === 'cannot be read' ? ` (${code})` : ''}`, { source });
  } finally {
    if (fd !== undefined && fd !== 0) closeSync(fd);
  }
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return isMap(v) ? 'a map' : JSON.stringify(v);
}

function stringMap(v: unknown): Record<string, string> {
  if (!isMap(v)) return {};
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}

/** Checks a `resources` block: known fields only, and quantities that parse. */
function checkResources(resources: unknown, field: string, problems: string[]): void {
  if (resources === undefined || resources === null) return;
  if (!isMap(resources)) {
    problems.push(`${field}: expected a map with limits and requests, got ${show(resources)}`);
    return;
  }
  for (const key of Object.keys(resources)) {
    if (!RESOURCE_FIELDS.includes(key)) {
      problems.push(`${field}.${key}: unknown field (expected ${RESOURCE_FIELDS.join(', ')})`);
    }
  }
  for (const key of ['limits', 'requests']) checkQuantities(resources[key], `${field}.${key}`, problems);
}

function checkQuantities(list: unknown, field: string, problems: string[]): void {
  if (list === undefined || list === null) return;
  if (!isMap(list)) {
    problems.push(`${field}: expected a map of resource name to quantity, got ${show(list)}`);
    return;
  }
  for (const [name, value] of Object.entries(list)) {
    try {
      if (typeof value !== 'string' && typeof value !== 'number') {
        throw new InputError(`expected a quantity such as 500m, 2 or 1.5Gi, got ${show(value)}`);
      }
      parseQuantity(value, name, { field: '' });
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      problems.push(`${field}.${name}: ${err.message}`);
    }
  }
}

function checkContainers(list: unknown, field: string, required: boolean, problems: string[]): void {
  if (list === undefined && !required) return;
  if (!Array.isArray(list) || (required && list.length === 0)) {
    problems.push(`${field}: expected a list of at least one container, got ${show(list)}`);
    return;
  }
  list.forEach((c, i) => {
    if (!isMap(c)) problems.push(`${field}[${i}]: expected a container, got ${show(c)}`);
    else checkResources(c.resources, `${field}[${i}].resources`, problems);
  });
}

/** The problems of one pod spec, each starting with its full path. */
function checkPodSpec(spec: unknown, path: string): string[] {
  const problems: string[] = [];
  if (!isMap(spec)) return [`${path}: expected a pod spec, got ${show(spec)}`];
  checkContainers(spec.containers, `${path}.containers`, true, problems);
  checkContainers(spec.initContainers, `${path}.initContainers`, false, problems);
  checkResources(spec.resources, `${path}.resources`, problems);
  checkQuantities(spec.overhead, `${path}.overhead`, problems);
  return problems;
}

/** Workload objects found in manifests, and the objects that run no pod (a note, not an error). */
export interface Workloads {
  pods: ManifestPod[];
  /** e.g. `Service/web (quote.yaml document 3)`. */
  skipped: string[];
}

/** Pods a workload runs at once: its replicas (a Job: its parallelism), 1 when unset. */
function replicasOf(kind: string, value: Record<string, unknown>): number {
  let spec: unknown = value.spec;
  if (kind === 'CronJob') spec = isMap(spec) && isMap(spec.jobTemplate) ? spec.jobTemplate.spec : undefined;
  if (!isMap(spec) || kind === 'Pod' || kind === 'PodTemplate') return 1;
  const n = kind === 'Job' || kind === 'CronJob' ? spec.parallelism : spec.replicas;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : 1;
}

function extractOne(value: unknown, where: string, out: Workloads, problems: string[]): void {
  if (!isMap(value)) {
    problems.push(`${where}: expected a Kubernetes object, got ${show(value)}`);
    return;
  }
  const kind = typeof value.kind === 'string' ? value.kind : undefined;
  const metadata = isMap(value.metadata) ? value.metadata : {};
  const rawName = metadata.name ?? metadata.generateName;
  const name = typeof rawName === 'string' && rawName !== '' ? rawName : '(unnamed)';
  if (kind === undefined) {
    problems.push(
      `${where}: ${name}: kind: expected a Kubernetes kind such as Pod or Deployment, got ${show(value.kind)}`,
    );
    return;
  }
  const object = `${kind}/${name}`;
  if (kind === 'List') {
    if (!Array.isArray(value.items)) {
      problems.push(`${where}: ${object}: items: expected a list, got ${show(value.items)}`);
      return;
    }
    value.items.forEach((item, i) => {
      extractOne(item, `${where} item ${i + 1}`, out, problems);
    });
    return;
  }
  const path = POD_SPEC_PATH[kind];
  if (!path) {
    // `helm template` output holds Services, ConfigMaps and the like: they run no pod.
    out.skipped.push(`${object} (${where})`);
    return;
  }
  let spec: unknown = value;
  for (const key of path) spec = isMap(spec) ? spec[key] : undefined;
  const specPath = path.join('.');
  const specProblems = checkPodSpec(spec, specPath);
  for (const p of specProblems) problems.push(`${where}: ${object}: ${p}`);
  if (specProblems.length > 0) return;

  // The template's own metadata sits next to its spec.
  let template: unknown = value;
  for (const key of path.slice(0, -1)) template = isMap(template) ? template[key] : undefined;
  const templateMeta = isMap(template) && kind !== 'Pod' ? template.metadata : undefined;
  out.pods.push({
    where,
    kind,
    name,
    replicas: replicasOf(kind, value),
    namespace: typeof metadata.namespace === 'string' ? metadata.namespace : 'default',
    object,
    specPath,
    spec: spec as V1PodSpec, // checked above: a map with containers whose resources parse
    annotations: {
      ...stringMap(metadata.annotations),
      ...stringMap(isMap(templateMeta) ? templateMeta.annotations : undefined),
    },
  });
}

/**
 * Every workload the manifests hold, in file order, and what runs no pod.
 * Throws one InputError listing every problem, e.g. `pods.yaml document 2:
 * Pod/web: spec.containers[0].resources.requests.cpu: ...`.
 */
export function extractWorkloads(text: string, source: string): Workloads {
  const found: Workloads = { pods: [], skipped: [] };
  const problems: string[] = [];
  let objects = 0;
  for (const { where, value, errors } of parseYamlDocuments(text, source)) {
    if (errors.length > 0) {
      for (const e of errors) problems.push(`${where}: ${e}`);
      continue;
    }
    if (value === null || value === undefined) continue; // an empty document, e.g. after a trailing ---
    objects++;
    extractOne(value, where, found, problems);
  }
  if (problems.length === 0 && objects === 0) {
    throw new InputError('no Kubernetes objects found (the file is empty)', { source });
  }
  if (problems.length > 0) {
    throw new InputError(listProblems(problems), { source });
  }
  if (found.pods.length === 0) {
    throw new InputError(
      `no workload to quote (expected one of ${Object.keys(POD_SPEC_PATH).join(', ')}); found only ${found.skipped.join(', ')}`,
      { source },
    );
  }
  return found;
}

/** The workloads' pods alone (see extractWorkloads). */
export function extractPods(text: string, source: string): ManifestPod[] {
  return extractWorkloads(text, source).pods;
}
