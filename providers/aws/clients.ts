import { EC2Client, type EC2ClientConfig } from '@aws-sdk/client-ec2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { boundedRetryStrategy, DEFAULT_RETRY, type RetryPolicy } from './retry.ts';

export interface AwsClientOptions {
  region: string;
  /** An emulator's URL (moto); absent means AWS itself. */
  endpoint?: string;
  /** Default: the SDK's chain (environment, profile, EKS Pod Identity / IRSA, instance role). */
  credentials?: EC2ClientConfig['credentials'];
  retry?: RetryPolicy;
}

function common(o: AwsClientOptions) {
  const retry = o.retry ?? DEFAULT_RETRY;
  return {
    region: o.region,
    maxAttempts: retry.maxAttempts,
    retryStrategy: boundedRetryStrategy(retry),
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    ...(o.credentials ? { credentials: o.credentials } : {}),
  };
}

export function ec2Client(o: AwsClientOptions): EC2Client {
  return new EC2Client(common(o));
}

export function sqsClient(o: AwsClientOptions): SQSClient {
  return new SQSClient(common(o));
}
