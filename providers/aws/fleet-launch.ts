import { createHash } from 'node:crypto';
import {
  CreateFleetCommand,
  type CreateFleetCommandInput,
  type CreateFleetResult,
  CreateTagsCommand,
  type EC2Client,
  type _InstanceType,
} from '@aws-sdk/client-ec2';
import {
  type AwsProviderConfig,
  CapacityError,
  type Claim,
  classifyAwsError,
  classifyEc2Error,
  type Instance,
} from '../../src/model/index.ts';
import type { BatchOutcome } from '../launch-batches.ts';
import { batchUserData } from './batch-boot.ts';
import { launchTemplateData, launchTemplateName, launchTemplates } from './launch-template.ts';
import { type SubnetChoice, subnetsFor } from './launch-request.ts';
import { claimOnlyTags, type Ownership, ownershipTags, providerIdOf, TAG_BATCH } from './tags.ts';
import type { ClusterBootstrap } from './user-data.ts';

/** EC2 takes up to 200 values in one filter. */
export const MAX_FILTER_VALUES = 200;

/**
 * One batch's idempotency token: the same claims in the same subnet always
 * send the same token, so a retried CreateFleet answers with the first
 * call's machines. 64 ASCII characters, as EC2 allows.
 */
export function batchToken(owner: Ownership, claimIds: readonly string[], subnetId: string): string {
  return createHash('sha256')
    .update(`${owner.cluster}\n${[...claimIds].sort().join(',')}\n${subnetId}`)
    .digest('hex');
}

/** The CreateFleet call for a batch in one subnet: one machine per claim, all of the batch's template. */
export function createFleetInput(
  claims: readonly Claim[],
  template: string,
  owner: Ownership,
  subnet: SubnetChoice,
): CreateFleetCommandInput {
  const first = claims[0];
  if (!first) throw new Error('a batch needs at least one claim');
  const o = first.offering;
  const spot = o.capacityType === 'spot';
  const token = batchToken(
    owner,
    claims.map((c) => c.id),
    subnet.subnetId,
  );
  return {
    Type: 'instant',
    ClientToken: token,
    LaunchTemplateConfigs: [
      {
        LaunchTemplateSpecification: { LaunchTemplateName: template, Version: '$Default' },
        Overrides: [
          {
            InstanceType: o.instanceType as _InstanceType,
            SubnetId: subnet.subnetId,
          },
        ],
      },
    ],
    TargetCapacitySpecification: {
      TotalTargetCapacity: claims.length,
      DefaultTargetCapacityType: spot ? 'spot' : 'on-demand',
    },
    // Spot one-time and terminated on interruption: berth replaces, never restarts.
    ...(spot
      ? {
          SpotOptions: {
            AllocationStrategy: 'price-capacity-optimized',
            InstanceInterruptionBehavior: 'terminate',
          },
        }
      : { OnDemandOptions: { AllocationStrategy: 'lowest-price' } }),
    TagSpecifications: [
      {
        ResourceType: 'instance',
        Tags: [...ownershipTags(owner), { Key: TAG_BATCH, Value: token.slice(0, 32) }],
      },
    ],
  };
}

/** The instance ids a CreateFleet answer launched, in its order. */
export function fleetInstanceIds(out: CreateFleetResult): string[] {
  return (out.Instances ?? []).flatMap((i) => i.InstanceIds ?? []);
}

/** Why a fleet launched fewer machines than asked, as the error each claim left without one gets. */
export function shortfallError(
  out: CreateFleetResult,
  offeringId: string,
  asked: number,
  got: number,
): Error {
  const e = out.Errors?.[0];
  if (e?.ErrorCode) {
    return classifyEc2Error(
      { name: e.ErrorCode, message: e.ErrorMessage ?? e.ErrorCode },
      offeringId,
      'ec2:CreateFleet',
    );
  }
  return new CapacityError(
    offeringId,
    'insufficient-capacity',
    `CreateFleet launched ${got} of ${asked} machines`,
  );
}

/** A regional offering may find room in the next zone; quotas and spot limits are account-wide. */
export function zoneBound(e: Error, zonal: boolean): boolean {
  return (
    !zonal &&
    e instanceof CapacityError &&
    (e.reason === 'insufficient-capacity' || e.reason === 'unsupported')
  );
}

