/**
 * Pinned versions of the control plane we build. Kubernetes 1.36 builds with
 * Go 1.26; etcd 3.6 is the release line Kubernetes 1.36 is tested against.
 */
export const VERSIONS = {
  kubernetes: 'v1.36.3',
  etcd: 'v3.6.16',
  kwok: 'v0.8.0',
} as const;

/**
 * Helm, built only for the tests that render and check the chart
 * (deploy/helm). v3.22 resolves with Go 1.26 and has no replace directives, so
 * `go install` builds it straight from the module proxy. Its own Makefile
 * stamps the Kubernetes version of its client-go (v0.37) as the default
 * cluster version `helm template` and `helm lint` assume; without it they
 * assume 1.20 and refuse the chart's kubeVersion.
 */
export const HELM = { module: 'helm.sh/helm/v3', version: 'v3.22.0', kubeVersion: 'v1.37.0' } as const;

/**
 * Karpenter's kwok provider, the peer bench:karpenter runs berth beside:
 * v1.14.1 is the newest that builds with Go 1.26.
 */
export const KARPENTER = { module: 'sigs.k8s.io/karpenter', version: 'v1.14.1' } as const;

export type Component = 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'kwok';

/** What the build module builds: the control plane, helm for the chart's tests, Karpenter for its bench. */
export type Tool = Component | 'helm' | 'karpenter-kwok';

export const COMPONENTS: readonly Component[] = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kwok',
];
