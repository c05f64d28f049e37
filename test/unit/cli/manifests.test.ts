import { describe, expect, it } from 'vitest';
import { extractPods, extractWorkloads } from '../../../src/cli/manifests.ts';
import { inputErrorOf } from '../../fixtures/input-error.ts';

const containers = '      containers:\n        - name: c\n          resources: {requests: {cpu: 500m}}\n';

const errorOf = (text: string): string => inputErrorOf(() => extractPods(text, 'm.yaml')).message;

describe('extractPods', () => {
  it('finds the pod spec of every workload kind', () => {
    const text = [
      'apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: ns}\nspec:\n  containers: [{name: c}]',
      `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: b}\nspec:\n  template:\n    metadata: {annotations: {berth.dev/policy: ci-burst}}\n    spec:\n${containers}`,
      `apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: c}\nspec:\n  template:\n    spec:\n${containers}`,
      `apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n${containers}`,
      `apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: e}\nspec:\n  template:\n    spec:\n${containers}`,
      `apiVersion: batch/v1\nkind: Job\nmetadata: {name: f}\nspec:\n  template:\n    spec:\n${containers}`,
      'apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: g}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers: [{name: c, resources: {requests: {cpu: 500m}}}]',
    ].join('\n---\n');
    const pods = extractPods(text, 'm.yaml');
    expect(pods.map((p) => p.object)).toEqual([
      'Pod/a',
      'Deployment/b',
      'StatefulSet/c',
      'DaemonSet/d',
      'ReplicaSet/e',
      'Job/f',
      'CronJob/g',
    ]);
    expect(pods[0]?.namespace).toBe('ns');
    expect(pods[1]?.namespace).toBe('default');
    expect(pods[1]?.annotations['berth.dev/policy']).toBe('ci-burst');
    expect(pods[6]?.specPath).toBe('spec.jobTemplate.spec.template.spec');
    expect(pods[6]?.spec.containers[0]?.resources?.requests?.cpu).toBe('500m');
    expect(pods[3]?.where).toBe('m.yaml document 4');
  });
  it('opens a List, and skips what runs no pod with a note', () => {
    const text =
      'apiVersion: v1\nkind: List\nitems:\n  - {kind: Pod, metadata: {name: x}, spec: {containers: [{name: c}]}}\n  - {kind: Service, metadata: {name: s}}';
    const found = extractWorkloads(text, 'm.yaml');
    expect(found.pods.map((p) => p.object)).toEqual(['Pod/x']);
    expect(found.skipped).toEqual(['Service/s (m.yaml document 1 item 2)']);
  });
  it('says a file with no workload at all has nothing to quote, naming what it found', () => {
    expect(errorOf('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: b}\n')).toMatch(
      /^m\.yaml: no workload to quote \(expected one of Pod, .*\); found only ConfigMap\/settings \(m\.yaml document 1\)$/,
    );
  });
  it("counts the pods a workload runs at once: replicas, a Job's parallelism, 1 when unset", () => {
    const text = [
      `kind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 3\n  template:\n    spec:\n${containers}`,
      `kind: Job\nmetadata: {name: j}\nspec:\n  parallelism: 4\n  template:\n    spec:\n${containers}`,
      `kind: StatefulSet\nmetadata: {name: s}\nspec:\n  template:\n    spec:\n${containers}`,
      'kind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c}]',
    ].join('\n---\n');
    expect(extractPods(text, 'm.yaml').map((p) => p.replicas)).toEqual([3, 4, 1, 1]);
  });
  it('names unknown fields in container resources and bad quantities, all at once', () => {
    const text = [
      'kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: c\n      resources: {request: {cpu: 1}, limits: {memory: 2GB}}',
      'kind: Job\nmetadata: {name: j}\nspec:\n  template:\n    spec:\n      initContainers: [{name: i, resources: {requests: {cpu: "-1"}}}]\n      containers: [{name: c, resources: {requests: {memory: [1]}}}]',
    ].join('\n---\n');
    const message = errorOf(text);
    expect(message).toContain('m.yaml: 4 problems found');
    expect(message).toContain(
      'm.yaml document 1: Pod/p: spec.containers[0].resources.request: unknown field (expected limits, requests, claims)',
    );
    expect(message).toContain(
      'm.yaml document 1: Pod/p: spec.containers[0].resources.limits.memory: "2GB" is not a Kubernetes quantity',
    );
    expect(message).toContain(
      'm.yaml document 2: Job/j: spec.template.spec.initContainers[0].resources.requests.cpu: "-1" is negative',
    );
    expect(message).toContain(
      'm.yaml document 2: Job/j: spec.template.spec.containers[0].resources.requests.memory: expected a quantity',
    );
  });
  it('needs containers', () => {
    expect(errorOf('kind: Deployment\nmetadata: {name: d}\nspec: {template: {spec: {}}}')).toContain(
      'Deployment/d: spec.template.spec.containers: expected a list of at least one container, got nothing',
    );
    expect(errorOf('kind: Deployment\nmetadata: {name: d}\nspec: {}')).toContain(
      'Deployment/d: spec.template.spec: expected a pod spec, got nothing',
    );
  });
  it('reports YAML syntax errors, empty files, missing kinds and scalars without a stack trace', () => {
    expect(errorOf('kind: Pod\nspec: [1\n')).toMatch(/m\.yaml document 1: YAML syntax error: /);
    expect(errorOf('')).toBe('m.yaml: no Kubernetes objects found (the file is empty)');
    expect(errorOf('# only a comment\n---\n')).toMatch(/no Kubernetes objects found/);
    expect(errorOf('metadata: {name: x}\n')).toContain(
      'm.yaml document 1: x: kind: expected a Kubernetes kind',
    );
    expect(errorOf('just a string\n')).toContain(
      'm.yaml document 1: expected a Kubernetes object, got "just a string"',
    );
  });
});
