/**
 * RBAC is exactly what the controller calls. The type checker finds every
 * call `berth run` can make on a client-node API class (and every watch it
 * starts); each call site maps to the permission it needs below, and the
 * roles in deploy/ and in the Helm chart must grant exactly those, each in
 * the role for its case (the local provider and --install-crds only when used).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { importGraph, repoPath, repoRoot } from './import-graph.ts';

type Scope = 'controller' | 'leader-election' | 'local-provider' | 'install-crds';

/** `group/resource verb`, the core group as "". */
type Permission = string;

/**
 * Every call site (file: method) of `berth run` that reaches the API server,
 * and what it needs. A new call fails the test until it is added here and to
 * the roles; a call that is gone fails it until its permission is dropped.
 */
const CALLS: Record<string, Permission[]> = {
  'src/kube/watches.ts: watchResources': [
    '/pods watch',
    '/nodes watch',
    'apps/daemonsets watch',
    'berth.dev/berths watch',
    'berth.dev/placementpolicies watch',
    'certificates.k8s.io/certificatesigningrequests watch',
  ],
  'src/kube/watches.ts: listPodForAllNamespaces': ['/pods list'],
  'src/kube/watches.ts: listNode': ['/nodes list'],
  'src/kube/watches.ts: listDaemonSetForAllNamespaces': ['apps/daemonsets list'],
  'src/kube/watches.ts: listCertificateSigningRequest': [
    'certificates.k8s.io/certificatesigningrequests list',
  ],
  'src/controller/kubelet-csr-approver.ts: replaceCertificateSigningRequestApproval': [
    'certificates.k8s.io/certificatesigningrequests/approval update',
    'certificates.k8s.io/signers approve',
  ],
  'src/kube/watches.ts: listClusterCustomObject': [
    'berth.dev/berths list',
    'berth.dev/placementpolicies list',
  ],
  'src/controller/kube-cluster.ts: readNamespacedPod': ['/pods get'],
  'src/controller/kube-cluster.ts: patchNamespacedCustomObjectStatus': [
    'berth.dev/placementpolicies/status patch',
  ],
  'src/controller/kube-cluster.ts: deleteNode': ['/nodes delete'],
  'src/controller/kube-cluster.ts: patchNamespacedPod': ['/pods patch'],
  'src/kube/binding.ts: createNamespacedPodBinding': ['/pods/binding create'],
  'src/kube/binding.ts: readNamespacedPod': ['/pods get'],
  'src/kube/eviction.ts: createNamespacedPodEviction': ['/pods/eviction create'],
  'src/kube/eviction.ts: patchNode': ['/nodes patch'],
  'src/kube/events.ts: createNamespacedEvent': ['/events create'],
  'src/kube/events.ts: patchNamespacedEvent': ['/events patch'],
  'src/kube/berths.ts: createNamespacedCustomObject': ['berth.dev/berths create'],
  'src/kube/berths.ts: getNamespacedCustomObject': ['berth.dev/berths get'],
  'src/kube/berths.ts: listNamespacedCustomObject': ['berth.dev/berths list'],
  'src/kube/berths.ts: listClusterCustomObject': ['berth.dev/berths list'],
  'src/kube/berths.ts: patchNamespacedCustomObject': ['berth.dev/berths patch'],
  'src/kube/berths.ts: deleteNamespacedCustomObject': ['berth.dev/berths delete'],
  'src/kube/webhook-configuration.ts: readMutatingWebhookConfiguration': [
    'admissionregistration.k8s.io/mutatingwebhookconfigurations get',
  ],
  'src/kube/webhook-configuration.ts: createMutatingWebhookConfiguration': [
    'admissionregistration.k8s.io/mutatingwebhookconfigurations create',
  ],
  'src/kube/webhook-configuration.ts: patchMutatingWebhookConfiguration': [
    'admissionregistration.k8s.io/mutatingwebhookconfigurations patch',
  ],
  'src/kube/leader.ts: readNamespacedLease': ['coordination.k8s.io/leases get'],
  'src/kube/leader.ts: createNamespacedLease': ['coordination.k8s.io/leases create'],
  'src/kube/leader.ts: replaceNamespacedLease': ['coordination.k8s.io/leases update'],
  // berth run's checks before it starts: /version is public; the CRD check lists berths.
  'src/kube/preflight.ts: getCode': [],
  'src/kube/preflight.ts: listClusterCustomObject': ['berth.dev/berths list'],
  'src/kube/crds.ts: patchCustomResourceDefinition': ['apiextensions.k8s.io/customresourcedefinitions patch'],
  'src/kube/crds.ts: readCustomResourceDefinition': ['apiextensions.k8s.io/customresourcedefinitions get'],
  'providers/local/provider.ts: createNode': ['/nodes create'],
  'providers/local/provider.ts: readNode': ['/nodes get'],
  'providers/local/provider.ts: listNode': ['/nodes list'],
  'providers/local/provider.ts: deleteNode': ['/nodes delete'],
};

