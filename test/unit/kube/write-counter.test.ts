import { describe, expect, it } from 'vitest';
import { classifyWrite, WriteCounter } from '../../../src/kube/write-counter.ts';

const server = 'https://127.0.0.1:6443';

describe('classifyWrite', () => {
  it.each([
    [
      'POST',
      '/api/v1/namespaces/ns/pods/p/binding',
      { verb: 'create', resource: 'pods/binding', namespace: 'ns' },
    ],
    [
      'POST',
      '/api/v1/namespaces/ns/pods/p/eviction',
      { verb: 'create', resource: 'pods/eviction', namespace: 'ns' },
    ],
    ['PATCH', '/api/v1/nodes/n1', { verb: 'patch', resource: 'nodes' }],
    ['DELETE', '/api/v1/nodes/n1', { verb: 'delete', resource: 'nodes' }],
    ['POST', '/api/v1/namespaces', { verb: 'create', resource: 'namespaces' }],
    ['DELETE', '/api/v1/namespaces/ns', { verb: 'delete', resource: 'namespaces' }],
    ['PUT', '/api/v1/namespaces/ns/finalize', { verb: 'update', resource: 'namespaces/finalize' }],
    [
      'PATCH',
      '/apis/berth.dev/v1alpha1/namespaces/ns/berths/b/status?fieldManager=x',
      { verb: 'patch', resource: 'berths.berth.dev/status', namespace: 'ns' },
    ],
    [
      'PUT',
      '/apis/coordination.k8s.io/v1/namespaces/berth-system/leases/berth',
      { verb: 'update', resource: 'leases.coordination.k8s.io', namespace: 'berth-system' },
    ],
    [
      'DELETE',
      '/apis/berth.dev/v1alpha1/namespaces/ns/berths',
      { verb: 'deletecollection', resource: 'berths.berth.dev', namespace: 'ns' },
    ],
  ])('%s %s', (method, path, expected) => {
    expect(classifyWrite(method, `${server}${path}`)).toEqual(expected);
  });

  it('ignores reads and non-resource paths', () => {
    expect(classifyWrite('GET', `${server}/api/v1/pods`)).toBeUndefined();
    expect(classifyWrite('POST', `${server}/version`)).toBeUndefined();
  });
});

describe('WriteCounter', () => {
  it('counts by verb and resource and tells listeners', () => {
    const c = new WriteCounter();
    const seen: string[] = [];
    c.onWrite((w) => seen.push(w.resource));
    c.observe('POST', `${server}/api/v1/namespaces/a/pods/p/binding`);
    c.observe('POST', `${server}/api/v1/namespaces/b/pods/q/binding`);
    c.observe('GET', `${server}/api/v1/pods`);
    c.observe('DELETE', `${server}/api/v1/nodes/n`);
    expect(c.snapshot()).toEqual({ 'create pods/binding': 2, 'delete nodes': 1 });
    expect(c.total()).toBe(3);
    expect(seen).toEqual(['pods/binding', 'pods/binding', 'nodes']);
    c.reset();
    expect(c.total()).toBe(0);
  });
});
