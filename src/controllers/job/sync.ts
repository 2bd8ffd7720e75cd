// One Job sync (upstream syncJob): count the pods, decide whether the Job has failed (backoff
// limit, active deadline) or succeeded (completions), manage pods otherwise, keep the Suspended
// condition, and hand the status to the tracking step. Timeline of a Job's conditions:
//   running ─▶ FailureTarget(reason) ─▶ pods gone ─▶ Failed(reason)
//   running ─▶ SuccessCriteriaMet(CompletionsReached) ─▶ pods counted ─▶ Complete(CompletionsReached)
import type { KubeObject } from '../../api/types.js';
import { isActivePod, isPodReady } from '../runtime/objects.js';
import { nextRecord } from './backoff.js';
import { matchPodFailurePolicy } from './failurepolicy.js';
import { matchSuccessPolicy } from './successpolicy.js';
import { calculateFailedIndexes, delayedDeletionPerIndex, hasBackoffLimitPerIndex } from './perindex.js';
import { completionIndex, hasIndex, isIndexedJob, parseIntervals, total, UNKNOWN_INDEX, withIndexes } from './indexes.js';
import { deleteActivePods, manageJob } from './manage.js';
import { hasTrackingFinalizer, isPodFailed, isTerminating } from './pods.js';
import { ensureCondition, findCondition, newCondition, requeueIn, type SyncDeps, type SyncState, type Uncounted } from './state.js';
import { trackStatusAndRemoveFinalizers } from './tracking.js';

function suspended(job: KubeObject): boolean {
  return job.spec?.suspend === true;
}

/** restartPolicy OnFailure: container restarts of running pods count against the backoff limit. */
function pastBackoffLimitOnFailure(job: KubeObject, pods: KubeObject[]): boolean {
  if (job.spec?.template?.spec?.restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const p of pods) {
    if (p.status?.phase !== 'Running' && p.status?.phase !== 'Pending') continue;
    for (const c of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])] as { restartCount?: number }[]) restarts += c.restartCount ?? 0;
  }
  const limit = Number(job.spec?.backoffLimit ?? 6);
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

/** Pods with an unhandled finish: still holding the finalizer, not uncounted, valid index. */
function newFinished(s: SyncState, uncounted: Set<string>, pred: (p: KubeObject) => boolean): KubeObject[] {
  const completions = Number(s.job.spec?.completions ?? 0);
  return s.pods.filter((p) => {
    const uid = p.metadata.uid!;
    if (!hasTrackingFinalizer(p) || uncounted.has(uid) || s.expectedRmFinalizers.has(uid)) return false;
    if (isIndexedJob(s.job)) {
      const ix = completionIndex(p);
      if (ix === UNKNOWN_INDEX || ix >= completions) return false;
    }
    return pred(p);
  });
}

export function newState(key: string, job: KubeObject, pods: KubeObject[], d: SyncDeps): SyncState {
  const u = (job.status?.uncountedTerminatedPods ?? {}) as Uncounted;
  const activePods = pods.filter(isActivePod);
  return {
    key,
    job,
    pods,
    activePods,
    active: activePods.length,
    succeeded: 0,
    failed: 0,
    ready: activePods.filter(isPodReady).length,
    terminating: pods.filter(isTerminating).length,
    uncountedSucceeded: new Set(u.succeeded ?? []),
    uncountedFailed: new Set(u.failed ?? []),
    expectedRmFinalizers: d.finalizers.expected(key),
    prevSucceededIndexes: [],
    succeededIndexes: [],
    delayedDeletion: new Map(),
    newBackoff: d.backoff.get(key),
  };
}

