// The scheduler loop: informers keep a live snapshot of nodes and assigned pods and feed
// pending pods into the queue; each cycle asks the algorithm for a node, assumes the pod
// there at once (so the next cycle sees it) and binds through the API asynchronously.
// Failures record PodScheduled=False and a FailedScheduling event, try preemption, and
// park the pod until the cluster changes.
import type { KubeObject } from '../api/types.js';
import { ApiError } from '../api/errors.js';
import type { RestClient } from '../client/rest.js';
import { Informer, dropManagedFields } from '../client/informer.js';
import { EventRecorder } from '../client/events.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { SchedulingQueue, podKey, type QueuedPod } from './queue.js';
import { PipelinedClient, pipelineJson } from './pipeline.js';

/** A node, or why none fits (and, when preemption found room, where and at whose cost). */
export type ScheduleResult =
  | { nodeName: string }
  | { message: string; plugins: string[]; nominatedNodeName?: string; victims?: KubeObject[] };

export interface PreemptionResult {
  nodeName: string;
  victims: KubeObject[];
}

/** What the scheduler needs from the framework (see algorithm.ts for the default). */
export interface Algorithm {
  addNode(node: KubeObject): void;
  updateNode(oldNode: KubeObject, node: KubeObject): void;
  removeNode(node: KubeObject): void;
  /** a pod bound (or assumed) to a node */
  addPod(pod: KubeObject): void;
  /** the binding of an assumed pod came back as pod: true when the assumed entry could simply take it (else remove + add) */
  confirmPod?(assumed: KubeObject, pod: KubeObject): boolean;
  removePod(pod: KubeObject): void;
  /** runs filters, scores and, when nothing fits, preemption */
  schedule(pod: KubeObject): ScheduleResult;
  /** a pending pod appeared/changed (pod) or went away (removed): nominated-pod bookkeeping */
  pendingPodChanged?(pod: KubeObject | undefined, removed?: KubeObject): void;
  /** after a node is chosen, before the binding (e.g. the pod's volumes); a throw fails the binding */
  preBind?(pod: KubeObject, nodeName: string, signal?: AbortSignal): Promise<void>;
}

export interface SchedulerOptions {
  client: RestClient;
  algorithm: Algorithm;
  clock: Clock;
  log: Logger;
  schedulerName?: string;
  /** bindings in flight at once (default: DEFAULT_BIND_CONCURRENCY over HTTPS, IN_PROCESS_BIND_CONCURRENCY in-process) */
  bindConcurrency?: number;
}

/**
 * Bindings in flight at once over HTTPS. kube-scheduler binds each pod in a goroutine of its
 * own, with no limit but its client's rate limit; a scheduler that keeps assuming pods while
 * earlier bindings are on the wire feeds the API server's group commits. bench:scheduler
 * basic: 64 -> ~700-1,500 pods/s, 256 ~1,300-2,050 (A/B in one run: 825/673 vs 1,435/1,676).
 */
export const DEFAULT_BIND_CONCURRENCY = 256;
/**
 * Inside `kubelite server` (in-process transport) bindings share the server's one thread with
 * the controllers' writes: 256 at once delayed a ReplicaSet's pod creates (bench:controllers
 * big: 5,000 pods created in 7.9-8.6 s vs 5.8 s with 64).
 */
export const IN_PROCESS_BIND_CONCURRENCY = 64;

export interface SchedulerStats {
  scheduled: number;
  failedAttempts: number;
  preemptions: number;
  queue: SchedulingQueue['stats'];
}

const TERMINAL = new Set(['Succeeded', 'Failed']);

function isAssigned(p: KubeObject): boolean {
  return !!p.spec?.nodeName;
}

function isActive(p: KubeObject): boolean {
  return !TERMINAL.has(p.status?.phase);
}

export class Scheduler {
  readonly queue: SchedulingQueue;
  private readonly pods: Informer;
  private readonly nodes: Informer;
  private readonly events: EventRecorder;
  private readonly name: string;
  /** pods assumed on a node while their binding is in flight */
  private readonly assumed = new Map<string, KubeObject>();
  private bindsInFlight = 0;
  private bindSlots: (() => void)[] = [];
  private readonly st = { scheduled: 0, failedAttempts: 0, preemptions: 0 };
  /** nominations this scheduler made, until the pod is bound or gone */
  private readonly nominated = new Map<string, string>();
  /** aborts with start()'s signal: a PreBind waiting for volumes gives up when the scheduler stops */
  private stopSignal: AbortSignal | undefined;
  /** bindings over HTTPS go pipelined on a few connections (in-process: through the client's transport) */
  private readonly pipeline: PipelinedClient | undefined;
  private readonly bindConcurrency: number;