export interface FleetLauncherDeps {
  /** For describe, tag and template calls (safe to repeat). */
  ec2: EC2Client;
  /** For CreateFleet (retried only when throttled). */
  launcher: EC2Client;
  config: AwsProviderConfig;
  owner: Ownership;
  bootstrap: ClusterBootstrap;
  /** Labels every machine of the installation carries. */
  ownershipLabels: Record<string, string>;
  /** The live machines already tagged for these claims (one DescribeInstances per 200 claims). */
  findClaims(claimIds: readonly string[], signal: AbortSignal): Promise<Map<string, Instance>>;
}

/**
 * EC2's batched launch: the claims of one launch specification as one
 * CreateFleet of type instant, one machine per claim, each tagged for its
 * claim right after (a fleet shares its tags). Claims already launched are
 * answered with their machines; claims the fleet left without one get the
 * capacity error it gave.
 */
export function fleetLauncher(d: FleetLauncherDeps) {
  const templates = launchTemplates(d.ec2, d.owner);

  /** Claims with the same key share one template and one fleet call. */
  function templateFor(claim: Claim) {
    const withLabels = { ...claim, labels: { ...claim.labels, ...d.ownershipLabels } };
    const data = launchTemplateData(claim, d.config, d.owner, batchUserData(withLabels, d.bootstrap));
    return { data, name: launchTemplateName(data) };
  }

  function keyOf(claim: Claim): string {
    const o = claim.offering;
    return [templateFor(claim).name, o.instanceType, o.capacityType, o.zone ?? 'regional'].join('|');
  }

  async function tag(claim: Claim, instanceId: string, zone: string, signal: AbortSignal): Promise<Instance> {
    try {
      await d.ec2.send(new CreateTagsCommand({ Resources: [instanceId], Tags: claimOnlyTags(claim) }), {
        abortSignal: signal,
      });
    } catch (err) {
      throw classifyAwsError(err, 'ec2:CreateTags');
    }
    return {
      id: instanceId,
      claimId: claim.id,
      nodeName: claim.nodeName,
      providerId: providerIdOf(zone, instanceId),
      offeringId: claim.offering.id,
      state: 'pending',
      launchedAt: new Date().toISOString(),
    };
  }

  async function launchMany(claims: readonly Claim[], signal: AbortSignal): Promise<BatchOutcome> {
    const outcome = new Map<string, Instance | Error>();
    const existing = await d.findClaims(
      claims.map((c) => c.id),
      signal,
    );
    for (const [id, i] of existing) outcome.set(id, i);
    let rest = claims.filter((c) => !existing.has(c.id)).sort((a, b) => a.id.localeCompare(b.id));
    const first = rest[0];
    if (!first) return outcome;
    const o = first.offering;
    const template = templateFor(first);
    await templates.ensure(template.name, template.data, signal);
    let lastError: Error | undefined;
    for (const subnet of subnetsFor(o, d.config.subnets)) {
      if (rest.length === 0) break;
      signal.throwIfAborted();
      let out: CreateFleetResult;
      try {
        out = await d.launcher.send(
          new CreateFleetCommand(createFleetInput(rest, template.name, d.owner, subnet)),
          {
            abortSignal: signal,
          },
        );
      } catch (err) {
        lastError = classifyEc2Error(err, o.id, 'ec2:CreateFleet');
        if (zoneBound(lastError, o.zone !== undefined)) continue;
        break;
      }
      const ids = fleetInstanceIds(out);
      const served = rest.slice(0, ids.length);
      // One CreateTags per machine: a fleet's tags are shared, a claim's are its own.
      const tagged = await Promise.allSettled(
        served.map((c, i) => tag(c, ids[i] ?? '', subnet.zone, signal)),
      );
      served.forEach((c, i) => {
        const t = tagged[i];
        if (t) outcome.set(c.id, t.status === 'fulfilled' ? t.value : asError(t.reason));
      });
      rest = rest.slice(ids.length);
      if (rest.length === 0) break;
      lastError = shortfallError(out, o.id, served.length + rest.length, served.length);
      if (!zoneBound(lastError, o.zone !== undefined)) break;
    }
    const left = lastError ?? new CapacityError(o.id, 'unsupported', 'no subnet configured');
    for (const c of rest) outcome.set(c.id, left);
    return outcome;
  }

  return { keyOf, launchMany };
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}
