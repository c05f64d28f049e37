import { describe, expect, it } from 'vitest';
import {
  aksNodeConfig,
  customData,
  NODE_CONFIG_PATH,
  registrationOf,
} from '../../../providers/azure/custom-data.ts';
import { AzureAccessError, classifyArmError } from '../../../providers/azure/errors.ts';
import { parseEvictionMessage } from '../../../providers/azure/eviction-events.ts';
import { claimNames, vmNameOf } from '../../../providers/azure/names.ts';
import { zonesFor } from '../../../providers/azure/provider.ts';
import { CapacityError, type Claim } from '../../../src/model/index.ts';
import { testOffering } from '../../fixtures/offering.ts';

const claim: Claim = {
  id: 'b-1',
  nodeName: 'berth-node-1',
  pod: { namespace: 'ns', name: 'p', uid: 'u-1' },
  offering: testOffering({ cloud: 'azure', region: 'eastus', instanceType: 'Standard_D2s_v5' }),
  labels: { 'berth.dev/pod-uid': 'u-1', 'berth.dev/capacity-type': 'spot' },
  taints: [{ key: 'berth.dev/dedicated', value: 'u-1', effect: 'NoSchedule' }],
  node: { rootVolumeGiB: 40, maxPods: 8 },
};
const bootstrap = {
  apiServer: 'https://aks-abc.hcp.eastus.azmk8s.io:443',
  caCertBase64: 'Q0E=',
  bootstrapToken: 'abcdef.0123456789abcdef',
  location: 'eastus',
  resourceGroup: 'MC_rg',
};

describe('custom data', () => {
  it('carries the bootstrap variables and the kubelet taint, labels and maxPods, and reads back as the node would', () => {
    const config = aksNodeConfig(claim, bootstrap);
    expect(config.apiServerConfig.apiServerName).toBe('aks-abc.hcp.eastus.azmk8s.io');
    expect(config.bootstrappingConfig.tlsBootstrappingToken).toBe('abcdef.0123456789abcdef');
    expect(config.kubeletConfig.kubeletFlags['--register-with-taints']).toBe(
      'berth.dev/dedicated=u-1:NoSchedule',
    );
    const data = customData(claim, bootstrap);
    const text = Buffer.from(data, 'base64').toString('utf8');
    expect(text.startsWith('#cloud-config')).toBe(true);
    expect(text).toContain(NODE_CONFIG_PATH);
    const reg = registrationOf(data);
    expect(reg.labels).toEqual(claim.labels);
    expect(reg.taints).toEqual(claim.taints);
    expect(reg.maxPods).toBe(8);
  });

  it('refuses a label value the kubelet could not register', () => {
    expect(() => customData({ ...claim, labels: { a: 'x,y' } }, bootstrap)).toThrow(/label a/);
  });
});

describe('ARM errors', () => {
  const rest = (code: string, statusCode: number, message = code) =>
    Object.assign(new Error(message), { name: 'RestError', code, statusCode });
  it('capacity answers become CapacityErrors, quota included', () => {
    const id = claim.offering.id;
    expect((classifyArmError(rest('SkuNotAvailable', 409), 'x', id) as CapacityError).reason).toBe(
      'unsupported',
    );
    expect(
      (
        classifyArmError(
          new Error('The long-running operation has failed. ZonalAllocationFailed. No room.'),
          'x',
          id,
        ) as CapacityError
      ).reason,
    ).toBe('insufficient-capacity');
    expect(
      (classifyArmError(rest('OverconstrainedAllocationRequest', 409), 'x', id) as CapacityError).reason,
    ).toBe('insufficient-capacity');
    expect(
      (
        classifyArmError(
          rest('OperationNotAllowed', 409, 'exceeding approved Total Regional Cores quota'),
          'x',
          id,
        ) as CapacityError
      ).reason,
    ).toBe('quota');
    expect(classifyArmError(rest('OperationNotAllowed', 409, 'something else'), 'x', id)).not.toBeInstanceOf(
      CapacityError,
    );
  });
  it('AuthorizationFailed names the missing action', () => {
    const e = classifyArmError(
      rest(
        'AuthorizationFailed',
        403,
        "The client 'x' does not have authorization to perform action 'Microsoft.Network/networkInterfaces/write' over scope '/subscriptions/s'",
      ),
      'Microsoft.Compute/virtualMachines/write',
    );
    expect(e).toBeInstanceOf(AzureAccessError);
    expect(e.message).toContain('Microsoft.Network/networkInterfaces/write');
  });
});

describe('names and zones', () => {
  it('the same claim, offering and zone name the same VM; another zone another VM', () => {
    expect(claimNames('c', 'o', '1')).toEqual(claimNames('c', 'o', '1'));
    expect(claimNames('c', 'o', '1').vm).not.toBe(claimNames('c', 'o', '2').vm);
    const { vm } = claimNames('c', 'o', undefined);
    expect(
      vmNameOf(`azure:///subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/virtualMachines/${vm}`),
    ).toBe(vm);
    expect(() => vmNameOf('i-123')).toThrow(/not a berth VM/);
  });
  it('an offering zone is the only one tried; else each configured zone; else regional', () => {
    expect(zonesFor('eastus-2', ['1', '3'])).toEqual(['2']);
    expect(zonesFor(undefined, ['1', '3'])).toEqual(['1', '3']);
    expect(zonesFor(undefined, undefined)).toEqual([undefined]);
  });
});

describe('eviction events', () => {
  const vmId =
    '/subscriptions/s/resourceGroups/MC_rg/providers/Microsoft.Compute/virtualMachines/berth-0123456789abcdef0123';
  const event = (over: Record<string, unknown> = {}) => ({
    id: '1',
    subject: vmId,
    eventType: 'Microsoft.Resources.ResourceActionSuccess',
    eventTime: '2026-11-30T20:00:00.000Z',
    data: { operationName: 'Microsoft.Compute/virtualMachines/evictSpotVM/action', resourceUri: vmId },
    ...over,
  });
  it('reads an eviction, plain or base64, with a deadline 30 s after the event', () => {
    const parsed = parseEvictionMessage(JSON.stringify(event()));
    expect(parsed).toEqual({
      kind: 'eviction',
      vmName: 'berth-0123456789abcdef0123',
      resourceId: vmId,
      deadline: '2026-11-30T20:00:30.000Z',
    });
    expect(parseEvictionMessage(Buffer.from(JSON.stringify([event()])).toString('base64')).kind).toBe(
      'eviction',
    );
  });
  it('ignores other actions and events, and reports what is malformed', () => {
    expect(
      parseEvictionMessage(
        JSON.stringify(event({ data: { operationName: 'Microsoft.Compute/virtualMachines/start/action' } })),
      ).kind,
    ).toBe('ignored');
    expect(
      parseEvictionMessage(JSON.stringify(event({ eventType: 'Microsoft.Resources.ResourceWriteSuccess' })))
        .kind,
    ).toBe('ignored');
    expect(parseEvictionMessage('{{').kind).toBe('malformed');
    expect(parseEvictionMessage(JSON.stringify(event({ eventTime: 'soon' }))).kind).toBe('malformed');
  });
});
