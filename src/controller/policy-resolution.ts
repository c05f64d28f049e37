import type { V1Pod } from '@kubernetes/client-node';
import {
  ANNOTATION_POLICY,
  InputError,
  type OnOffer,
  type Policy,
  type PolicyFinding,
  type PolicySpec,
} from '../model/index.ts';
import type { ClusterView } from './ports.ts';

/** Where policies come from besides the cluster: the built-in presets, and the defaults for a spec. */
export interface PolicySource {
  preset(name: string): Policy | undefined;
  fromSpec(name: string, spec: PolicySpec): Policy;
  /** Everything wrong with a spec, and (given the offerings) what nothing on offer has. Never throws. */
  judge(spec: unknown, onOffer?: OnOffer): PolicyFinding[];
}

/**
 * A pod's policy: the one its `berth.dev/policy` annotation names (a
 * PlacementPolicy in its namespace, else a preset), else its namespace's
 * PlacementPolicy named `default`, else the controller's default preset.
 */
export function resolvePodPolicy(
  pod: V1Pod,
  view: Pick<ClusterView, 'policy'>,
  policies: PolicySource,
  defaultPolicy: string,
): Policy {
  const namespace = pod.metadata?.namespace ?? 'default';
  const named = pod.metadata?.annotations?.[ANNOTATION_POLICY];
  if (named) {
    const spec = view.policy(namespace, named);
    if (spec) return policies.fromSpec(named, spec);
    const preset = policies.preset(named);
    if (preset) return preset;
    throw new InputError(
      `policy "${named}" not found: there is no PlacementPolicy of that name in namespace ${namespace} and no built-in preset`,
      {
        object: `Pod ${namespace}/${pod.metadata?.name}`,
        field: `metadata.annotations["${ANNOTATION_POLICY}"]`,
      },
    );
  }
  const namespaceDefault = view.policy(namespace, 'default');
  if (namespaceDefault) return policies.fromSpec('default', namespaceDefault);
  const fallback = policies.preset(defaultPolicy);
  if (!fallback)
    throw new InputError(`the controller's default policy "${defaultPolicy}" is not a known preset`, {
      field: '--default-policy',
    });
  return fallback;
}
