// Pod garbage collector (upstream pkg/controller/podgc): every 20 s it force-deletes
//   - terminated pods (Succeeded/Failed) beyond --terminated-pod-gc-threshold, evicted first,
//     then oldest first;
//   - terminating pods on a NotReady node tainted node.kubernetes.io/out-of-service (the
//     administrator declared the node dead, so nobody else will finish them);
//   - pods bound to a node that no longer exists, once the node has been missing for a
//     quarantine (40 s) and a fresh GET confirms it (marked Failed + DisruptionTarget first);
//   - terminating pods that were never scheduled.
// Pods of a node that is merely unreachable are left to the taint eviction controller.
// One key ("podgc") requeued every period: the runtime gives it retries and a clean stop.
import type { KubeObject } from '../../api/types.js';
import { ApiError } from '../../api/errors.js';
import type { Informer } from '../../client/informer.js';
import { Controller, type ControllerContext } from '../runtime/controller.js';
import { requeueAfter, type Result } from '../runtime/result.js';
import { forEachLimited, podNodeName } from '../nodelifecycle/podsbynode.js';
import { readyCondition } from '../nodelifecycle/health.js';
import { TAINT_OUT_OF_SERVICE, nodeTaints } from '../nodelifecycle/taints.js';

export const DEFAULT_TERMINATED_POD_GC_THRESHOLD = 12_500;
export const DEFAULT_GC_PERIOD_MS = 20_000;
export const DEFAULT_QUARANTINE_MS = 40_000;
const KEY = 'podgc';
const STRATEGIC = 'application/strategic-merge-patch+json';

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

const ORPHAN_CONDITION: Condition = { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists' };

function isTerminated(p: KubeObject): boolean {
  const phase = p.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** Evicted pods first, then oldest, then by name (upstream byEvictionAndCreationTimestamp). */
function gcOrder(a: KubeObject, b: KubeObject): number {
  const ea = a.status?.reason === 'Evicted';
  const eb = b.status?.reason === 'Evicted';
  if (ea !== eb) return ea ? -1 : 1;
  const ta = Date.parse(a.metadata.creationTimestamp ?? '');
  const tb = Date.parse(b.metadata.creationTimestamp ?? '');
  if (ta !== tb) return ta - tb;
  return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1;
}

export class PodGCController extends Controller {
  private readonly pods: Informer<KubeObject>;
  private readonly nodes: Informer<KubeObject>;
  readonly threshold: number;
  private readonly periodMs: number;
  private readonly quarantineMs: number;
  /** missing node name -> when we first saw a pod bound to it */
  private readonly missingSince = new Map<string, number>();

  constructor(ctx: ControllerContext) {
    super('pod-garbage-collector', ctx, 1);
    this.threshold = ctx.settings?.terminatedPodGCThreshold ?? DEFAULT_TERMINATED_POD_GC_THRESHOLD;
    this.periodMs = ctx.settings?.podGCPeriodMs ?? DEFAULT_GC_PERIOD_MS;
    this.quarantineMs = ctx.settings?.podGCQuarantineMs ?? DEFAULT_QUARANTINE_MS;
    this.pods = ctx.informers.informer('/api/v1/pods');
    this.nodes = ctx.informers.informer('/api/v1/nodes');
    this.enqueue(KEY);
  }

  async reconcile(): Promise<Result> {
    const pods = this.pods.list();
    const errors: unknown[] = [];
    const step = async (f: () => Promise<void>) => {
      try {
        await f();
      } catch (err) {
        errors.push(err);
      }
    };
    if (this.threshold > 0) await step(() => this.gcTerminated(pods));
    await step(() => this.gcTerminating(pods));
    await step(() => this.gcOrphaned(pods));
    await step(() => this.gcUnscheduledTerminating(pods));
    if (errors.length) this.log.warn({ errors: errors.length, err: (errors[0] as Error).message }, 'pod GC: some deletions failed; next pass retries');
    return requeueAfter(this.periodMs);
  }

  private async gcTerminated(pods: KubeObject[]): Promise<void> {
    const terminated = pods.filter(isTerminated);
    const excess = terminated.length - this.threshold;
    if (excess <= 0) return;
    this.log.info({ pods: excess }, 'garbage collecting terminated pods over the threshold');
    terminated.sort(gcOrder);
    await forEachLimited(terminated.slice(0, excess), 32, (p) => this.markFailedAndDelete(p));
  }

  private async gcTerminating(pods: KubeObject[]): Promise<void> {
    const victims = pods.filter((p) => {
      if (!p.metadata.deletionTimestamp) return false;
      const node = this.nodes.get(podNodeName(p));
      return !!node && readyCondition(node)?.status !== 'True' && nodeTaints(node).some((t) => t.key === TAINT_OUT_OF_SERVICE);
    });
    victims.sort(gcOrder);
    await forEachLimited(victims, 32, (p) => this.markFailedAndDelete(p));
  }

  private async gcOrphaned(pods: KubeObject[]): Promise<void> {
    const now = this.clock.now();
    const bound = new Set<string>();
    for (const p of pods) {
      const n = podNodeName(p);
      if (!n || this.nodes.get(n)) continue;
      bound.add(n);
      if (!this.missingSince.has(n)) this.missingSince.set(n, now);
    }
    const gone = new Set<string>();
    for (const [n, since] of this.missingSince) {
      if (!bound.has(n)) {
        this.missingSince.delete(n); // the node came back, or its pods went
        continue;
      }
      if (now - since < this.quarantineMs) continue;
      if (await this.nodeGone(n)) gone.add(n);
    }
    if (gone.size === 0) return;
    const orphans = pods.filter((p) => gone.has(podNodeName(p)));
    this.log.info({ pods: orphans.length, nodes: [...gone] }, 'force deleting pods bound to nodes that no longer exist');
    await forEachLimited(orphans, 32, (p) => this.markFailedAndDelete(p, ORPHAN_CONDITION));
  }

  private async gcUnscheduledTerminating(pods: KubeObject[]): Promise<void> {
    const victims = pods.filter((p) => p.metadata.deletionTimestamp && !podNodeName(p));
    await forEachLimited(victims, 32, (p) => this.markFailedAndDelete(p));
  }

  /** A fresh GET, since the cache may lag: only a 404 means gone. */
  private async nodeGone(name: string): Promise<boolean> {
    try {
      await this.client.json('GET', `/api/v1/nodes/${name}`);
      return false;
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return true;
      this.log.warn({ node: name, err: (err as Error).message }, 'pod GC: could not check a missing node');
      return false;
    }
  }

  /** Mark a still-running pod Failed (nothing else will: no kubelet), then delete it with grace 0. */
  private async markFailedAndDelete(pod: KubeObject, condition?: Condition): Promise<void> {
    const path = `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`;
    try {
      if (!isTerminated(pod)) {
        const status: Record<string, unknown> = { phase: 'Failed' };
        if (condition) status.conditions = [{ ...condition, lastTransitionTime: this.clock.nowRFC3339() }];
        await this.client.json('PATCH', `${path}/status`, { status }, STRATEGIC);
      }
      await this.client.json('DELETE', path, { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
    } catch (err) {
      if (err instanceof ApiError && (err.code === 404 || err.code === 409)) return;
      throw err;
    }
  }
}
