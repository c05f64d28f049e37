import { ApiException, CoreV1Api, type KubeConfig, type V1Node } from '@kubernetes/client-node';

/**
 * Stands in for the kubelet on machines launched into an emulator or a local
 * cloud API server, for the tests and the demo, whatever the cloud: each
 * running machine labelled for the cluster registers the Node its kubelet
 * would (the cloud's part: reading the machine's bootstrap data into a Node),
 * and kwok runs it. A Node whose machine is gone is removed, as the cloud
 * controller manager would. Never part of the product build.
 */

/** One machine as the registrar sees it; `M` carries what the cloud's `nodeFor` needs. */
export interface SimulatedMachine {
  /** The machine's id; a Node is only removed when its providerID ends with `/<id>`. */
  id: string;
  /** The Node name its kubelet registers; empty when the machine names none (skipped). */
  nodeName: string;
  state: 'running' | 'gone' | 'other';
}

/** The cloud-specific half of a registrar. */
export interface MachineSource<M extends SimulatedMachine = SimulatedMachine> {
  /** Names the cloud in error messages, e.g. `aws`. */
  readonly cloud: string;
  /** Every machine labelled for the cluster, gone ones included while the cloud still lists them. */
  list(): Promise<M[]>;
  /** The Node a kubelet started from this machine's bootstrap data would register. */
  nodeFor(machine: M): Promise<V1Node>;
}

export interface RegistrarOptions<M extends SimulatedMachine> {
  kubeConfig: KubeConfig;
  machines: MachineSource<M>;
  /** Between polls of the cloud. Default 500 ms. */
  intervalMs?: number;
  /**
   * How long a gone machine's Node stays before it is removed. In a real
   * cluster the cloud's node lifecycle controller notices a deleted instance
   * only tens of seconds later, so the cloud's own interruption signal, sent
   * with the deletion, reaches berth first; a stand-in that removed the Node
   * at once would race it. Default 10 s.
   */
  goneGraceMs?: number;
  onError?: (err: unknown) => void;
}

export interface Registrar {
  /** One pass: register what runs, remove what is gone. */
  sync(): Promise<void>;
  /** Node names registered so far. */
  readonly registered: ReadonlySet<string>;
  stop(): Promise<void>;
}

function status(err: unknown): number | undefined {
  return err instanceof ApiException ? err.code : undefined;
}

export function startRegistrar<M extends SimulatedMachine>(o: RegistrarOptions<M>): Registrar {
  const core = o.kubeConfig.makeApiClient(CoreV1Api);
  const source = o.machines;
  const onError =
    o.onError ?? ((err: unknown) => process.stderr.write(`${source.cloud} registrar: ${String(err)}\n`));
  const registered = new Set<string>();
  /** Machines already registered once: a kubelet registers when it starts, not every time its Node is deleted. */
  const seen = new Set<string>();
  const failedOnce = new Set<string>();
  /** Machines gone and their Node removed: nothing more to do for them. */
  const finished = new Set<string>();

  async function register(m: M): Promise<void> {
    if (!m.nodeName) return;
    const node = await source.nodeFor(m);
    try {
      await core.createNode({ body: node });
    } catch (err) {
      if (status(err) !== 409) throw err;
    }
    seen.add(m.id);
    live.set(m.id, m);
    registered.add(m.nodeName);
  }

  async function deregister(m: M): Promise<void> {
    if (!m.nodeName) return;
    let node: V1Node;
    try {
      node = await core.readNode({ name: m.nodeName });
    } catch (err) {
      if (status(err) === 404) return;
      throw err;
    }
    if (!node.spec?.providerID?.endsWith(`/${m.id}`)) return;
    try {
      await core.deleteNode({ name: m.nodeName, body: { preconditions: { uid: node.metadata?.uid } } });
    } catch (err) {
      if (status(err) !== 404 && status(err) !== 409) throw err;
    }
  }

  /** Registered machines by id: one the cloud stops listing (a deleted VM vanishes) is gone too. */
  const live = new Map<string, M>();
  /** When each gone machine was first seen gone. */
  const goneSince = new Map<string, number>();

  async function sync(): Promise<void> {
    const listed = await source.list();
    const ids = new Set(listed.map((m) => m.id));
    const vanished = [...live.values()]
      .filter((m) => !ids.has(m.id))
      .map((m) => ({ ...m, state: 'gone' as const }));
    for (const m of [...listed, ...vanished]) {
      try {
        if (m.state === 'running' && !seen.has(m.id)) await register(m);
        else if (m.state === 'gone' && !finished.has(m.id)) {
          const since = goneSince.get(m.id) ?? Date.now();
          goneSince.set(m.id, since);
          if (Date.now() - since < (o.goneGraceMs ?? 10_000)) continue;
          await deregister(m);
          goneSince.delete(m.id);
          finished.add(m.id);
          live.delete(m.id);
        }
      } catch (err) {
        // Reported once per machine, then retried quietly on every pass.
        if (!failedOnce.has(m.id)) onError(new Error(`machine ${m.id}: ${String(err)}`));
        failedOnce.add(m.id);
      }
    }
  }

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = sync()
      .catch(onError)
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, o.intervalMs ?? 500);
      });
  };
  tick();

  return {
    sync,
    registered,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
