// Creating and deleting a Job's pods (upstream manageJob, deleteJobPods, deleteActivePods):
// keep min(parallelism, remaining completions) pods active, delete them all while suspended,
// wait out the failure back-off before replacing failed pods, and give Indexed pods their index.
import { isNamespaceTerminating } from '../runtime/result.js';
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import { slowStartBatch } from '../replicaset/manage.js';
import { isPodReady, newControllerRef } from '../runtime/objects.js';
import { remainingBackoff } from './backoff.js';
import { COMPLETION_INDEX, COMPLETION_INDEX_ENV, UNKNOWN_INDEX, completionIndex, firstPendingIndexes, isIndexedJob, mergeIntervals } from './indexes.js';
import { hasBackoffLimitPerIndex, indexBackoff, replacementCounts } from './perindex.js';
import { TRACKING_FINALIZER, deletionOrder, hasTrackingFinalizer, isTerminating, onlyReplaceFailedPods } from './pods.js';
import { requeueIn, type SyncDeps, type SyncState } from './state.js';

/** At most this many pod creations or deletions per sync (upstream MaxPodCreateDeletePerSync). */
export const MAX_POD_CREATE_DELETE_PER_SYNC = 500;
/** Pod events are folded into one sync per Job per second (upstream syncJobBatchPeriod). */
export const SYNC_BATCH_MS = 1000;

const MERGE_STRATEGIC = 'application/strategic-merge-patch+json';

const podPath = (p: KubeObject) => `/api/v1/namespaces/${p.metadata.namespace}/pods/${p.metadata.name}`;

/** A strategic-merge patch that removes just the tracking finalizer. */
export async function removeTrackingFinalizer(d: SyncDeps, pod: KubeObject): Promise<void> {
  if (!hasTrackingFinalizer(pod)) return;
  await d.client.json('PATCH', podPath(pod), { metadata: { [`$deleteFromPrimitiveList/finalizers`]: [TRACKING_FINALIZER] } }, MERGE_STRATEGIC);
}

async function deletePod(d: SyncDeps, job: KubeObject, pod: KubeObject): Promise<void> {
  await d.client.json('DELETE', podPath(pod));
  void d.recorder.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
}

/** Delete active pods of a finished Job, keeping their finalizers so they are counted. Returns [deleted, deletedReady]. */
export async function deleteActivePods(d: SyncDeps, job: KubeObject, pods: KubeObject[]): Promise<{ deleted: number; ready: number; error?: unknown }> {
  let deleted = 0;
  let ready = 0;
  let error: unknown;
  await Promise.all(
    pods.map(async (p) => {
      try {
        await deletePod(d, job, p);
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) {
          error ??= err;
          return;
        }
      }
      deleted++;
      if (isPodReady(p)) ready++;
    }),
  );
  return { deleted, ready, error };
}

/** Remove the finalizer, then delete: these pods are not counted as failures (suspend, scale-down). */
async function deleteJobPods(d: SyncDeps, s: SyncState, pods: KubeObject[]): Promise<{ deleted: number; ready: number; error?: unknown }> {
  let deleted = 0;
  let ready = 0;
  let error: unknown;
  const keys = pods.map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
  d.expectations.expectDeletions(s.key, keys);
  await Promise.all(
    pods.map(async (p, i) => {
      try {
        await removeTrackingFinalizer(d, p);
        await deletePod(d, s.job, p);
      } catch (err) {
        d.expectations.deletionObserved(s.key, keys[i]!);
        if (!(err instanceof ApiError && err.code === 404)) {
          error ??= err;
          return;
        }
      }
      deleted++;
      if (isPodReady(p)) ready++;
    }),
  );
  return { deleted, ready, error };
}

/** Which active pods to delete: for Indexed Jobs duplicates and bad indexes first, then in deletion order. */
function activePodsForRemoval(job: KubeObject, pods: KubeObject[], atLeast: number): KubeObject[] {
  const rm: KubeObject[] = [];
  let left = pods;
  if (isIndexedJob(job)) {
    const completions = Number(job.spec?.completions ?? 0);
    const byIndex = new Map<number, KubeObject[]>();
    left = [];
    for (const p of pods) {
      const ix = completionIndex(p);
      if (ix === UNKNOWN_INDEX || ix >= completions) rm.push(p);
      else byIndex.set(ix, [...(byIndex.get(ix) ?? []), p]);
    }
    for (const same of byIndex.values()) {
      const sorted = [...same].sort(deletionOrder);
      rm.push(...sorted.slice(0, -1));
      left.push(sorted[sorted.length - 1]!);
    }
  }
  if (rm.length < atLeast) rm.push(...[...left].sort(deletionOrder).slice(0, atLeast - rm.length));
  return rm;
}

