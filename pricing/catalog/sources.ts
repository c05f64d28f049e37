import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Static, type TSchema, Type as T } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { InputError } from '../../src/model/index.ts';

/**
 * The parts of `../shared/catalog-sources/` the builder reads, as schemas, so
 * a changed or damaged source file fails with its name and the JSON path
 * instead of a TypeError deep in a converter. Only the fields we use are
 * listed; anything else in the files is allowed and ignored.
 */
const Num = T.Number();
const NullableNum = T.Union([T.Number(), T.Null()]);
const NullableStr = T.Union([T.String(), T.Null()]);

export const RawSourceSchema = T.Object({
  repo: T.String(),
  commit: T.String(),
  path: T.String(),
  license: T.String(),
  generatedAt: T.Optional(NullableStr),
  fileLastCommit: T.Optional(T.Object({ date: T.String() })),
  note: T.Optional(T.String()),
  currency: T.Optional(T.String()),
  regions: T.Optional(T.Array(T.String())),
});
const Sources = T.Union([RawSourceSchema, T.Array(RawSourceSchema)]);

export const AwsOnDemandSchema = T.Object({
  source: Sources,
  data: T.Record(T.String(), T.Record(T.String(), Num)),
  dataNonUSD: T.Optional(T.Record(T.String(), T.Object({ currency: T.String() }))),
});

export const AwsSpotAdvisorSchema = T.Object({
  source: Sources,
  bands: T.Array(T.Object({ index: T.Integer(), label: T.String(), maxPct: Num })),
  data: T.Record(
    T.String(),
    T.Record(T.String(), T.Object({ savingsPct: Num, interruptionBand: T.String(), bandMaxPct: Num })),
  ),
});

const AwsGpu = T.Object({
  count: Num,
  model: NullableStr,
  memoryMiB: NullableNum,
});
export const AwsInstanceTypesSchema = T.Object({
  source: Sources,
  data: T.Record(
    T.String(),
    T.Object({
      vcpu: Num,
      memoryMiB: Num,
      arch: T.Union([T.Array(T.String()), T.Null()]),
      gpu: T.Union([AwsGpu, T.Null()]),
      neuron: T.Optional(T.Unknown()),
      inferenceAccelerator: T.Optional(T.Unknown()),
      fpga: T.Optional(T.Unknown()),
      burstable: T.Optional(T.Union([T.Boolean(), T.Null()])),
      usageClasses: T.Optional(T.Array(T.String())),
      maxNetworkInterfaces: T.Optional(NullableNum),
      ipv4PerInterface: T.Optional(NullableNum),
    }),
  ),
});

export const AwsOfferingsSchema = T.Object({
  source: Sources,
  data: T.Record(T.String(), T.Record(T.String(), T.Array(T.String()))),
});

export const GcpPricesSchema = T.Object({
  source: Sources,
  data: T.Record(T.String(), T.Record(T.String(), T.Object({ onDemand: NullableNum, spot: NullableNum }))),
});

export const GcpMachineTypesSchema = T.Object({
  source: Sources,
  data: T.Record(
    T.String(),
    T.Object({
      vcpu: Num,
      memoryMiB: Num,
      arch: NullableStr,
      gpu: T.Union([AwsGpu, T.Null()]),
      sharedCpu: T.Optional(T.Boolean()),
      tpu: T.Optional(T.Unknown()),
      series: T.String(),
    }),
  ),
});

export const AzurePricesSchema = T.Object({
  source: Sources,
  data: T.Record(T.String(), T.Record(T.String(), Num)),
});

const AzureGpu = T.Object({
  count: Num,
  model: NullableStr,
  memoryMiB: NullableNum,
  gpuFraction: T.Optional(Num),
  kind: T.Optional(T.String()),
});
const AzureSize = T.Object({
  vcpu: Num,
  memoryMiB: Num,
  arch: NullableStr,
  gpu: T.Union([AzureGpu, T.Null()]),
  vcpuAvailable: T.Optional(Num),
  burstable: T.Optional(T.Boolean()),
});
export const AzureVmSizesSchema = T.Object({
  source: Sources,
  data: T.Record(T.String(), AzureSize),
  derivedData: T.Optional(T.Record(T.String(), AzureSize)),
});

