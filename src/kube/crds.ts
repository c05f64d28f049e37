/**
 * Installs berth's CRDs (deploy/crds/) with server-side apply and waits until
 * the API server serves them. Apply is declarative, so running it again (a
 * restart, a second replica, an upgrade) converges on the same objects.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ApiextensionsV1Api,
  type KubeConfig,
  PatchStrategy,
  type V1CustomResourceDefinition,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { describeError } from './api-errors.ts';

/** The CRD manifests shipped with the code (the image copies deploy/crds/ beside src/). */
export const CRD_DIR = fileURLToPath(new URL('../../deploy/crds/', import.meta.url));
export const FIELD_MANAGER = 'berth';

interface CrdManifest {
  apiVersion: string;
  kind: 'CustomResourceDefinition';
  metadata: { name: string };
  [key: string]: unknown;
}

function isCrdManifest(v: unknown): v is CrdManifest {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  const meta = o.metadata as Record<string, unknown> | undefined;
  return o.kind === 'CustomResourceDefinition' && typeof meta?.name === 'string';
}

/** Every CRD manifest in a directory, in file order. */
export async function readCrdManifests(dir = CRD_DIR): Promise<CrdManifest[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml')).sort();
  const manifests: CrdManifest[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(await readFile(join(dir, file), 'utf8'))) {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]?.message}`);
      const value: unknown = doc.toJS();
      if (value === null || value === undefined) continue;
      if (!isCrdManifest(value)) throw new Error(`${file}: not a CustomResourceDefinition`);
      manifests.push(value);
    }
  }
  return manifests;
}

function isEstablished(crd: V1CustomResourceDefinition): boolean {
  const conditions = crd.status?.conditions ?? [];
  const established = conditions.some((c) => c.type === 'Established' && c.status === 'True');
  const named = conditions.some((c) => c.type === 'NamesAccepted' && c.status === 'True');
  return established && named;
}

export interface InstallCrdsOptions {
  dir?: string;
  /** How long to wait for each CRD to be Established. */
  timeoutMs?: number;
}

/** Applies every CRD and resolves once each is Established; throws naming the CRD that wasn't. */
export async function installCrds(kc: KubeConfig, options: InstallCrdsOptions = {}): Promise<string[]> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  const manifests = await readCrdManifests(options.dir);
  const apply = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
  for (const body of manifests) {
    try {
      await api.patchCustomResourceDefinition(
        { name: body.metadata.name, body, fieldManager: FIELD_MANAGER, force: true },
        apply,
      );
    } catch (err) {
      throw new Error(`applying CRD ${body.metadata.name}: ${describeError(err)}`);
    }
  }
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (const { metadata } of manifests) {
    for (;;) {
      const crd = await api.readCustomResourceDefinition({ name: metadata.name });
      if (isEstablished(crd)) break;
      if (Date.now() > deadline) {
        const why = crd.status?.conditions?.map((c) => `${c.type}=${c.status} ${c.message ?? ''}`).join('; ');
        throw new Error(`CRD ${metadata.name} not Established in time (${why || 'no conditions yet'})`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return manifests.map((m) => m.metadata.name);
}
