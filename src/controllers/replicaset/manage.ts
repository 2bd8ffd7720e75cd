// Create or delete pods so that a ReplicaSet/ReplicationController has spec.replicas active
// pods (upstream manageReplicas): creations in slow-start batches (1, 2, 4, ...) so a
// failing template costs one request, not hundreds (continued across the syncs of one large
// scale-up: SlowStarts); deletions in the rank order of rank.ts.
import { isNamespaceTerminating } from '../runtime/result.js';
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import type { EventRecorder } from '../../client/events.js';
import type { RestClient } from '../../client/rest.js';
import type { Expectations } from '../runtime/expectations.js';
import { newControllerRef } from '../runtime/objects.js';
import { podsToDelete } from './rank.js';

/** At most this many creations or deletions per sync (upstream BurstReplicas). */
export const BURST_REPLICAS = 500;
const SLOW_START_INITIAL_BATCH = 1;

export interface ManageDeps {
  client: RestClient;
  recorder: EventRecorder;
  expectations: Expectations;
  /** continue a large scale-up's slow start across syncs (default: every sync starts at 1) */
  slowStarts?: SlowStarts;
}

/** A pod as the template describes it, owned by rs (upstream GetPodFromTemplate). */
export function podFromTemplate(rs: KubeObject): KubeObject {
  const t = (rs.spec?.template ?? {}) as { metadata?: Record<string, unknown>; spec?: unknown };
  const tm = (t.metadata ?? {}) as { labels?: Record<string, string>; annotations?: Record<string, string>; finalizers?: string[] };
  const metadata: KubeObject['metadata'] = { generateName: `${rs.metadata.name}-`, namespace: rs.metadata.namespace, ownerReferences: [newControllerRef(rs)] };
  if (tm.labels) metadata.labels = { ...tm.labels };
  if (tm.annotations) metadata.annotations = { ...tm.annotations };
  if (tm.finalizers) metadata.finalizers = [...tm.finalizers];
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec: structuredClone(t.spec ?? {}) };
}

/**
 * Call fn count times, in batches that double after each fully successful batch; stop at the
 * first batch with a failure. Returns the successes, the first error, and the batch size the
 * doubling reached (what a following batch would have been).
 */
export async function slowStartBatch(
  count: number,
  fn: () => Promise<void>,
  initialBatch = SLOW_START_INITIAL_BATCH,
): Promise<{ successes: number; attempted: number; error?: unknown; reached: number }> {
  let remaining = count;
  let successes = 0;
  let attempted = 0;
  let size = Math.max(1, initialBatch);
  while (remaining > 0) {
    const batch = Math.min(size, remaining);
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn()));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    successes += batch - failed.length;
    attempted += batch;
    if (failed.length) return { successes, attempted, error: failed[0]!.reason, reached: size };
    remaining -= batch;
    size *= 2;
  }
  return { successes, attempted, reached: size };
}

/**
 * Where the slow start of each ReplicaSet's next sync begins. Upstream begins every sync at 1;
 * here a scale-up larger than BURST_REPLICAS continues its slow start across its syncs: a sync
 * that was cut at BURST_REPLICAS and whose creations all succeeded lets the next one begin at
 * the batch size it reached (at most BURST_REPLICAS). Any other sync starts the next one at 1
 * again, so a failing template or an exhausted quota still costs one request, and a later
 * scale-up slow-starts afresh. (Each round waits for the slowest create of its batch; on one
 * busy API server process, restarting at 1 every 500 pods costs more time than the creates.)
 */
export class SlowStarts {
  private readonly next = new Map<string, number>();

  initial(key: string): number {
    return this.next.get(key) ?? SLOW_START_INITIAL_BATCH;
  }

  /**
   * After a sync: wanted = creations needed, n = asked for this sync (<= BURST_REPLICAS),
   * error = the first failed creation. A generated name that happened to be taken (409
   * AlreadyExists) is chance, not a sign that creations fail: it does not start over.
   */
  record(key: string, wanted: number, n: number, reached: number, error?: unknown): void {
    const failed = error !== undefined && !(error instanceof ApiError && error.code === 409 && error.reason === 'AlreadyExists');
    if (!failed && wanted > n) this.next.set(key, Math.min(reached, BURST_REPLICAS));
    else this.next.delete(key);
  }

  forget(key: string): void {
    this.next.delete(key);
  }
}

/**
 * Bring active pods to spec.replicas; throws (after recording an event) when a creation or
 * deletion failed, so the sync is retried with back-off. related (the pods of all sibling
 * ReplicaSets, for the deletion ranking) is asked for only when pods are to be deleted.
 * Returns true when every creation asked for succeeded but the sync was cut at
 * BURST_REPLICAS: more are wanted, and the pods just created requeue the owner as they are
 * observed.
 */
export async function manageReplicas(rs: KubeObject, key: string, active: KubeObject[], related: () => KubeObject[], d: ManageDeps): Promise<boolean> {
  const want = Number(rs.spec?.replicas ?? 1);
  const diff = active.length - want;
  const ns = rs.metadata.namespace!;
  if (diff < 0) {
    const n = Math.min(-diff, BURST_REPLICAS);
    d.expectations.expectCreations(key, n);
    const tmpl = podFromTemplate(rs);
    const { attempted, error, reached } = await slowStartBatch(n, async () => {
      try {
        const reply = await d.client.text('POST', `/api/v1/namespaces/${ns}/pods`, tmpl);
        // the reply is parsed for the pod's name only when the event is not spam-filtered
        // (a large scale-up records 25 of them; parsing 5,000 pods for nothing was not free)
        if (d.recorder.wouldRecord(rs, 'Normal')) {
          const pod = JSON.parse(reply) as KubeObject;
          void d.recorder.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`);
        }
      } catch (err) {
        d.expectations.creationObserved(key);
        if (isNamespaceTerminating(err)) return; // the namespace goes: nothing to retry
        void d.recorder.event(rs, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
        throw err;
      }
    }, d.slowStarts?.initial(key));
    d.slowStarts?.record(key, -diff, n, reached, error);
    // failed creations lowered the expectation themselves; those never attempted do it here
    if (n > attempted) d.expectations.lowerCreations(key, n - attempted);
    if (error) throw error;
    return -diff > n;
  }
  d.slowStarts?.forget(key);
  if (diff > 0) {
    const victims = podsToDelete(active, related(), Math.min(diff, BURST_REPLICAS));
    const keys = victims.map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
    d.expectations.expectDeletions(key, keys);
    const results = await Promise.allSettled(
      victims.map(async (p, i) => {
        try {
          await d.client.json('DELETE', `/api/v1/namespaces/${ns}/pods/${p.metadata.name}`);
          void d.recorder.event(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
        } catch (err) {
          d.expectations.deletionObserved(key, keys[i]!);
          if (err instanceof ApiError && err.code === 404) return;
          void d.recorder.event(rs, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
          throw err;
        }
      }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
  return false;
}
