// The pod side of the simulated kubelets: one shared informer on pods bound to any node,
// keys of pods on our nodes go to a work queue, and a fixed number of workers (the bound on
// writes in flight) bring each pod to Running/Ready or finish its deletion.
//
// A pod's life here:  bound ─▶ Running/Ready with an IP from its node's /24
//                     deletionTimestamp ─▶ containers terminated ─▶ DELETE (grace 0, uid precondition)
//                     gone (DELETED event) ─▶ its IP goes back to the node's pool
//                     sim.kubelite.io/exit-after ─▶ containers exit (Succeeded/Failed or restart; exit.ts)
import { ApiError } from '../api/errors.js';
import type { KubeObject } from '../api/types.js';
import { Informer, dropManagedFields } from '../client/informer.js';
import type { RestClient } from '../client/rest.js';
import { WorkQueue } from '../client/workqueue.js';
import type { Logger } from '../util/logger.js';
import type { SimClock } from './config.js';
import type { SimNode } from './nodes.js';
import { allContainersTerminated, isRunningAsSimulated, runningStatus, terminatedStatus } from './podstatus.js';
import { exitDueAt, exitedStatus, exitHook } from './exit.js';

export interface PodStats {
  /** status writes that made a pod Running */
  started: number;
  /** pods whose deletion we completed */
  deleted: number;
  /** failed API calls (retried with back-off) */
  errors: number;
  /** bound pods that found their node's /24 full */
  noIP: number;
}

function nodeNameOf(pod: KubeObject): string | undefined {
  const n: unknown = pod.spec?.nodeName;
  return typeof n === 'string' && n !== '' ? n : undefined;
}

function podPath(pod: KubeObject): string {
  return `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`;
}

function isTerminal(pod: KubeObject): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

export class SimPods {
  readonly stats: PodStats = { started: 0, deleted: 0, errors: 0, noIP: 0 };
  private readonly informer: Informer;
  private readonly queue = new WorkQueue<string>();

  constructor(
    private readonly client: RestClient,
    private readonly nodes: ReadonlyMap<string, SimNode>,
    private readonly clock: SimClock,
    private readonly workers: number,
    private readonly log: Logger,
  ) {
    this.informer = new Informer(client, { path: '/api/v1/pods', fieldSelector: 'spec.nodeName!=', pageSize: 500, transform: dropManagedFields }, log);
    this.informer.addHandlers({
      add: (p) => this.enqueue(p),
      update: (_old, p) => this.enqueue(p),
      delete: (p) => this.forget(p),
    });
  }

  /** Pods on our nodes that currently report Running. */
  runningCount(): number {
    let n = 0;
    for (const p of this.informer.list()) if (p.status?.phase === 'Running' && this.nodes.has(nodeNameOf(p) ?? '')) n++;
    return n;
  }

  /** Requeue the pods of a node (after it comes back, or for tests). */
  resync(nodeName: string): void {
    for (const p of this.informer.list()) if (nodeNameOf(p) === nodeName) this.enqueue(p);
  }

  /** Resolves once the pod informer has listed everything (or the signal aborted). */
  async run(signal: AbortSignal, onSynced: () => void): Promise<void> {
    const informerDone = this.informer.run(signal);
    const aborted = new Promise<void>((r) => (signal.aborted ? r() : signal.addEventListener('abort', () => r(), { once: true })));
    await Promise.race([this.informer.waitForSync(), aborted]);
    if (!signal.aborted) {
      this.adoptIPs();
      onSynced();
    }
    signal.addEventListener('abort', () => this.queue.shutdown(), { once: true });
    if (signal.aborted) this.queue.shutdown();
    const workers = Array.from({ length: this.workers }, () => this.worker());
    await Promise.all([informerDone, ...workers]);
  }

  private enqueue(p: KubeObject): void {
    const n = nodeNameOf(p);
    if (!n || !this.nodes.has(n)) return;
    this.queue.add(`${p.metadata.namespace}/${p.metadata.name}`);
  }

  private forget(p: KubeObject): void {
    const node = this.nodes.get(nodeNameOf(p) ?? '');
    if (node && p.metadata.uid) node.pool.release(p.metadata.uid);
  }

  /** After a restart: pods that already have an IP keep it, before any new pod gets one. */
  private adoptIPs(): void {
    for (const p of this.informer.list()) {
      const node = this.nodes.get(nodeNameOf(p) ?? '');
      const ip: unknown = p.status?.podIP;
      if (node && typeof ip === 'string' && p.metadata.uid && !p.spec?.hostNetwork) node.pool.adopt(p.metadata.uid, ip);
    }
  }

  private async worker(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await this.sync(key);
        this.queue.forget(key);
      } catch (err) {
        this.stats.errors++;
        this.log.debug({ err: (err as Error).message, pod: key }, 'sim: pod sync failed; retrying');
        this.queue.addRateLimited(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  private async sync(key: string): Promise<void> {
    const pod = this.informer.get(key);
    if (!pod) return;
    const node = this.nodes.get(nodeNameOf(pod) ?? '');
    if (!node || node.stopped) return;
    if (pod.metadata.deletionTimestamp) return this.finishDeletion(pod);
    if (isTerminal(pod)) return;
    const uid = pod.metadata.uid ?? '';
    let podIP: string | undefined;
    if (pod.spec?.hostNetwork === true) podIP = node.ip;
    else {
      const have: unknown = pod.status?.podIP;
      if (typeof have === 'string' && node.pool.adopt(uid, have)) podIP = have;
      else podIP = node.pool.allocate(uid);
    }
    if (!podIP) {
      this.stats.noIP++;
      this.log.warn({ pod: key, node: node.name }, 'sim: no free pod IP on the node; the pod stays Pending');
      return;
    }
    if (isRunningAsSimulated(pod, node.ip, podIP)) return this.maybeExit(key, pod);
    const status = runningStatus(pod, node.ip, podIP, this.clock.nowRFC3339());
    try {
      await this.client.text('PUT', `${podPath(pod)}/status`, { ...pod, status });
      this.stats.started++;
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return; // gone meanwhile
      throw err; // 409: the informer brings the newer version; retried with back-off
    }
  }

  /** A running pod with the exit annotations: its containers exit once their time has come. */
  private async maybeExit(key: string, pod: KubeObject): Promise<void> {
    const hook = exitHook(pod);
    if (!hook) return;
    const due = exitDueAt(pod, hook);
    if (due === undefined) return;
    const wait = due - this.clock.now();
    if (wait > 0) return this.queue.addAfter(key, wait);
    try {
      await this.client.text('PUT', `${podPath(pod)}/status`, { ...pod, status: exitedStatus(pod, hook, this.clock.nowRFC3339()) });
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return;
      throw err;
    }
  }

  private async finishDeletion(pod: KubeObject): Promise<void> {
    if (!allContainersTerminated(pod)) {
      try {
        await this.client.text('PUT', `${podPath(pod)}/status`, { ...pod, status: terminatedStatus(pod, this.clock.nowRFC3339()) });
      } catch (err) {
        if (err instanceof ApiError && err.code === 404) return;
        throw err; // 409: retried with the newer version
      }
    }
    try {
      const uid = pod.metadata.uid ?? '';
      await this.client.text('DELETE', podPath(pod), { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, preconditions: { uid } });
      this.stats.deleted++;
    } catch (err) {
      // 404: already gone. 409: the uid precondition failed, so the name now belongs to
      // another pod and ours is gone. Both mean done.
      if (err instanceof ApiError && (err.code === 404 || err.code === 409)) return;
      throw err;
    }
  }
}
