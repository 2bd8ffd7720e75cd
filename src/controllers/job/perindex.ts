// spec.backoffLimitPerIndex of Indexed Jobs (upstream, beta and on in 1.32): each index has its
// own failure budget and back-off. A pod carries the failures of its index so far in the
// batch.kubernetes.io/job-index-failure-count annotation (ignored ones, under podFailurePolicy
// Ignore, in ...-ignored-failure-count); an index whose failed pod reached the limit (or matched
// a FailIndex rule) is failed for good and listed in status.failedIndexes. The last failed pod of
// an index keeps its finalizer until its replacement exists, so the count passes on.
import type { KubeObject } from '../../api/types.js';
import { remainingBackoff } from './backoff.js';
import { matchPodFailurePolicy } from './failurepolicy.js';
import { completionIndex, hasIndex, indexesOf, parseIntervals, UNKNOWN_INDEX, withIndexes, type Interval } from './indexes.js';
import { finishedTime, hasTrackingFinalizer, isPodFailed } from './pods.js';

export const INDEX_FAILURE_COUNT = 'batch.kubernetes.io/job-index-failure-count';
export const INDEX_IGNORED_FAILURE_COUNT = 'batch.kubernetes.io/job-index-ignored-failure-count';

export function hasBackoffLimitPerIndex(job: KubeObject): boolean {
  return typeof job.spec?.backoffLimitPerIndex === 'number';
}

/** An int32 annotation; missing, unparsable or out-of-range values count as 0. */
function countAnnotation(pod: KubeObject, key: string): number {
  const v = pod.metadata.annotations?.[key];
  if (v === undefined || !/^[+-]?\d+$/.test(v)) return 0;
  const n = Number(v);
  return n < 0 || n > 2147483647 ? 0 : n;
}

export const failureCount = (pod: KubeObject) => countAnnotation(pod, INDEX_FAILURE_COUNT);
const absoluteFailureCount = (pod: KubeObject) => failureCount(pod) + countAnnotation(pod, INDEX_IGNORED_FAILURE_COUNT);

/** The pod failed and so did its index: its failures reached the limit, or a FailIndex rule matched. */
function isIndexFailed(job: KubeObject, pod: KubeObject): boolean {
  if (!isPodFailed(pod, job)) return false;
  let counted = true;
  if (job.spec?.podFailurePolicy) {
    const m = matchPodFailurePolicy(job, pod);
    if (m.failIndex) return true;
    counted = m.countFailed;
  }
  return counted && failureCount(pod) >= Number(job.spec?.backoffLimitPerIndex);
}

/** status.failedIndexes plus the indexes that failed since (pods still holding the finalizer). */
export function calculateFailedIndexes(job: KubeObject, pods: KubeObject[]): Interval[] {
  const completions = Number(job.spec?.completions ?? 0);
  const prev = parseIntervals(job.status?.failedIndexes as string | undefined, completions);
  const fresh = pods.filter((p) => {
    const ix = completionIndex(p);
    return ix !== UNKNOWN_INDEX && ix < completions && hasTrackingFinalizer(p) && isIndexFailed(job, p);
  });
  return withIndexes(prev, indexesOf(fresh).filter((i) => !hasIndex(prev, i)));
}

/** Per index still to be retried, its latest failed pod: it keeps its finalizer until replaced. */
export function delayedDeletionPerIndex(job: KubeObject, pods: KubeObject[], active: KubeObject[], succeeded: Interval[], failed: Interval[], expectedRm: Set<string>): Map<number, KubeObject> {
  const completions = Number(job.spec?.completions ?? 0);
  const activeIx = new Set(indexesOf(active));
  const out = new Map<number, KubeObject>();
  for (const p of pods) {
    if (!hasTrackingFinalizer(p) || expectedRm.has(p.metadata.uid!) || !isPodFailed(p, job)) continue;
    const ix = completionIndex(p);
    if (ix === UNKNOWN_INDEX || ix >= completions || hasIndex(succeeded, ix) || hasIndex(failed, ix) || activeIx.has(ix)) continue;
    const last = out.get(ix);
    if (!last || (absoluteFailureCount(last) <= absoluteFailureCount(p) && finishedTime(p) >= finishedTime(last))) out.set(ix, p);
  }
  return out;
}

/** The failure annotations of the pod replacing `replaced` (none replaced: 0). */
export function replacementCounts(job: KubeObject, replaced: KubeObject | undefined): Record<string, string> {
  if (!replaced) return { [INDEX_FAILURE_COUNT]: '0' };
  let count = failureCount(replaced);
  let ignored = countAnnotation(replaced, INDEX_IGNORED_FAILURE_COUNT);
  if (job.spec?.podFailurePolicy && !matchPodFailurePolicy(job, replaced).countFailed) ignored++;
  else count++;
  const out: Record<string, string> = { [INDEX_FAILURE_COUNT]: String(count) };
  if (ignored > 0) out[INDEX_IGNORED_FAILURE_COUNT] = String(ignored);
  return out;
}

/** How long the index whose last failed pod is `last` must still wait before a new pod (ms). */
export function indexBackoff(last: KubeObject | undefined, now: number): number {
  if (!last) return 0;
  return remainingBackoff({ failuresAfterLastSuccess: absoluteFailureCount(last) + 1, lastFailureTime: finishedTime(last) }, now);
}