  constructor(private readonly o: SchedulerOptions) {
    this.name = o.schedulerName ?? 'default-scheduler';
    const tls = o.client.tlsTarget();
    // 8 connections 16 deep: the API server answers the requests of a connection that are
    // ready together in one write (http.ts); 128 on the wire keep its group commits and
    // writes big (bench:scheduler basic: 4 x 16 ~1,500 pods/s, 8 x 16 ~1,650-2,050, 16 x 16
    // and 8 x 32 no better)
    this.pipeline = tls ? new PipelinedClient(tls, 8, 16) : undefined;
    this.bindConcurrency = o.bindConcurrency ?? (tls ? DEFAULT_BIND_CONCURRENCY : IN_PROCESS_BIND_CONCURRENCY);
    this.queue = new SchedulingQueue(o.clock);
    // the scheduler never reads managedFields: dropping them keeps 150,000 cached pods smaller
    this.pods = new Informer(o.client, { path: '/api/v1/pods', pageSize: 5000, transform: dropManagedFields }, o.log);
    this.nodes = new Informer(o.client, { path: '/api/v1/nodes', pageSize: 5000, transform: dropManagedFields }, o.log);
    // as kube-scheduler's event client (client-go's default 50 QPS, burst 100): a flood of
    // Scheduled events waits or is dropped rather than competing with the bindings
    const pipeline = this.pipeline;
    const sink = pipeline ? { json: <T>(method: string, path: string, body?: unknown, contentType?: string) => pipelineJson<T>(pipeline, method, path, body, contentType) } : o.client;
    this.events = new EventRecorder(sink, this.name, o.clock, o.log, undefined, { qps: 50, burst: 100 });
    this.wire();
  }

  stats(): SchedulerStats {
    return { ...this.st, queue: this.queue.stats };
  }

  private responsible(p: KubeObject): boolean {
    return (p.spec?.schedulerName ?? 'default-scheduler') === this.name && !p.metadata.deletionTimestamp && isActive(p);
  }

  private wire(): void {
    const alg = this.o.algorithm;
    this.nodes.addHandlers({
      add: (n) => {
        alg.addNode(n);
        this.queue.moveAllToActiveOrBackoff('NodeAdd');
      },
      update: (old, n) => {
        alg.updateNode(old, n);
        if (nodeSchedulingChanged(old, n)) this.queue.moveAllToActiveOrBackoff('NodeUpdate');
      },
      delete: (n) => alg.removeNode(n),
    });
    this.pods.addHandlers({
      add: (p) => this.onPod(undefined, p),
      update: (old, p) => this.onPod(old, p),
      delete: (p) => {
        const key = podKey(p);
        alg.pendingPodChanged?.(undefined, p);
        this.nominated.delete(key);
        if (isAssigned(p) || this.assumed.has(key)) {
          this.forgetAssumed(key);
          if (isAssigned(p) && isActive(p)) alg.removePod(p);
          this.queue.moveAllToActiveOrBackoff('PodDelete');
        }
        this.queue.delete(p);
      },
    });
  }

  private onPod(old: KubeObject | undefined, p: KubeObject): void {
    const alg = this.o.algorithm;
    const key = podKey(p);
    if (isAssigned(p)) {
      const wasCounted = old ? isAssigned(old) && isActive(old) : false;
      const assumed = this.assumed.get(key);
      if (assumed) {
        // the binding we sent is now visible: replace the assumed copy with the real pod
        this.assumed.delete(key);
        if (isActive(p) && alg.confirmPod?.(assumed, p)) {
          alg.pendingPodChanged?.(undefined, p);
          this.queue.done(key);
          this.queue.delete(p);
          return;
        }
        alg.removePod(assumed);
      } else if (wasCounted) {
        alg.removePod(old!);
      }
      alg.pendingPodChanged?.(undefined, p);
      if (isActive(p)) alg.addPod(p);
      else if (wasCounted || assumed) this.queue.moveAllToActiveOrBackoff('PodDelete');
      this.queue.done(key);
      this.queue.delete(p);
      return;
    }
    if (this.assumed.has(key)) return; // our binding is on its way
    alg.pendingPodChanged?.(p);
    if (!this.responsible(p)) {
      this.queue.delete(p);
      return;
    }
    if (old && !schedulingRelevantChange(old, p)) this.queue.refresh(p);
    else if (old) this.queue.update(p);
    else this.queue.add(p);
  }