/** Which role a call's permission belongs in, by the file that makes it. */
function scopeOf(file: string): Scope {
  if (file.startsWith('providers/local/')) return 'local-provider';
  if (file === 'src/kube/leader.ts') return 'leader-election';
  if (file === 'src/kube/crds.ts') return 'install-crds';
  return 'controller';
}

/** Role names in deploy/ (the chart's are `<release>-` and the same). */
const ROLE_NAMES: Record<Scope, string> = {
  controller: 'berth',
  'leader-election': 'berth-leader-election',
  'local-provider': 'berth-local-provider',
  'install-crds': 'berth-install-crds',
};

/** `file: method` for each call on a client-node *Api class, and each watchResources call, that `berth run` can reach. */
function callSites(): Set<string> {
  const { files } = importGraph('src/cli/run.ts');
  const paths = [...files].map((f) => fileURLToPath(new URL(f, repoRoot)));
  const program = ts.createProgram(paths, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    allowImportingTsExtensions: true,
    resolveJsonModule: true,
    noEmit: true,
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  const sites = new Set<string>();
  for (const path of paths) {
    const source = program.getSourceFile(path);
    if (!source) throw new Error(`${path} is not in the program`);
    const file = repoPath(new URL(`file://${path}`));
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node)) {
        const callee = ts.isPropertyAccessExpression(node.expression)
          ? node.expression.name
          : node.expression;
        const found = checker.getSymbolAtLocation(callee);
        const symbol = found && found.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(found) : found;
        const declaration = symbol?.declarations?.[0];
        if (declaration) {
          const from = declaration.getSourceFile().fileName;
          const owner = declaration.parent;
          const onApiClass =
            from.includes('/@kubernetes/client-node/') &&
            ts.isClassDeclaration(owner) &&
            /Api$/.test(owner.name?.text ?? '');
          const isWatch = from.endsWith('/src/kube/informer.ts') && symbol?.name === 'watchResources';
          if (onApiClass || isWatch) sites.add(`${file}: ${symbol?.name}`);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return sites;
}

/** What each scope needs: its calls, less what the controller's role already grants. */
function needed(): Record<Scope, Set<Permission>> {
  const out: Record<Scope, Set<Permission>> = {
    controller: new Set(),
    'leader-election': new Set(),
    'local-provider': new Set(),
    'install-crds': new Set(),
  };
  for (const [site, permissions] of Object.entries(CALLS)) {
    const scope = scopeOf(site.slice(0, site.indexOf(':')));
    for (const p of permissions) out[scope].add(p);
  }
  for (const scope of ['local-provider', 'install-crds'] as const) {
    for (const p of out.controller) out[scope].delete(p);
  }
  return out;
}

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

/** Each role's rules, flattened to permissions, by role name. */
function grants(text: string): Map<string, { permissions: Set<Permission>; resourceNames: string[] }> {
  const out = new Map<string, { permissions: Set<Permission>; resourceNames: string[] }>();
  for (const doc of parseAllDocuments(text)) {
    const o = doc.toJS() as { kind?: string; metadata?: { name?: string }; rules?: Rule[] } | null;
    if (!o?.rules || !o.metadata?.name) continue;
    const permissions = new Set<Permission>();
    const resourceNames: string[] = [];
    for (const r of o.rules) {
      for (const g of r.apiGroups)
        for (const res of r.resources) for (const v of r.verbs) permissions.add(`${g}/${res} ${v}`);
      resourceNames.push(...(r.resourceNames ?? []));
    }
    out.set(o.metadata.name, { permissions, resourceNames });
  }
  return out;
}

/** Helm template text as YAML: each `{{ ... }}` becomes a placeholder, lines that are only template logic go. */
function untemplate(text: string): string {
  return text
    .split('\n')
    .filter((line) => !/^\s*\{\{-?[^}]*-?\}\}\s*$/.test(line))
    .map((line) => line.replace(/\{\{-?[^}]*?-?\}\}/g, 'x'))
    .join('\n');
}

