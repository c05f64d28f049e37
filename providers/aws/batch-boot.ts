import type { Claim } from '../../src/model/index.ts';
import { TAG_POD_UID } from './tags.ts';
import { type ClusterBootstrap, nodeConfig } from './user-data.ts';

/**
 * Stands for the pod's uid in a batch's shared NodeConfig until the machine
 * knows its claim. A valid label and taint value, so the NodeConfig is
 * checked like any other; never a real uid (those are UUIDs).
 */
export const POD_UID_PLACEHOLDER = 'berth-pod-uid-from-tags';

export const BOOT_SCRIPT_TYPE = 'text/x-shellscript';
const BOUNDARY = 'BERTH-BATCH-BOUNDARY';
const NODECONFIG_BEGIN = "cat > /etc/berth/nodeconfig.json <<'BERTH_NODECONFIG'";
const NODECONFIG_END = 'BERTH_NODECONFIG';
/** A Kubernetes uid: what the boot step accepts from the tag before it writes it into the kubelet's flags. */
const UID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

/** The claim with its pod's uid replaced by the placeholder: what every claim of a batch shares. */
export function sharedClaim(claim: Claim): Claim {
  const uid = claim.pod.uid;
  const swap = (v: string | undefined) => (v === uid ? POD_UID_PLACEHOLDER : v);
  return {
    ...claim,
    labels: Object.fromEntries(Object.entries(claim.labels).map(([k, v]) => [k, swap(v) ?? v])),
    taints: claim.taints.map((t) => (t.value === uid ? { ...t, value: POD_UID_PLACEHOLDER } : t)),
  };
}

/**
 * The user data of a batched launch, base64. A fleet shares one user data,
 * so it cannot name the pod: the boot step reads the machine's own claim tag
 * (DescribeInstances on itself with the node role, since IMDS cannot show tag
 * keys with a `/`), waits until berth has tagged it, writes the pod's uid
 * into the NodeConfig and only then starts nodeadm, so the kubelet registers
 * with the dedicated taint from its first moment. A machine never tagged
 * (berth crashed in between) powers off after 15 minutes, and its launch
 * template makes that a termination; garbage collection removes it sooner.
 */
export function batchUserData(claim: Claim, cluster: ClusterBootstrap): string {
  const config = JSON.stringify(nodeConfig(sharedClaim(claim), cluster), null, 2);
  const script = [
    '#!/bin/bash',
    '# berth: a batched launch learns its claim from its own tags before the kubelet starts.',
    'set -uo pipefail',
    'IMDS=http://169.254.169.254/latest',
    "TOKEN=$(curl -sf -X PUT $IMDS/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 21600')",
    'ID=$(curl -sf -H "X-aws-ec2-metadata-token: $TOKEN" $IMDS/meta-data/instance-id)',
    'REGION=$(curl -sf -H "X-aws-ec2-metadata-token: $TOKEN" $IMDS/meta-data/placement/region)',
    'POD_UID=',
    'for _ in $(seq 1 180); do',
    `  POD_UID=$(aws ec2 describe-instances --region "$REGION" --instance-ids "$ID" --query "Reservations[0].Instances[0].Tags[?Key=='${TAG_POD_UID}'].Value | [0]" --output text 2>/dev/null)`,
    `  [[ "$POD_UID" =~ ${UID_PATTERN} ]] && break`,
    '  sleep 5',
    'done',
    `if ! [[ "$POD_UID" =~ ${UID_PATTERN} ]]; then shutdown -h now; exit 1; fi`,
    'mkdir -p /etc/berth',
    NODECONFIG_BEGIN,
    config,
    NODECONFIG_END,
    `sed -i "s/${POD_UID_PLACEHOLDER}/$POD_UID/g" /etc/berth/nodeconfig.json`,
    'exec nodeadm init --config-source file:///etc/berth/nodeconfig.json',
  ].join('\n');
  const doc = [
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${BOUNDARY}"`,
    '',
    `--${BOUNDARY}`,
    `Content-Type: ${BOOT_SCRIPT_TYPE}; charset="us-ascii"`,
    '',
    script,
    '',
    `--${BOUNDARY}--`,
    '',
  ].join('\n');
  return Buffer.from(doc, 'utf8').toString('base64');
}

/**
 * What the boot step of a batch machine tagged with `podUid` hands nodeadm:
 * the NodeConfig in its script with the uid written in. Undefined when the
 * user data is not a batch's. For the registrar that stands in for the boot.
 */
export function batchNodeConfigOf(text: string, podUid: string): string | undefined {
  const begin = text.indexOf(NODECONFIG_BEGIN);
  if (begin < 0) return undefined;
  const body = text.slice(begin + NODECONFIG_BEGIN.length);
  const end = body.indexOf(`\n${NODECONFIG_END}\n`);
  if (end < 0) throw new Error('the batch boot step has no end to its NodeConfig');
  if (!new RegExp(UID_PATTERN).test(podUid)) {
    throw new Error(`the ${TAG_POD_UID} tag is not a pod uid: ${JSON.stringify(podUid)}`);
  }
  return body.slice(0, end).split(POD_UID_PLACEHOLDER).join(podUid);
}
