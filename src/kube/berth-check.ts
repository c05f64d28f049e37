/**
 * Checks a Berth read from the API server before anything acts on it. A
 * Berth edited by hand (or stored under an older CRD) may lack fields or hold
 * the wrong types; acting on one would throw deep in a watch callback or the
 * reconciler, so it is reported and left alone instead.
 */
import { FormatRegistry } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { BerthSpecSchema, BerthStatusSchema } from '../model/berth-schema.ts';
import { BERTH_KIND, type BerthObject, isRecord } from '../model/index.ts';

// TypeBox fails any format it does not know; the API server checks date-time the same way.
if (!FormatRegistry.Has('date-time')) {
  FormatRegistry.Set('date-time', (v) => /^\d{4}-\d{2}-\d{2}T/.test(v) && !Number.isNaN(Date.parse(v)));
}

const spec = TypeCompiler.Compile(BerthSpecSchema);
const status = TypeCompiler.Compile(BerthStatusSchema);

/** A JSON pointer (`/pod/uid`) as a field path under `prefix` (`spec.pod.uid`). */
function field(prefix: string, pointer: string): string {
  const parts = pointer.split('/').filter((p) => p !== '');
  return [prefix, ...parts.map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))]
    .join('.')
    .replace(/\.(\d+)(?=\.|$)/g, '[$1]');
}

/**
 * Why this object cannot be used as a Berth, naming the object and the
 * field; undefined when it can. Besides the schema: a Berth is named after
 * its pod, so spec.pod must be that pod, with a uid.
 */
export function berthProblem(obj: unknown): string | undefined {
  const meta = isRecord(obj) && isRecord(obj.metadata) ? obj.metadata : {};
  const name = `${String(meta.namespace ?? '')}/${String(meta.name ?? '')}`;
  const bad = (path: string, what: string) => `${BERTH_KIND} ${name}: ${path}: ${what}`;
  if (!isRecord(obj) || typeof meta.name !== 'string' || typeof meta.namespace !== 'string') {
    return bad('metadata', 'expected a namespaced object with a name');
  }
  if (!isRecord(obj.spec)) return bad('spec', 'missing');
  const specError = spec.Errors(obj.spec).First();
  if (specError) return bad(field('spec', specError.path), specError.message);
  if (obj.status !== undefined) {
    const statusError = status.Errors(obj.status).First();
    if (statusError) return bad(field('status', statusError.path), statusError.message);
  }
  const pod = (obj as unknown as BerthObject).spec.pod;
  if (pod.namespace !== meta.namespace || pod.name !== meta.name) {
    return bad(
      'spec.pod',
      `names pod ${pod.namespace}/${pod.name}, but a Berth is named after its pod (${name})`,
    );
  }
  if (pod.uid === '')
    return bad('spec.pod.uid', 'empty: the Berth cannot tell this pod from an older one of the same name');
  return undefined;
}

/** The object as a Berth when it is one the controller can use. */
export function isUsableBerth(obj: unknown): obj is BerthObject {
  return berthProblem(obj) === undefined;
}