/** The pod for one creation: the template, our owner reference, the finalizer and any index. */
function podFor(job: KubeObject, index: number, indexAnnotations: Record<string, string>): KubeObject {
  const t = structuredClone((job.spec?.template ?? {}) as { metadata?: Record<string, any>; spec?: Record<string, any> });
  const tm = t.metadata ?? {};
  const spec = t.spec ?? {};
  const metadata: KubeObject['metadata'] = {
    generateName: `${job.metadata.name}-`,
    namespace: job.metadata.namespace,
    ownerReferences: [newControllerRef(job)],
    finalizers: [...((tm.finalizers as string[] | undefined) ?? []).filter((f) => f !== TRACKING_FINALIZER), TRACKING_FINALIZER],
  };
  if (tm.labels) metadata.labels = { ...tm.labels };
  if (tm.annotations) metadata.annotations = { ...tm.annotations };
  if (index !== UNKNOWN_INDEX) {
    metadata.annotations = { ...(metadata.annotations ?? {}), [COMPLETION_INDEX]: String(index), ...indexAnnotations };
    metadata.labels = { ...(metadata.labels ?? {}), [COMPLETION_INDEX]: String(index) };
    // upstream trims the job name so the prefix stays within the generated-name limit (58)
    const suffix = `-${index}-`;
    const prefix = `${job.metadata.name}${suffix}`;
    metadata.generateName = prefix.length > 58 ? `${prefix.slice(0, 58 - suffix.length)}${suffix}` : prefix;
    spec.hostname = `${job.metadata.name}-${index}`;
    for (const c of [...((spec.initContainers as any[]) ?? []), ...((spec.containers as any[]) ?? [])]) {
      const env = (c.env ??= []) as { name: string }[];
      if (!env.some((e) => e.name === COMPLETION_INDEX_ENV)) env.push({ name: COMPLETION_INDEX_ENV, valueFrom: { fieldRef: { fieldPath: `metadata.labels['${COMPLETION_INDEX}']` } } } as { name: string });
    }
  }
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec };
}

/** Bring the active pods to what the Job wants; returns the new active count. */
export async function manageJob(d: SyncDeps, s: SyncState): Promise<{ active: number; error?: unknown }> {
  const job = s.job;
  let active = s.activePods.length;
  if (job.spec?.suspend === true) {
    const r = await deleteJobPods(d, s, activePodsForRemoval(job, s.activePods, active));
    s.terminating += r.deleted;
    s.ready -= r.ready;
    return { active: active - r.deleted, error: r.error };
  }
  const parallelism = Number(job.spec?.parallelism ?? 1);
  const completions = job.spec?.completions;
  let want: number;
  if (typeof completions !== 'number') want = s.succeeded > 0 ? active : parallelism;
  else want = Math.max(0, Math.min(completions - s.succeeded, parallelism));
  const toDelete = activePodsForRemoval(job, s.activePods, Math.max(0, active - want)).slice(0, MAX_POD_CREATE_DELETE_PER_SYNC);
  if (toDelete.length > 0) {
    const r = await deleteJobPods(d, s, toDelete);
    s.terminating += r.deleted;
    s.ready -= r.ready;
    return { active: active - r.deleted, error: r.error };
  }
  const terminating = onlyReplaceFailedPods(job) ? s.terminating : 0;
  let diff = want - terminating - active;
  if (diff <= 0) return { active };
  const perIndex = hasBackoffLimitPerIndex(job);
  // with backoffLimitPerIndex each index waits out its own back-off instead
  const wait = perIndex ? 0 : remainingBackoff(s.newBackoff, d.clock.now());
  if (wait > 0) {
    requeueIn(s, Math.max(wait, SYNC_BATCH_MS));
    return { active };
  }
  diff = Math.min(diff, MAX_POD_CREATE_DELETE_PER_SYNC);
  let indexes: number[] = [];
  if (isIndexedJob(job)) {
    const busy = onlyReplaceFailedPods(job) ? [...s.activePods, ...s.pods.filter(isTerminating)] : s.activePods;
    indexes = firstPendingIndexes(busy, mergeIntervals(s.succeededIndexes, s.failedIndexes ?? []), diff, Number(completions));
    if (perIndex) {
      const now = d.clock.now();
      const waits = indexes.map((ix) => indexBackoff(s.delayedDeletion.get(ix), now));
      const ready = indexes.filter((_, i) => waits[i] === 0);
      if (indexes.length > 0 && ready.length === 0) {
        requeueIn(s, Math.max(Math.min(...waits), SYNC_BATCH_MS));
        return { active };
      }
      indexes = ready;
    }
    diff = indexes.length;
  }
  if (diff === 0) return { active };
  d.expectations.expectCreations(s.key, diff);
  let next = 0;
  const { successes, attempted, error } = await slowStartBatch(diff, async () => {
    const index = indexes.length ? indexes[next++]! : UNKNOWN_INDEX;
    try {
      const pod = await d.client.json<KubeObject>('POST', `/api/v1/namespaces/${job.metadata.namespace}/pods`, podFor(job, index, perIndex ? replacementCounts(job, s.delayedDeletion.get(index)) : {}));
      void d.recorder.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`);
    } catch (err) {
      d.expectations.creationObserved(s.key);
      if (isNamespaceTerminating(err)) return;
      void d.recorder.event(job, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
      throw err;
    }
  });
  if (diff > attempted) d.expectations.lowerCreations(s.key, diff - attempted);
  active += successes;
  return { active, error };
}
