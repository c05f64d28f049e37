import type { Arch } from './offering.ts';

/** A launch template, by id (`lt-…`) or name; `version` defaults to `$Default`. */
export interface AwsLaunchTemplateRef {
  id?: string;
  name?: string;
  /** A version number, `$Default` or `$Latest`. */
  version?: string;
}

/**
 * How the AWS provider launches machines that join an EKS cluster. Shared by
 * the runtime and `berth run` (flags `--aws-*`); checked by the provider's
 * `validateAwsConfig` before any call to AWS.
 */
export interface AwsProviderConfig {
  /** The region whose offerings are bought, e.g. `us-east-1`. */
  region: string;
  /**
   * Where the machine's settings come from. A launch template, AMIs per
   * architecture, or both (an AMI given here overrides the template's image).
   * With AMIs only, offerings of an architecture that has none are refused.
   */
  launchTemplate?: AwsLaunchTemplateRef;
  amiIds?: Partial<Record<Arch, string>>;
  /** One subnet per availability zone, e.g. `{ "us-east-1a": "subnet-0abc" }`. */
  subnets: Readonly<Record<string, string>>;
  securityGroupIds: readonly string[];
  /** The instance profile the machines run as: a name or an ARN (`arn:aws:iam::…`). */
  instanceProfile?: string;
  /** The EKS cluster the machines join; also the value of their `berth.dev/cluster` tag. */
  clusterName: string;
  /** The cluster's API server URL, for the machine's bootstrap (nodeadm). */
  clusterEndpoint: string;
  /** The cluster's CA bundle, base64 (as `aws eks describe-cluster` prints it). */
  clusterCertificateAuthority: string;
  /** The cluster's service CIDR, from which nodeadm derives the DNS address. Default `10.100.0.0/16`. */
  serviceCidr?: string;
  /** Override the EC2 and SQS endpoint (an emulator such as moto). */
  endpoint?: string;
  /** SQS queue that EventBridge feeds with spot interruption and rebalance events. */
  interruptionQueueUrl?: string;
  /**
   * Run pods on Fargate when it is the cheapest: berth keeps one Fargate
   * profile for the installation (any namespace, pods carrying its labels).
   * Absent: Fargate is not configured, and its offerings are out of reach.
   */
  fargate?: {
    /** The role Fargate pods run as (arn:aws:iam::…:role/…). */
    podExecutionRoleArn: string;
    /** Private subnets for Fargate pods; default: the subnets of `subnets`. */
    subnets?: readonly string[];
  };
}
