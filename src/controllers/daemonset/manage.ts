// One daemon pod per eligible node (upstream manage, podsShouldBeOnNode, syncNodes): create on
// nodes that should run one and have none, delete where the node no longer fits, replace
// failed and succeeded pods (failed ones with back-off, so a kubelet that keeps rejecting the
// pod is not hammered), trim duplicates.
import { isNamespaceTerminating } from '../runtime/result.js';
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import type { EventRecorder } from '../../client/events.js';
import type { RestClient } from '../../client/rest.js';
import type { Expectations } from '../runtime/expectations.js';
import { isPodAvailable, isPodReady } from '../runtime/objects.js';
import { slowStartBatch } from '../replicaset/manage.js';
import type { Placement } from './placement.js';
import { allowsSurge, byCreationAndPhase, daemonPodFor, REVISION_HASH_LABEL } from './util.js';

/** At most this many creations or deletions per sync (upstream BurstReplicas). */
export const BURST_REPLICAS = 250;
const FAILED_BACKOFF_INITIAL_MS = 1000;
const FAILED_BACKOFF_MAX_MS = 15 * 60 * 1000;

/** Back-off for deleting failed daemon pods, per DaemonSet and node (upstream failedPodsBackoff). */
export class FailedPodBackoff {
  private readonly entries = new Map<string, { delay: number; at: number }>();

  /** ms to wait before deleting another failed pod for key, or 0 (and the back-off grows). */
  next(key: string, now: number): number {
    const e = this.entries.get(key);
    if (e && now - e.at < e.delay) return e.delay - (now - e.at);
    const delay = e ? Math.min(e.delay * 2, FAILED_BACKOFF_MAX_MS) : FAILED_BACKOFF_INITIAL_MS;
    this.entries.set(key, { delay, at: now });
    return 0;
  }
}

export interface NodePlan {
  create: string[];
  delete: KubeObject[];
  /** the earliest back-off expiry of a failed pod left in place, in ms */
  retryAfter?: number;
}

export interface PlanContext {
  ds: KubeObject;
  hash: string;
  now: number;
  recorder: EventRecorder;
  backoff: FailedPodBackoff;
}

/** What to create and delete on one node (upstream podsShouldBeOnNode). */
export function planNode(node: string, place: Placement, pods: KubeObject[] | undefined, c: PlanContext, plan: NodePlan): void {
  const { ds } = c;
  if (place.shouldRun && pods === undefined) {
    plan.create.push(node);
    return;
  }
  if (pods === undefined) return;
  if (!place.shouldContinueRunning) {
    for (const p of pods) if (!p.metadata.deletionTimestamp) plan.delete.push(p);
    return;
  }
  const running: KubeObject[] = [];
  for (const p of pods) {
    if (p.metadata.deletionTimestamp) continue;
    const phase = p.status?.phase;
    if (phase === 'Failed') {
      const wait = c.backoff.next(`${ds.metadata.uid}/${node}`, c.now);
      if (wait > 0) {
        plan.retryAfter = Math.min(plan.retryAfter ?? Infinity, wait);
        continue;
      }
      void c.recorder.event(ds, 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${p.metadata.namespace}/${p.metadata.name} on node ${node}, will try to kill it`);
      plan.delete.push(p);
    } else if (phase === 'Succeeded') {
      void c.recorder.event(ds, 'Normal', 'SucceededDaemonPod', `Found succeeded daemon pod ${p.metadata.namespace}/${p.metadata.name} on node ${node}, will try to delete it`);
      plan.delete.push(p);
    } else running.push(p);
  }
  running.sort(byCreationAndPhase);
  if (!allowsSurge(ds)) {
    // one pod per node: keep the oldest
    plan.delete.push(...running.slice(1));
    return;
  }
  if (running.length <= 1) {
    if (running.length === 0 && place.shouldRun) plan.create.push(node);
    return;
  }
  // surging: an old and a new pod may overlap until the new one is available
  let oldestNew: KubeObject | undefined;
  let oldestOld: KubeObject | undefined;
  for (const p of running) {
    const isNew = p.metadata.labels?.[REVISION_HASH_LABEL] === c.hash;
    if (isNew && !oldestNew) oldestNew = p;
    else if (!isNew && !oldestOld) oldestOld = p;
    else plan.delete.push(p);
  }
  if (oldestNew && oldestOld) {
    if (!isPodReady(oldestOld) || isPodAvailable(oldestNew, Number(ds.spec?.minReadySeconds ?? 0), c.now)) plan.delete.push(oldestOld);
  }
}

export interface SyncDeps {
  client: RestClient;
  recorder: EventRecorder;
  creations: Expectations;
  deletions: Expectations;
}


/** Create pods on nodes and delete pods (upstream syncNodes); throws the first failure. */
export async function syncNodes(ds: KubeObject, key: string, toDelete: KubeObject[], nodes: string[], hash: string, d: SyncDeps): Promise<void> {
  const ns = ds.metadata.namespace!;
  const create = nodes.slice(0, BURST_REPLICAS);
  const del = toDelete.slice(0, BURST_REPLICAS);
  const delKeys = del.map((p) => `${ns}/${p.metadata.name}`);
  d.creations.expectCreations(key, create.length);
  d.deletions.expectDeletions(key, delKeys);
  const errors: unknown[] = [];
  let next = 0;
  const { attempted, error } = await slowStartBatch(create.length, async () => {
    const node = create[next++]!;
    try {
      const pod = await d.client.json<KubeObject>('POST', `/api/v1/namespaces/${ns}/pods`, daemonPodFor(ds, node, hash));
      void d.recorder.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`);
    } catch (err) {
      d.creations.creationObserved(key);
      if (isNamespaceTerminating(err)) return;
      void d.recorder.event(ds, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
      throw err;
    }
  });
  if (create.length > attempted) d.creations.lowerCreations(key, create.length - attempted);
  if (error) errors.push(error);
  const results = await Promise.allSettled(
    del.map(async (p, i) => {
      try {
        await d.client.json('DELETE', `/api/v1/namespaces/${ns}/pods/${p.metadata.name}`, { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid: p.metadata.uid } });
        void d.recorder.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
      } catch (err) {
        d.deletions.deletionObserved(key, delKeys[i]!);
        if (err instanceof ApiError && (err.code === 404 || err.code === 409)) return;
        void d.recorder.event(ds, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
        throw err;
      }
    }),
  );
  for (const r of results) if (r.status === 'rejected') errors.push(r.reason);
  if (errors.length) throw errors[0];
}
