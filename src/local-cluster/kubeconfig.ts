import { stringify } from 'yaml';
import type { KeyPair } from './pki.ts';

/** A kubeconfig with everything embedded, so it works from any directory. */
export function kubeconfigYaml(clusterName: string, server: string, caPem: string, client: KeyPair): string {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: clusterName, cluster: { server, 'certificate-authority-data': b64(caPem) } }],
    users: [
      {
        name: clusterName,
        user: { 'client-certificate-data': b64(client.certPem), 'client-key-data': b64(client.keyPem) },
      },
    ],
    contexts: [{ name: clusterName, context: { cluster: clusterName, user: clusterName } }],
    'current-context': clusterName,
  });
}
