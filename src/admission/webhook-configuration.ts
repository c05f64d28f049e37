import type {
  AdmissionregistrationV1WebhookClientConfig,
  V1MutatingWebhookConfiguration,
  V1MutatingWebhook,
} from '@kubernetes/client-node';
import { type FailurePolicy, LABEL_ENABLED, LABEL_CLUSTER, WEBHOOK_PATH } from '../model/index.ts';
import { NEVER_NAMESPACES } from './opt-in.ts';

/** Where the API server reaches the webhook: a URL (berth outside the cluster) or a Service (the chart). */
export type WebhookEndpoint =
  | { url: string }
  | { service: { namespace: string; name: string; port: number } };

export interface WebhookConfigurationInput {
  /** The installation (its scheduler name): names the configuration, so two installations never share one. */
  installation: string;
  endpoint: WebhookEndpoint;
  /** PEM of the CA that signed the serving certificate. */
  caPem: string;
  failurePolicy: FailurePolicy;
  /** berth's own namespace: its pods are never sent. */
  ownNamespace?: string | undefined;
  /** Labels a namespace must also carry (to split one cluster between installations). */
  namespaceLabels?: Readonly<Record<string, string>>;
  /** How long the API server waits for an answer, seconds (1 to 30). */
  timeoutSeconds?: number;
}

export function webhookConfigurationName(installation: string): string {
  return `${installation}-pods`;
}

/**
 * The MutatingWebhookConfiguration for an installation. Selectors, not code,
 * choose the pods: one webhook for namespaces labelled `berth.dev/enabled:
 * "true"` (a pod labelled "false" stays out), one for pods labelled "true"
 * in any other namespace. Neither ever sees the system namespaces or berth's
 * own. Only CREATE is sent: the decision is made once.
 */
export function webhookConfiguration(i: WebhookConfigurationInput): V1MutatingWebhookConfiguration {
  const clientConfig: AdmissionregistrationV1WebhookClientConfig = {
    caBundle: Buffer.from(i.caPem).toString('base64'),
    ...('url' in i.endpoint
      ? { url: i.endpoint.url }
      : { service: { ...i.endpoint.service, path: WEBHOOK_PATH } }),
  };
  const never = [...NEVER_NAMESPACES, ...(i.ownNamespace ? [i.ownNamespace] : [])];
  const notSystem = { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: never };
  const extra = i.namespaceLabels ?? {};
  const common = (
    name: string,
  ): Omit<V1MutatingWebhook, 'namespaceSelector' | 'objectSelector'> & { name: string } => ({
    name: `${name}.${i.installation}.berth.dev`,
    admissionReviewVersions: ['v1'],
    sideEffects: 'None',
    failurePolicy: i.failurePolicy,
    matchPolicy: 'Equivalent',
    reinvocationPolicy: 'Never',
    timeoutSeconds: i.timeoutSeconds ?? 5,
    clientConfig,
    rules: [
      {
        operations: ['CREATE'],
        apiGroups: [''],
        apiVersions: ['v1'],
        resources: ['pods'],
        scope: 'Namespaced',
      },
    ],
  });
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name: webhookConfigurationName(i.installation), labels: { [LABEL_CLUSTER]: i.installation } },
    webhooks: [
      {
        ...common('namespaces'),
        namespaceSelector: {
          matchLabels: { ...extra, [LABEL_ENABLED]: 'true' },
          matchExpressions: [notSystem],
        },
        objectSelector: { matchExpressions: [{ key: LABEL_ENABLED, operator: 'NotIn', values: ['false'] }] },
      },
      {
        ...common('pods'),
        namespaceSelector: {
          matchLabels: { ...extra },
          matchExpressions: [notSystem, { key: LABEL_ENABLED, operator: 'NotIn', values: ['true'] }],
        },
        objectSelector: { matchLabels: { [LABEL_ENABLED]: 'true' } },
      },
    ],
  };
}
