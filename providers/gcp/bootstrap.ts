import { parse, stringify } from 'yaml';
import type { Taint } from '../../src/model/index.ts';

/**
 * GKE's nodes bootstrap from their instance metadata: `kube-env` (a YAML map
 * of settings the node's configure scripts read, among them the kubelet's
 * flags) and `kube-labels` (the node's labels, `k=v,...`). A VM berth launches
 * copies a node pool's metadata and gets its own labels and its dedicated
 * taint patched in, so its kubelet registers them itself.
 */

export type MetadataItems = { key?: string | null; value?: string | null }[];
export type MetadataItem = { key: string; value: string };

export const KUBE_ENV = 'kube-env';
export const KUBE_LABELS = 'kube-labels';

const labelList = (labels: Readonly<Record<string, string>>) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
const taintList = (taints: readonly Taint[]) =>
  taints.map((t) => `${t.key}${t.value !== undefined ? `=${t.value}` : ''}:${t.effect}`).join(',');

export function parseLabelList(value: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (value ?? '').split(',')) {
    const i = pair.indexOf('=');
    if (i > 0) out[pair.slice(0, i).trim()] = pair.slice(i + 1).trim();
  }
  return out;
}

export function parseTaintList(value: string | undefined): Taint[] {
  const out: Taint[] = [];
  for (const t of (value ?? '').split(',').map((s) => s.trim())) {
    const m = /^([^=:]+)(?:=([^:]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/.exec(t);
    if (m?.[1] && m[3])
      out.push({
        key: m[1],
        ...(m[2] !== undefined ? { value: m[2] } : {}),
        effect: m[3] as Taint['effect'],
      });
  }
  return out;
}

/** Sets `--flag=value` in a kubelet argument string, replacing any value it had. */
function setFlag(args: string, flag: string, value: string): string {
  const re = new RegExp(`(^|\\s)--${flag}[= ]\\S*`);
  const next = `--${flag}=${value}`;
  return re.test(args) ? args.replace(re, `$1${next}`) : `${args} ${next}`.trim();
}

/** The node's registration as its kube-env and kube-labels say. */
export interface GkeRegistration {
  labels: Record<string, string>;
  taints: Taint[];
  maxPods?: number;
}

/**
 * A node pool's metadata with berth's labels and taints (and maxPods) added
 * to the kubelet's registration: in `kube-labels`, and in `kube-env`'s
 * NODE_LABELS, NODE_TAINTS and KUBELET_ARGS. The pool's own taints stay.
 */
export function patchBootstrap(
  items: MetadataItems,
  add: { labels: Readonly<Record<string, string>>; taints: readonly Taint[]; maxPods?: number },
  extra: Readonly<Record<string, string>> = {},
): MetadataItem[] {
  const byKey = new Map(items.flatMap((i) => (i.key ? [[i.key, i.value ?? ''] as const] : [])));
  const envText = byKey.get(KUBE_ENV);
  if (envText === undefined)
    throw new Error(`the node pool template has no ${KUBE_ENV} metadata: it is not a GKE node pool's`);
  const env = (parse(envText) ?? {}) as Record<string, unknown>;
  const labels = { ...parseLabelList(byKey.get(KUBE_LABELS)), ...add.labels };
  const taints = [...parseTaintList(String(env.NODE_TAINTS ?? '')), ...add.taints];
  env.NODE_LABELS = labelList({ ...parseLabelList(String(env.NODE_LABELS ?? '')), ...add.labels });
  env.NODE_TAINTS = taintList(taints);
  let args = String(env.KUBELET_ARGS ?? '');
  args = setFlag(args, 'node-labels', labelList(labels));
  args = setFlag(args, 'register-with-taints', taintList(taints));
  if (add.maxPods !== undefined) args = setFlag(args, 'max-pods', String(add.maxPods));
  env.KUBELET_ARGS = args;
  byKey.set(KUBE_ENV, stringify(env, { lineWidth: 0 }));
  byKey.set(KUBE_LABELS, labelList(labels));
  for (const [k, v] of Object.entries(extra)) byKey.set(k, v);
  return [...byKey].map(([key, value]) => ({ key, value }));
}

/** What the kubelet of a VM with this metadata registers (read as GKE's configure scripts would). */
export function registrationOf(items: MetadataItems): GkeRegistration {
  const byKey = new Map(items.flatMap((i) => (i.key ? [[i.key, i.value ?? ''] as const] : [])));
  const env = (parse(byKey.get(KUBE_ENV) ?? '') ?? {}) as Record<string, unknown>;
  const args = String(env.KUBELET_ARGS ?? '');
  const maxPods = /--max-pods[= ](\d+)/.exec(args)?.[1];
  return {
    labels: parseLabelList(byKey.get(KUBE_LABELS)),
    taints: parseTaintList(String(env.NODE_TAINTS ?? '')),
    ...(maxPods ? { maxPods: Number(maxPods) } : {}),
  };
}

export const USER_DATA = 'user-data';

/**
 * The node pool's cloud-config (`user-data`, which starts GKE's configure
 * scripts) with a first boot command that waits, a bounded time, until the
 * metadata server has the attribute `key`: the scripts then read the kube-env
 * written with it. Without the attribute in time the boot goes on with the
 * registration it has (a VM no pod can land on). Items without a cloud-config
 * are left as they are.
 */
export function holdBootUntil(items: readonly MetadataItem[], key: string, seconds = 600): MetadataItem[] {
  return items.map((item) => {
    if (item.key !== USER_DATA || !item.value.startsWith('#cloud-config')) return item;
    const config = (parse(item.value) ?? {}) as Record<string, unknown>;
    const url = `http://metadata.google.internal/computeMetadata/v1/instance/attributes/${key}`;
    const wait = `for i in $(seq ${seconds}); do curl -sf -H 'Metadata-Flavor: Google' ${url} >/dev/null && exit 0; sleep 1; done`;
    const bootcmd = Array.isArray(config.bootcmd) ? config.bootcmd : [];
    config.bootcmd = [['sh', '-c', wait], ...bootcmd];
    return { key: USER_DATA, value: `#cloud-config\n${stringify(config, { lineWidth: 0 })}` };
  });
}
