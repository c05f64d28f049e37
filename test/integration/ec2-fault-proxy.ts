import { startEc2QueryProxy } from '../../providers/aws/ec2-query-proxy.ts';

export { ec2ErrorXml } from '../../providers/aws/ec2-query-proxy.ts';

/**
 * What moto can't do: a capacity error, an access error, a slow answer. A
 * rule matches an EC2 Query API call by action (and instance type); it
 * either answers with EC2's own XML error shape, or passes the call through
 * to moto and holds the answer back for a while. Rules are used up in order.
 */
export interface FaultRule {
  action: string;
  instanceType?: string;
  /** Answer with this EC2 error code instead of calling moto. */
  code?: string;
  /** HTTP status of the error (EC2 sends capacity errors as 500, client errors as 400). Default 400. */
  status?: number;
  message?: string;
  /** Pass through, but answer this much later. */
  holdMs?: number;
  /** Matches this many calls; default 1. */
  times?: number;
}

export interface ProxiedCall {
  action: string;
  instanceType?: string;
  subnetId?: string;
  /** The fault answered it (true) or moto did (false). */
  faulted: boolean;
}

export interface FaultProxy {
  endpoint: string;
  add(rule: FaultRule): void;
  /** EC2 Query API calls seen, oldest first. */
  readonly calls: ProxiedCall[];
  close(): Promise<void>;
}

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const rules: (FaultRule & { left: number })[] = [];
  const calls: ProxiedCall[] = [];
  const proxy = await startEc2QueryProxy(upstream, ({ action, params }, reply) => {
    const instanceType = params.get('InstanceType') ?? undefined;
    const i = rules.findIndex(
      (r) => r.action === action && (r.instanceType === undefined || r.instanceType === instanceType),
    );
    const rule = rules[i];
    if (rule) {
      rule.left -= 1;
      if (rule.left <= 0) rules.splice(i, 1);
    }
    const subnetId = params.get('SubnetId') ?? undefined;
    calls.push({
      action,
      ...(instanceType ? { instanceType } : {}),
      ...(subnetId ? { subnetId } : {}),
      faulted: rule?.code !== undefined,
    });
    if (rule?.code)
      return reply.error(rule.status ?? 400, rule.code, rule.message ?? `injected ${rule.code}`);
    reply.forward(rule?.holdMs ?? 0);
  });
  return {
    endpoint: proxy.endpoint,
    add: (rule) => rules.push({ ...rule, left: rule.times ?? 1 }),
    calls,
    close: proxy.close,
  };
}
