import { randomUUID } from 'node:crypto';
import { type Ec2Reply, startEc2QueryProxy } from '../../providers/aws/ec2-query-proxy.ts';

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
  /**
   * Hold the call this long before passing it to moto, and drop it if the
   * caller hangs up meanwhile: a call that never lands, as when the caller dies.
   */
  holdRequestMs?: number;
  /** Matches this many calls; default 1. */
  times?: number;
  /**
   * CreateFleet only: moto launches `missing` fewer machines than asked and
   * the answer carries an Errors entry with `code`, as EC2's instant fleet
   * answers a partial fulfilment.
   */
  partial?: { missing: number; code: string; message?: string };
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

/** Where the SDK puts a fleet's first override in the Query API. */
const FLEET_OVERRIDE = 'LaunchTemplateConfigs.1.Overrides.1';
const FLEET_TARGET = 'TargetCapacitySpecification.TotalTargetCapacity';

/** A CreateFleet answer's Errors entry, in EC2's XML shape (errorSet of items). */
export function fleetErrorXml(code: string, message: string, instanceType: string | undefined): string {
  return (
    '<errorSet><item>' +
    `<errorCode>${code}</errorCode><errorMessage>${message}</errorMessage>` +
    (instanceType
      ? `<launchTemplateAndOverrides><overrides><instanceType>${instanceType}</instanceType></overrides></launchTemplateAndOverrides>`
      : '') +
    '</item></errorSet>'
  );
}

/** A fleet short of `missing` machines: moto launches the rest, the answer says why the others are missing. */
function partly(params: URLSearchParams, reply: Ec2Reply, p: NonNullable<FaultRule['partial']>): void {
  const asked = Number(params.get(FLEET_TARGET) ?? '0');
  const errors = fleetErrorXml(
    p.code,
    p.message ?? `injected ${p.code}`,
    params.get(`${FLEET_OVERRIDE}.InstanceType`) ?? undefined,
  );
  if (asked - p.missing <= 0) {
    reply.xml(
      200,
      `<?xml version="1.0" encoding="UTF-8"?>\n<CreateFleetResponse><requestId>${randomUUID()}</requestId>` +
        `<fleetId>fleet-${randomUUID()}</fleetId>${errors}<fleetInstanceSet/></CreateFleetResponse>`,
    );
    return;
  }
  const fewer = new URLSearchParams(params);
  fewer.set(FLEET_TARGET, String(asked - p.missing));
  reply.forward({
    params: fewer,
    rewrite: (answer) => answer.replace('</CreateFleetResponse>', `${errors}</CreateFleetResponse>`),
  });
}

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const rules: (FaultRule & { left: number })[] = [];
  const calls: ProxiedCall[] = [];
  const proxy = await startEc2QueryProxy(upstream, ({ action, params }, reply) => {
    const instanceType =
      params.get('InstanceType') ?? params.get(`${FLEET_OVERRIDE}.InstanceType`) ?? undefined;
    const i = rules.findIndex(
      (r) => r.action === action && (r.instanceType === undefined || r.instanceType === instanceType),
    );
    const rule = rules[i];
    if (rule) {
      rule.left -= 1;
      if (rule.left <= 0) rules.splice(i, 1);
    }
    const subnetId = params.get('SubnetId') ?? params.get(`${FLEET_OVERRIDE}.SubnetId`) ?? undefined;
    calls.push({
      action,
      ...(instanceType ? { instanceType } : {}),
      ...(subnetId ? { subnetId } : {}),
      faulted: rule?.code !== undefined || rule?.partial !== undefined,
    });
    if (rule?.code)
      return reply.error(rule.status ?? 400, rule.code, rule.message ?? `injected ${rule.code}`);
    if (rule?.partial) return partly(params, reply, rule.partial);
    if (rule?.holdRequestMs !== undefined) {
      const holdMs = rule.holdMs ?? 0;
      setTimeout(() => {
        if (!reply.gone()) reply.forward({ holdMs });
      }, rule.holdRequestMs);
      return;
    }
    reply.forward({ holdMs: rule?.holdMs ?? 0 });
  });
  return {
    endpoint: proxy.endpoint,
    add: (rule) => rules.push({ ...rule, left: rule.times ?? 1 }),
    calls,
    close: proxy.close,
  };
}
