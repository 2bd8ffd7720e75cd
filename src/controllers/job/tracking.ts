// Counting finished pods exactly once (upstream trackJobStatusAndRemoveFinalizers):
//   1. a finished pod that still holds the batch.kubernetes.io/job-tracking finalizer goes into
//      status.uncountedTerminatedPods (Indexed Jobs: its index into completedIndexes), and that
//      status is written;
//   2. only then is the finalizer removed, so the pod may disappear;
//   3. uids whose finalizer is gone move from the uncounted lists into succeeded/failed.
// A crash between any two steps repeats the step, never the count. The terminal condition
// (Complete/Failed) is added once nothing is uncounted and no pod is still terminating.
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import { completionIndex, formatIntervals, hasIndex, isIndexedJob, total, UNKNOWN_INDEX, withIndexes } from './indexes.js';
import { matchPodFailurePolicy } from './failurepolicy.js';
import { removeTrackingFinalizer } from './manage.js';
import { hasTrackingFinalizer, isPodFailed } from './pods.js';
import { ensureCondition, newCondition, wireStatus, type SyncDeps, type SyncState, type Uncounted } from './state.js';

/** Uncounted uids may hold this many entries, keeping the status small (upstream MaxUncountedPods). */
export const MAX_UNCOUNTED_PODS = 500;

const jobPath = (j: KubeObject) => `/apis/batch/v1/namespaces/${j.metadata.namespace}/jobs/${j.metadata.name}`;

function uncountedOf(job: KubeObject): Uncounted {
  const u = (job.status!.uncountedTerminatedPods ??= {}) as Uncounted;
  return u;
}

/** Move uids whose finalizer is gone from the uncounted lists to the counters; true when changed. */
function cleanUncounted(job: KubeObject, withFinalizer: Set<string>): boolean {
  const u = uncountedOf(job);
  let changed = false;
  for (const [list, counter] of [
    ['succeeded', 'succeeded'],
    ['failed', 'failed'],
  ] as const) {
    const before = u[list] ?? [];
    const keep = before.filter((uid) => withFinalizer.has(uid));
    if (keep.length !== before.length) {
      changed = true;
      job.status![counter] = Number(job.status![counter] ?? 0) + before.length - keep.length;
      u[list] = keep;
    }
  }
  return changed;
}

async function writeStatus(d: SyncDeps, job: KubeObject): Promise<KubeObject> {
  const body = { ...job, status: wireStatus(job.status ?? {}) };
  const updated = await d.client.json<KubeObject>('PUT', `${jobPath(job)}/status`, body);
  // keep working on our copy (with the fresh resourceVersion), not on what the server echoes
  return { ...job, metadata: updated.metadata };
}