  private forgetAssumed(key: string): void {
    const a = this.assumed.get(key);
    if (a) {
      this.assumed.delete(key);
      this.o.algorithm.removePod(a);
    }
  }

  /** Start informers and the loop; resolves once the caches are filled. */
  async start(signal: AbortSignal): Promise<void> {
    this.stopSignal = signal;
    void this.nodes.run(signal);
    void this.pods.run(signal);
    await Promise.all([this.nodes.waitForSync(), this.pods.waitForSync()]);
    signal.addEventListener(
      'abort',
      () => {
        this.queue.close();
        this.pipeline?.close();
      },
      { once: true },
    );
    void this.loop(signal);
  }

  private async loop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const qp = await this.queue.pop();
      if (!qp) return;
      try {
        await this.scheduleOne(qp);
      } catch (err) {
        this.o.log.error({ err, pod: qp.key }, 'scheduling cycle failed');
        this.queue.requeueFailed(qp, this.queue.currentMoveCycle, [], true);
      }
    }
  }

  private async scheduleOne(qp: QueuedPod): Promise<void> {
    const cycle = this.queue.currentMoveCycle;
    let pod = this.pods.get(qp.key) ?? qp.pod;
    const nominated = this.nominated.get(qp.key);
    if (nominated && pod.status?.nominatedNodeName !== nominated) {
      // our nomination may not be back from the API yet: do not preempt a second time
      pod = { ...pod, status: { ...(pod.status ?? {}), nominatedNodeName: nominated } };
    }
    if (!this.responsible(pod) || isAssigned(pod)) {
      this.nominated.delete(qp.key);
      this.queue.done(qp.key);
      return;
    }
    const res = this.o.algorithm.schedule(pod);
    if ('nodeName' in res) {
      const assumed: KubeObject = { ...pod, spec: { ...pod.spec, nodeName: res.nodeName } };
      this.assumed.set(qp.key, assumed);
      this.o.algorithm.addPod(assumed);
      if (usesClaims(assumed)) {
        // PreBind may wait minutes for volumes: it must not hold a bind slot (and stall every other pod) meanwhile
        void this.bind(qp, assumed, res.nodeName, cycle, false);
        return;
      }
      await this.acquireBindSlot();
      void this.bind(qp, assumed, res.nodeName, cycle, true).finally(() => this.releaseBindSlot());
      return;
    }
    this.st.failedAttempts++;
    const message = res.message;
    if (res.nominatedNodeName && res.victims && pod.spec?.preemptionPolicy !== 'Never') {
      this.st.preemptions++;
      this.nominated.set(qp.key, res.nominatedNodeName);
      this.o.algorithm.pendingPodChanged?.({ ...pod, status: { ...(pod.status ?? {}), nominatedNodeName: res.nominatedNodeName } });
      await this.preempt(pod, { nodeName: res.nominatedNodeName, victims: res.victims });
    }
    void this.recordUnschedulable(pod, message);
    this.queue.requeueFailed(qp, cycle, res.plugins);
  }

  private acquireBindSlot(): Promise<void> {
    if (this.bindsInFlight < this.bindConcurrency) {
      this.bindsInFlight++;
      return Promise.resolve();
    }
    return new Promise((r) => this.bindSlots.push(() => (this.bindsInFlight++, r())));
  }

  private releaseBindSlot(): void {
    this.bindsInFlight--;
    this.bindSlots.shift()?.();
  }

  private async bind(qp: QueuedPod, assumed: KubeObject, nodeName: string, cycle: number, holdsSlot: boolean): Promise<void> {
    const { namespace, name } = assumed.metadata;
    try {
      try {
        await this.o.algorithm.preBind?.(assumed, nodeName, this.stopSignal);
      } catch (err) {
        // as upstream: the pod stays Pending with the PreBind failure as its FailedScheduling event
        this.forgetAssumed(qp.key);
        void this.recordUnschedulable(assumed, `running PreBind plugin "VolumeBinding": ${(err as Error).message}`);
        this.queue.requeueFailed(qp, cycle, [], true);
        return;
      }
      if (!holdsSlot) await this.acquireBindSlot();
      try {
        await this.post(`/api/v1/namespaces/${namespace}/pods/${name}/binding`, {
          apiVersion: 'v1',
          kind: 'Binding',
          metadata: { name, namespace, uid: assumed.metadata.uid },
          target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
        });
      } finally {
        if (!holdsSlot) this.releaseBindSlot();
      }
      this.st.scheduled++;
      this.nominated.delete(qp.key);
      this.queue.done(qp.key);
      void this.events.event(assumed, 'Normal', 'Scheduled', `Successfully assigned ${namespace}/${name} to ${nodeName}`);
    } catch (err) {
      this.forgetAssumed(qp.key);
      if (err instanceof ApiError && err.code === 404) {
        this.queue.done(qp.key);
        return;
      }
      this.o.log.warn({ err: (err as Error).message, pod: qp.key }, 'binding failed');
      this.queue.requeueFailed(qp, cycle, [], true);
    }
  }

  /** POST through the pipelined connections (or the client's transport); non-2xx answers throw ApiError as RestClient.json does. */
  private async post(path: string, body: unknown): Promise<void> {
    if (this.pipeline) await pipelineJson(this.pipeline, 'POST', path, body, 'application/json', false);
    else await this.o.client.json('POST', path, body);
  }

  private async preempt(pod: KubeObject, pre: PreemptionResult): Promise<void> {
    const { namespace, name } = pod.metadata;
    try {
      await this.o.client.json('PATCH', `/api/v1/namespaces/${namespace}/pods/${name}/status`, { status: { nominatedNodeName: pre.nodeName } }, 'application/merge-patch+json');
    } catch (err) {
      this.o.log.debug({ err }, 'could not set nominatedNodeName');
    }
    for (const v of pre.victims) {
      void this.events.event(v, 'Normal', 'Preempted', `Preempted by pod ${pod.metadata.uid} on node ${pre.nodeName}`);
      try {
        // as upstream: mark the victim, so that later cycles see it is already on its way out
        await this.o.client.json(
          'PATCH',
          `/api/v1/namespaces/${v.metadata.namespace}/pods/${v.metadata.name}/status`,
          { status: { conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler', message: `${this.name}: preempting to accommodate a higher priority pod`, lastTransitionTime: this.o.clock.nowRFC3339() }] } },
          'application/strategic-merge-patch+json',
        );
      } catch (err) {
        this.o.log.debug({ err }, 'preemption: could not mark victim');
      }
      try {
        await this.o.client.json('DELETE', `/api/v1/namespaces/${v.metadata.namespace}/pods/${v.metadata.name}`, { preconditions: { uid: v.metadata.uid } });
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) this.o.log.warn({ err }, 'preemption: could not delete victim');
      }
    }
  }

  private async recordUnschedulable(pod: KubeObject, message: string): Promise<void> {
    const { namespace, name } = pod.metadata;
    const cur = (pod.status?.conditions ?? []).find((c: { type: string }) => c.type === 'PodScheduled');
    void this.events.event(pod, 'Warning', 'FailedScheduling', message);
    if (cur && cur.status === 'False' && cur.reason === 'Unschedulable' && cur.message === message) return;
    const now = this.o.clock.nowRFC3339();
    try {
      await this.o.client.json(
        'PATCH',
        `/api/v1/namespaces/${namespace}/pods/${name}/status`,
        { status: { conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message, lastProbeTime: null, lastTransitionTime: now }] } },
        'application/strategic-merge-patch+json',
      );
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) this.o.log.debug({ err }, 'could not record PodScheduled=False');
    }
  }
}

/** Node changes that may make a pending pod fit. */
function nodeSchedulingChanged(a: KubeObject, b: KubeObject): boolean {
  const pick = (n: KubeObject) =>
    JSON.stringify([n.spec?.unschedulable, n.spec?.taints, n.metadata.labels, n.status?.allocatable, (n.status?.conditions ?? []).map((c: { type: string; status: string }) => `${c.type}=${c.status}`)]);
  return pick(a) !== pick(b);
}

/** Updates of a pending pod that can change where it fits (status-only updates cannot). */
function schedulingRelevantChange(a: KubeObject, b: KubeObject): boolean {
  const pick = (p: KubeObject) => JSON.stringify([p.spec, p.metadata.labels, p.metadata.annotations, p.metadata.deletionTimestamp]);
  return pick(a) !== pick(b);
}

/** The pod mounts persistent volume claims (directly or as generic ephemeral volumes). */
function usesClaims(pod: KubeObject): boolean {
  return ((pod.spec?.volumes ?? []) as { persistentVolumeClaim?: unknown; ephemeral?: unknown }[]).some((v) => v.persistentVolumeClaim || v.ephemeral);
}
