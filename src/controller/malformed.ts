import type { V1Pod } from '@kubernetes/client-node';
import type { StepContext } from './step-context.ts';

export const REASON_MALFORMED_BERTH = 'MalformedBerth';

/**
 * A Berth someone broke by hand: nothing is decided, launched or torn down
 * for its pod until it is fixed or deleted (acting on half a record could
 * buy a second machine or take one away). Said once per problem: a warning
 * in the log and an Event on the pod, or on the Berth when there is no pod.
 */
export async function reportMalformed(
  ctx: StepContext,
  key: string,
  pod: V1Pod | undefined,
  problem: string,
): Promise<void> {
  // Once per problem and per object told: a pod that shows up after its Berth was reported hears it too.
  const said = `${pod?.metadata?.uid ?? 'berth'} ${problem}`;
  if (ctx.malformed.get(key) === said) return;
  ctx.malformed.set(key, said);
  const note = `${problem}; berth leaves this pod alone until the Berth is fixed or deleted`;
  ctx.log.warn({ pod: key, problem }, 'malformed Berth: pod left alone');
  if (pod) {
    await ctx.writer.event(pod, 'Warning', REASON_MALFORMED_BERTH, note);
  } else {
    const slash = key.indexOf('/');
    const berth = { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
    await ctx.writer.berthEvent(berth, 'Warning', REASON_MALFORMED_BERTH, note);
  }
}
