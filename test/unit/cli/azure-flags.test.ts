import { describe, expect, it } from 'vitest';
import { parseEvictionRates, parseZones } from '../../../src/cli/azure-flags.ts';
import { azureKit } from '../../../src/cli/azure-kit.ts';
import { inputErrorOf } from '../../fixtures/input-error.ts';

const SUB = '00000000-0000-0000-0000-000000000000';
const good = {
  azureSubscription: SUB,
  azureResourceGroup: 'MC_prod_aks_eastus',
  azureCluster: 'prod',
  azureSubnet: `/subscriptions/${SUB}/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/v/subnets/nodes`,
  azureImage: 'microsoft-aks:aks:aks-ubuntu-2204gen2:latest',
  azureBootstrapToken: 'abcdef.0123456789abcdef',
  azureSshPublicKey: 'ssh-ed25519 AAAAC3Nza',
  azureZones: '1,2,3',
};
const defaults = { region: 'eastus', kubeServer: 'https://api:443', kubeCaData: 'Q0E=' };

describe('berth run --provider azure flags', () => {
  it('configures the provider in --region, with the kubeconfig cluster as the default join target', async () => {
    const p = azureKit.provider(good, defaults);
    expect(p.region).toBe('eastus');
    const setup = await p.setup();
    expect(setup).toMatchObject({ name: 'azure', cloud: 'azure', region: 'eastus' });
    expect(setup.reach.zones).toEqual(['eastus-1', 'eastus-2', 'eastus-3']);
  });

  it('names the flag that is missing or wrong, before anything is loaded', () => {
    expect(
      inputErrorOf(() => azureKit.provider({ ...good, azureSubscription: undefined }, defaults)).where.field,
    ).toBe('--azure-subscription');
    expect(
      inputErrorOf(() => azureKit.provider({ ...good, azureSubscription: 'nope' }, defaults)).where.field,
    ).toBe('--azure-subscription');
    expect(
      inputErrorOf(() => azureKit.provider({ ...good, azureSubnet: 'subnet-1' }, defaults)).where.field,
    ).toBe('--azure-subnet');
    expect(
      inputErrorOf(() => azureKit.provider({ ...good, azureBootstrapToken: 'secret' }, defaults)).where.field,
    ).toBe('--azure-bootstrap-token');
    expect(inputErrorOf(() => azureKit.provider({ ...good, azureZones: '1,a' }, defaults)).where.field).toBe(
      '--azure-zones',
    );
    expect(
      inputErrorOf(() => azureKit.provider({ ...good, azureImage: 'ubuntu' }, defaults)).where.field,
    ).toBe('--azure-image');
  });

  it('reads zones and eviction rates', () => {
    expect(parseZones(' 1, 3 ')).toEqual(['1', '3']);
    expect(parseZones('')).toBeUndefined();
    expect(parseEvictionRates('{"Standard_D2s_v5":"0-5"}')).toEqual({ Standard_D2s_v5: '0-5' });
    expect(inputErrorOf(() => parseEvictionRates('[1]')).where.field).toBe('--azure-eviction-rates');
  });
});