/** Sync one Job whose pods were claimed; satisfied tells whether earlier creations/deletions were observed. */
export async function syncJob(d: SyncDeps, s: SyncState, satisfied: boolean): Promise<unknown> {
  const job = s.job;
  job.status ??= {};
  job.status.uncountedTerminatedPods ??= {};
  const now = d.clock.now();
  const newSucceeded = newFinished(s, s.uncountedSucceeded, (p) => p.status?.phase === 'Succeeded');
  const newFailed = newFinished(s, s.uncountedFailed, (p) => isPodFailed(p, job));
  s.succeeded = Number(job.status.succeeded ?? 0) + newSucceeded.length + s.uncountedSucceeded.size;
  const counted = job.spec?.podFailurePolicy ? newFailed.filter((p) => matchPodFailurePolicy(job, p).countFailed) : newFailed;
  s.failed = Number(job.status.failed ?? 0) + counted.length + s.uncountedFailed.size;
  if (!job.status.startTime && !suspended(job)) job.status.startTime = d.clock.nowRFC3339();
  s.newBackoff = nextRecord(s.newBackoff, newSucceeded, newFailed);

  const met = findCondition(job, 'SuccessCriteriaMet');
  if (met?.status === 'True') s.finishedCondition = met;
  if (!s.finishedCondition) {
    const target = findCondition(job, 'FailureTarget');
    if (target?.status === 'True') s.finishedCondition = newCondition('Failed', 'True', target.reason ?? '', target.message ?? '', d.clock.nowRFC3339());
    else if (job.spec?.podFailurePolicy) {
      for (const p of s.pods) {
        const msg = isPodFailed(p, job) ? matchPodFailurePolicy(job, p).failJobMessage : undefined;
        if (msg) {
          s.finishedCondition = newCondition('FailureTarget', 'True', 'PodFailurePolicy', msg, d.clock.nowRFC3339());
          break;
        }
      }
    }
  }
  if (!s.finishedCondition) {
    const ads = job.spec?.activeDeadlineSeconds;
    const started = job.status.startTime ? Date.parse(job.status.startTime as string) : undefined;
    if (s.failed > Number(job.spec?.backoffLimit ?? 6) || pastBackoffLimitOnFailure(job, s.pods)) {
      s.finishedCondition = newCondition('FailureTarget', 'True', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit', d.clock.nowRFC3339());
    } else if (typeof ads === 'number' && started !== undefined && !suspended(job)) {
      const left = started + ads * 1000 - now;
      if (left <= 0) s.finishedCondition = newCondition('FailureTarget', 'True', 'DeadlineExceeded', 'Job was active longer than specified deadline', d.clock.nowRFC3339());
      else requeueIn(s, left);
    }
  }
  if (isIndexedJob(job)) {
    const completions = Number(job.spec?.completions ?? 0);
    s.prevSucceededIndexes = parseIntervals(job.status.completedIndexes as string | undefined, completions);
    const fresh = new Set<number>();
    for (const p of s.pods) {
      const ix = completionIndex(p);
      if (p.status?.phase === 'Succeeded' && ix !== UNKNOWN_INDEX && ix < completions && hasTrackingFinalizer(p)) fresh.add(ix);
    }
    s.succeededIndexes = withIndexes(s.prevSucceededIndexes, [...fresh].filter((i) => !hasIndex(s.prevSucceededIndexes, i)).sort((a, b) => a - b));
    s.succeeded = total(s.succeededIndexes);
    if (hasBackoffLimitPerIndex(job)) {
      const failedIx = calculateFailedIndexes(job, s.pods);
      s.failedIndexes = failedIx;
      const maxFailed = job.spec?.maxFailedIndexes;
      if (!s.finishedCondition) {
        if (typeof maxFailed === 'number' && total(failedIx) > maxFailed) {
          s.finishedCondition = newCondition('FailureTarget', 'True', 'MaxFailedIndexesExceeded', 'Job has exceeded the specified maximal number of failed indexes', d.clock.nowRFC3339());
        } else if (total(failedIx) > 0 && total(failedIx) + total(s.succeededIndexes) >= completions) {
          s.finishedCondition = newCondition('FailureTarget', 'True', 'FailedIndexes', 'Job has failed indexes', d.clock.nowRFC3339());
        }
      }
      s.delayedDeletion = delayedDeletionPerIndex(job, s.pods, s.activePods, s.succeededIndexes, failedIx, s.expectedRmFinalizers);
    }
    const policyMet = s.finishedCondition ? undefined : matchSuccessPolicy(job, s.succeededIndexes);
    if (policyMet) s.finishedCondition = newCondition('SuccessCriteriaMet', 'True', 'SuccessPolicy', policyMet, d.clock.nowRFC3339());
  }

  let manageError: unknown;
  let suspendChanged = false;
  if (s.finishedCondition) {
    const r = await deleteActivePods(d, job, s.activePods);
    // not finished while pods remain or others may still appear in the cache
    if (r.deleted !== s.active || !satisfied) s.finishedCondition = undefined;
    s.active -= r.deleted;
    s.terminating += r.deleted;
    s.ready -= r.ready;
    manageError = r.error;
  } else {
    let managed = false;
    if (satisfied && !job.metadata.deletionTimestamp) {
      const r = await manageJob(d, s);
      s.active = r.active;
      manageError = r.error;
      managed = true;
    }
    const completions = job.spec?.completions;
    const complete = typeof completions !== 'number' ? s.succeeded > 0 && s.active === 0 : s.succeeded >= completions && s.active === 0;
    if (complete) {
      s.finishedCondition = newCondition('SuccessCriteriaMet', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods', d.clock.nowRFC3339());
    } else if (managed) {
      const nowStr = d.clock.nowRFC3339();
      if (suspended(job)) {
        if (ensureCondition(job, 'Suspended', 'True', 'JobSuspended', 'Job suspended', nowStr)) {
          suspendChanged = true;
          void d.recorder.event(job, 'Normal', 'Suspended', 'Job suspended');
        }
      } else if (ensureCondition(job, 'Suspended', 'False', 'JobResumed', 'Job resumed', nowStr)) {
        suspendChanged = true;
        void d.recorder.event(job, 'Normal', 'Resumed', 'Job resumed');
        // activeDeadlineSeconds counts continuous activity: the clock restarts on resume
        job.status.startTime = nowStr;
      }
    }
  }
  const st = job.status;
  const needsUpdate = suspendChanged || s.active !== Number(st.active ?? 0) || s.ready !== st.ready || s.terminating !== st.terminating;
  st.active = s.active;
  st.ready = s.ready;
  st.terminating = s.terminating;
  await trackStatusAndRemoveFinalizers(d, s, needsUpdate);
  return manageError;
}