export async function trackStatusAndRemoveFinalizers(d: SyncDeps, s: SyncState, needsFlushIn: boolean): Promise<void> {
  let needsFlush = needsFlushIn;
  const job = s.job;
  const indexed = isIndexedJob(job);
  const completions = Number(job.spec?.completions ?? 0);
  const pods = indexed ? [...s.pods].sort((a, b) => completionIndex(a) - completionIndex(b)) : s.pods;
  const withFinalizer = new Set<string>();
  for (const p of pods) if (hasTrackingFinalizer(p) && !s.expectedRmFinalizers.has(p.metadata.uid!)) withFinalizer.add(p.metadata.uid!);
  if (cleanUncounted(job, withFinalizer)) needsFlush = true;
  const uncounted = uncountedOf(job);
  const toRemove: KubeObject[] = [];
  const newIndexes: number[] = [];
  let reachedMax = false;
  const failing = s.finishedCondition !== undefined && s.finishedCondition.type !== 'SuccessCriteriaMet';
  for (const pod of pods) {
    const uid = pod.metadata.uid!;
    if (!hasTrackingFinalizer(pod) || s.expectedRmFinalizers.has(uid)) continue;
    const failed = isPodFailed(pod, job);
    if (!(job.metadata.deletionTimestamp || s.finishedCondition || pod.status?.phase === 'Succeeded' || failed)) continue;
    const ix = completionIndex(pod);
    // backoffLimitPerIndex: the index's last failure stays until its replacement carries the count
    if (!(job.metadata.deletionTimestamp || s.finishedCondition || pod.status?.phase === 'Succeeded') && s.delayedDeletion.get(ix)?.metadata.uid === uid) continue;
    toRemove.push(pod);
    if (pod.status?.phase === 'Succeeded' && !s.uncountedFailed.has(uid)) {
      if (indexed) {
        if (ix !== UNKNOWN_INDEX && ix < completions && !hasIndex(s.prevSucceededIndexes, ix)) {
          newIndexes.push(ix);
          needsFlush = true;
        }
      } else if (!s.uncountedSucceeded.has(uid)) {
        needsFlush = true;
        uncounted.succeeded = [...(uncounted.succeeded ?? []), uid];
      }
    } else if (failed || failing) {
      // once the Job is failing, every pod not yet terminated counts as failed
      const counts = !job.spec?.podFailurePolicy || matchPodFailurePolicy(job, pod).countFailed;
      if (!s.uncountedFailed.has(uid) && (!indexed || (ix !== UNKNOWN_INDEX && ix < completions)) && counts) {
        needsFlush = true;
        uncounted.failed = [...(uncounted.failed ?? []), uid];
      }
    }
    if (newIndexes.length + (uncounted.succeeded?.length ?? 0) + (uncounted.failed?.length ?? 0) >= MAX_UNCOUNTED_PODS) {
      reachedMax = true;
      break;
    }
  }
  if (indexed) {
    s.succeededIndexes = withIndexes(s.succeededIndexes, [...new Set(newIndexes)].sort((a, b) => a - b));
    const str = formatIntervals(s.succeededIndexes);
    if (str !== (job.status!.completedIndexes ?? '')) needsFlush = true;
    job.status!.succeeded = total(s.succeededIndexes);
    job.status!.completedIndexes = str;
    if (s.failedIndexes) {
      const failedStr = formatIntervals(s.failedIndexes);
      if (failedStr !== job.status!.failedIndexes) needsFlush = true;
      job.status!.failedIndexes = failedStr;
    }
  }
  const now = d.clock.nowRFC3339();
  const fin = s.finishedCondition;
  if (fin?.type === 'FailureTarget') {
    // the interim condition is written before any finalizer goes, so the outcome survives a crash
    job.status!.conditions = [...((job.status!.conditions ?? []) as unknown[]), fin];
    needsFlush = true;
    s.finishedCondition = newCondition('Failed', 'True', fin.reason ?? '', fin.message ?? '', now);
  } else if (fin?.type === 'SuccessCriteriaMet') {
    if (!((job.status!.conditions ?? []) as { type: string }[]).some((c) => c.type === 'SuccessCriteriaMet')) {
      job.status!.conditions = [...((job.status!.conditions ?? []) as unknown[]), fin];
      needsFlush = true;
    }
    s.finishedCondition = newCondition('Complete', 'True', fin.reason ?? '', fin.message ?? '', now);
  }
  needsFlush = await flushAndRemoveFinalizers(d, s, toRemove, withFinalizer, needsFlush);
  const finished = !reachedMax && enactFinished(s, now);
  if (finished) needsFlush = true;
  if (!needsFlush) return;
  s.job = await writeStatus(d, s.job);
  if (finished) recordFinished(d, s);
}

/** Write the uncounted pods, then remove their finalizers, then count them. Returns whether a write is still due. */
async function flushAndRemoveFinalizers(d: SyncDeps, s: SyncState, toRemove: KubeObject[], withFinalizer: Set<string>, needsFlushIn: boolean): Promise<boolean> {
  let needsFlush = needsFlushIn;
  if (needsFlush) {
    s.job = await writeStatus(d, s.job);
    d.backoff.set(s.key, s.newBackoff);
    needsFlush = false;
  }
  let rmError: unknown;
  if (toRemove.length) {
    d.finalizers.expect(
      s.key,
      toRemove.map((p) => p.metadata.uid!),
    );
    await Promise.all(
      toRemove.map(async (p) => {
        try {
          await removeTrackingFinalizer(d, p);
        } catch (err) {
          d.finalizers.observed(s.key, p.metadata.uid!);
          if (!(err instanceof ApiError && err.code === 404)) {
            rmError ??= err;
            return;
          }
        }
        withFinalizer.delete(p.metadata.uid!);
      }),
    );
  }
  if (cleanUncounted(s.job, withFinalizer)) needsFlush = true;
  if (rmError) {
    if (needsFlush) s.job = await writeStatus(d, s.job);
    throw rmError;
  }
  return needsFlush;
}

/** Add the terminal condition once every finished pod is counted and none is terminating. */
function enactFinished(s: SyncState, now: string): boolean {
  const fin = s.finishedCondition;
  if (!fin) return false;
  const u = (s.job.status!.uncountedTerminatedPods ?? {}) as Uncounted;
  if ((u.succeeded?.length ?? 0) + (u.failed?.length ?? 0) > 0) return false;
  if (s.terminating > 0) return false;
  ensureCondition(s.job, fin.type, fin.status, fin.reason ?? '', fin.message ?? '', now);
  if (fin.type === 'Complete') s.job.status!.completionTime = now;
  return true;
}

function recordFinished(d: SyncDeps, s: SyncState): void {
  const job = s.job;
  const fin = s.finishedCondition!;
  if (fin.type === 'Complete') {
    const completions = job.spec?.completions;
    if (typeof completions === 'number' && Number(job.status?.succeeded ?? 0) > completions) {
      void d.recorder.event(job, 'Warning', 'TooManySucceededPods', 'Too many succeeded pods running after completion count reached');
    }
    void d.recorder.event(job, 'Normal', 'Completed', 'Job completed');
  } else {
    void d.recorder.event(job, 'Warning', fin.reason ?? 'Failed', fin.message ?? '');
  }
}
