import type { Claim, Taint } from './claim.ts';

/**
 * The kubelet flags that register a node's labels and taints when the
 * kubelet first starts (so no other pod lands on it before berth binds), and
 * their reading back, for every cloud's bootstrap data.
 */
export const LABEL_FLAG = '--node-labels=';
export const TAINT_FLAG = '--register-with-taints=';

// kubelet reads both flags as comma-separated k=v lists, so a value must not carry `,` or `=`;
// Kubernetes' own rules for label values and taint values are stricter still.
const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

function checked(claim: Claim, what: string, key: string, value: string): void {
  if (!LABEL_KEY.test(key) || key.length > 317) {
    throw new Error(`claim ${claim.id}: ${what} key ${JSON.stringify(key)} is not a valid Kubernetes key`);
  }
  if (!LABEL_VALUE.test(value) || value.length > 63) {
    throw new Error(
      `claim ${claim.id}: ${what} ${key} has value ${JSON.stringify(value)}, which kubelet cannot register (at most 63 of A-Z a-z 0-9 - _ .)`,
    );
  }
}

/** The kubelet flags that register the claim's labels and taints when the kubelet first starts. */
export function kubeletFlags(claim: Claim): string[] {
  const labels = Object.entries(claim.labels).sort(([a], [b]) => a.localeCompare(b));
  for (const [k, v] of labels) checked(claim, 'label', k, v);
  for (const t of claim.taints) checked(claim, 'taint', t.key, t.value ?? '');
  const flags: string[] = [];
  if (labels.length > 0) flags.push(LABEL_FLAG + labels.map(([k, v]) => `${k}=${v}`).join(','));
  if (claim.taints.length > 0) {
    flags.push(
      TAINT_FLAG + claim.taints.map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`).join(','),
    );
  }
  return flags;
}

/** `k=v,k2` as pairs (a bare key has the empty value). */
export function parseKubeletList(flag: string): [string, string][] {
  return flag
    .split(',')
    .filter((s) => s.length > 0)
    .map((pair) => {
      const i = pair.indexOf('=');
      return i < 0 ? [pair, ''] : [pair.slice(0, i), pair.slice(i + 1)];
    });
}

/** `key=value:Effect` as a Taint; throws naming what is wrong. */
export function parseTaint(spec: string): Taint {
  const colon = spec.lastIndexOf(':');
  const effect = spec.slice(colon + 1);
  if (colon < 0 || (effect !== 'NoSchedule' && effect !== 'PreferNoSchedule' && effect !== 'NoExecute')) {
    throw new Error(
      `taint ${JSON.stringify(spec)} has no valid effect (NoSchedule, PreferNoSchedule, NoExecute)`,
    );
  }
  const [key, value] = parseKubeletList(spec.slice(0, colon))[0] ?? ['', ''];
  return value ? { key, value, effect } : { key, effect };
}
