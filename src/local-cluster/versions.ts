/**
 * Pinned versions of the control plane we build. Kubernetes 1.36 builds with
 * Go 1.26; etcd 3.6 is the release line Kubernetes 1.36 is tested against.
 */
export const VERSIONS = {
  kubernetes: 'v1.36.3',
  etcd: 'v3.6.16',
  kwok: 'v0.8.0',
} as const;

export type Component = 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'kwok';

export const COMPONENTS: readonly Component[] = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kwok',
];