const Rate = T.Object({ vcpuHour: Num, gibHour: Num });
const PerSecondRate = T.Object({ vcpuSecond: Num, gibSecond: Num });
const MemoryList = T.Union([T.Array(Num), T.Object({ from: Num, to: Num, step: Num })]);
export const ServerlessRatesSchema = T.Object({
  description: T.String(),
  notes: T.Array(T.String()),
  data: T.Object({
    'aws-fargate': T.Object({
      region: T.String(),
      'linux-x86_64': Rate,
      'linux-arm64': Rate,
      verified: T.Boolean(),
      sources: T.Array(T.String()),
      shapes: T.Array(T.Object({ vcpu: Num, memoryGiB: MemoryList })),
      shapesSource: T.String(),
    }),
    'gke-autopilot': T.Object({
      region: T.String(),
      'general-purpose': Rate,
      verified: T.Boolean(),
      sources: T.Array(T.String()),
    }),
    'azure-container-instances': T.Object({
      region: T.String(),
      linux: PerSecondRate,
      verified: T.Boolean(),
      sources: T.Array(T.String()),
    }),
  }),
});

export type RawSource = Static<typeof RawSourceSchema>;
export type AwsOnDemand = Static<typeof AwsOnDemandSchema>;
export type AwsSpotAdvisor = Static<typeof AwsSpotAdvisorSchema>;
export type AwsInstanceTypes = Static<typeof AwsInstanceTypesSchema>;
export type AwsTypeSpec = AwsInstanceTypes['data'][string];
export type AwsOfferings = Static<typeof AwsOfferingsSchema>;
export type GcpPrices = Static<typeof GcpPricesSchema>;
export type GcpMachineTypes = Static<typeof GcpMachineTypesSchema>;
export type GcpTypeSpec = GcpMachineTypes['data'][string];
export type AzurePrices = Static<typeof AzurePricesSchema>;
export type AzureVmSizes = Static<typeof AzureVmSizesSchema>;
export type AzureSizeSpec = AzureVmSizes['data'][string];
export type ServerlessRates = Static<typeof ServerlessRatesSchema>;
export type MemorySpec = ServerlessRates['data']['aws-fargate']['shapes'][number]['memoryGiB'];

/** `/regions/eastus/x` -> `regions.eastus.x`: how people read a path into a JSON file. */
export function jsonPath(pointer: string): string {
  const parts = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  return parts.length === 0 ? '(root)' : parts.join('.');
}

/** Checks `value` against `schema`; throws an InputError naming `file` and the first bad path. */
export function checkAgainst<S extends TSchema>(schema: S, value: unknown, file: string): Static<S> {
  if (Value.Check(schema, value)) return value;
  const first = Value.Errors(schema, value).First();
  throw new InputError(first ? first.message.toLowerCase() : 'does not match the expected format', {
    source: file,
    field: first ? jsonPath(first.path) : undefined,
  });
}

/** Reads and checks one JSON file of the sources directory. */
export function readSource<S extends TSchema>(dir: string, relPath: string, schema: S): Static<S> {
  const file = join(dir, relPath);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = err instanceof Error && 'code' in err ? String(err.code) : '';
    throw new InputError(
      code === 'ENOENT'
        ? 'file not found (is the sources directory right? see --sources)'
        : `cannot read: ${code}`,
      { source: file },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new InputError(`not valid JSON (${err instanceof Error ? err.message : String(err)})`, {
      source: file,
    });
  }
  return checkAgainst(schema, parsed, relPath);
}

export function sourceList(source: RawSource | RawSource[]): RawSource[] {
  return Array.isArray(source) ? source : [source];
}
