import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const read = (path: string) => readFileSync(new URL(`../../../../${path}`, import.meta.url), 'utf8');

/** The permissions the GCP code names for its calls: `call('compute.…', …)` and callError(…, 'compute.…', …). */
function permissionsNamed(...files: string[]): string[] {
  const out = new Set<string>();
  for (const f of files)
    for (const m of read(f).matchAll(/'(compute\.[a-zA-Z]+\.[a-zA-Z]+)'/g)) out.add(m[1] ?? '');
  return [...out];
}

describe('deploy/gcp/berth-controller-role.yaml', () => {
  it('includes every permission the provider and the pricing adapter name for their calls', () => {
    const role = parse(read('deploy/gcp/berth-controller-role.yaml')) as { includedPermissions: string[] };
    const named = permissionsNamed(
      'providers/gcp/provider.ts',
      'providers/gcp/bulk-launch.ts',
      'pricing/gcp/adapter.ts',
    );
    expect(named).toEqual(
      expect.arrayContaining([
        'compute.instances.create',
        'compute.instances.delete',
        'compute.zoneOperations.list',
      ]),
    );
    expect(named.filter((p) => !role.includedPermissions.includes(p))).toEqual([]);
  });
});