const read = (path: string) => readFileSync(new URL(path, repoRoot), 'utf8');
const sorted = (s: Set<string>) => [...s].sort();
const CRD_NAMES = ['berths.berth.dev', 'placementpolicies.berth.dev'];

describe('RBAC', () => {
  const sites = callSites();
  const want = needed();

  it('every API call berth run can make is listed with the permission it needs, and nothing else is', () => {
    expect(sites.size).toBeGreaterThan(20);
    expect(sorted(sites)).toEqual(Object.keys(CALLS).sort());
    // Sandbox code is not part of the controller, so its calls never shape the roles.
    expect([...sites].filter((s) => /registrar|simulation|local-cluster|demo/.test(s))).toEqual([]);
  });

  it('deploy/rbac*.yaml grant exactly those permissions, each in the role for its case', () => {
    const plain = new Map([
      ...grants(read('deploy/rbac.yaml')),
      ...grants(read('deploy/rbac-local-provider.yaml')),
      ...grants(read('deploy/rbac-install-crds.yaml')),
    ]);
    expect([...plain.keys()].sort()).toEqual(Object.values(ROLE_NAMES).sort());
    for (const [scope, name] of Object.entries(ROLE_NAMES) as [Scope, string][]) {
      expect(sorted(plain.get(name)?.permissions ?? new Set()), name).toEqual(sorted(want[scope]));
    }
    // No Node is ever created by the controller on a real cluster.
    expect(plain.get('berth')?.permissions.has('/nodes create')).toBe(false);
    expect(plain.get('berth-install-crds')?.resourceNames.sort()).toEqual(CRD_NAMES);
  });

  it('the Helm chart renders the same roles', () => {
    const chart = grants(untemplate(read('deploy/helm/berth/templates/rbac.yaml')));
    expect([...chart.keys()].sort()).toEqual(
      Object.values(ROLE_NAMES)
        .map((n) => `x-${n}`)
        .sort(),
    );
    for (const [scope, name] of Object.entries(ROLE_NAMES) as [Scope, string][]) {
      expect(sorted(chart.get(`x-${name}`)?.permissions ?? new Set()), name).toEqual(sorted(want[scope]));
    }
    expect(chart.get('x-berth-install-crds')?.resourceNames.sort()).toEqual(CRD_NAMES);
  });

  it('the CRDs --install-crds may touch are the ones it applies', () => {
    const names = ['deploy/crds/berth.dev_berths.yaml', 'deploy/crds/berth.dev_placementpolicies.yaml'].map(
      (f) => (parse(read(f)) as { metadata: { name: string } }).metadata.name,
    );
    expect(names.sort()).toEqual(CRD_NAMES);
  });
});
