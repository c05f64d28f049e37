import { EC2Client, type EC2ClientConfig } from '@aws-sdk/client-ec2';
import { EKSClient } from '@aws-sdk/client-eks';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { AwsRetryOn } from '../../src/model/aws-errors.ts';
import { type AwsRetryPolicy, awsRetryConfig } from '../../src/model/aws-retry.ts';
import { type Ec2PacingOptions, ec2Pacer, usePacing } from './ec2-pacing.ts';

/** EC2 throttles per account and action; a burst of launches can meet it, so allow more tries than the SDK's 3. */
export const DEFAULT_RETRY: AwsRetryPolicy = { maxAttempts: 8, baseDelayMs: 200, maxDelayMs: 10_000 };

export interface AwsClientOptions {
  region: string;
  /** An emulator's URL (moto); absent means AWS itself. */
  endpoint?: string;
  /** Default: the SDK's chain (environment, profile, EKS Pod Identity / IRSA, instance role). */
  credentials?: EC2ClientConfig['credentials'];
  retry?: Partial<AwsRetryPolicy>;
  /** EC2 calls wait for their turn in EC2's documented token buckets (ec2-limits.ts); `false` sends them at once. */
  pacing?: Ec2PacingOptions | false;
}

/** The EC2 clients of a region share its pacer: EC2 meters the account, not the client. */
function paced(client: EC2Client, o: AwsClientOptions): EC2Client {
  if (o.pacing !== false) usePacing(client, ec2Pacer(o.region, o.endpoint, o.pacing));
  return client;
}

function common(o: AwsClientOptions, retryOn: AwsRetryOn) {
  return {
    region: o.region,
    ...awsRetryConfig({ ...DEFAULT_RETRY, ...o.retry, retryOn }),
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    ...(o.credentials ? { credentials: o.credentials } : {}),
  };
}

/** For calls that are safe to send twice (describe, terminate): retried on throttling and transient failures. */
export function ec2Client(o: AwsClientOptions): EC2Client {
  return paced(new EC2Client(common(o, 'throttling-and-transient')), o);
}

/**
 * For RunInstances: retried only when throttled, i.e. refused before anything
 * was done. A transient failure (a timeout, a 5xx) may have launched the
 * machine; EC2 would recognise the client token, but an EC2-compatible
 * endpoint (moto) need not, so the launch goes back to the provider, which
 * looks for the claim's tagged machine before it tries again.
 */
export function ec2LaunchClient(o: AwsClientOptions): EC2Client {
  return paced(new EC2Client(common(o, 'throttling')), o);
}

export function sqsClient(o: AwsClientOptions): SQSClient {
  return new SQSClient(common(o, 'throttling-and-transient'));
}

/** For the Fargate profile berth keeps: describe and create are safe to repeat (create is keyed by name). */
export function eksClient(o: AwsClientOptions): EKSClient {
  return new EKSClient(common(o, 'throttling-and-transient'));
}
