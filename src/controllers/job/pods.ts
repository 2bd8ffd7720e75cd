// What the Job controller needs to know about a pod: the tracking finalizer, whether it counts
// as failed or terminating, when it finished, and the ordering used to pick pods to delete.
import type { KubeObject } from '../../api/types.js';
import { isPodReady, podReadyCondition } from '../runtime/objects.js';

/** Held on every Job pod until its completion or failure has been counted in the Job status. */
export const TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';

export function hasTrackingFinalizer(pod: KubeObject): boolean {
  return (pod.metadata.finalizers ?? []).includes(TRACKING_FINALIZER);
}

/** Replacement waits for terminating pods to fail (podReplacementPolicy Failed, or a podFailurePolicy). */
export function onlyReplaceFailedPods(job: KubeObject): boolean {
  return job.spec?.podReplacementPolicy === 'Failed' || !!job.spec?.podFailurePolicy;
}

/** Failed, or (unless only failed pods are replaced) deleted before it succeeded. */
export function isPodFailed(pod: KubeObject, job: KubeObject): boolean {
  if (pod.status?.phase === 'Failed') return true;
  if (onlyReplaceFailedPods(job)) return false;
  return !!pod.metadata.deletionTimestamp && pod.status?.phase !== 'Succeeded';
}

/** Being deleted and not yet terminal (upstream CountTerminatingPods). */
export function isTerminating(pod: KubeObject): boolean {
  const phase = pod.status?.phase;
  return !!pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed';
}

function ts(s: unknown): number | undefined {
  if (typeof s !== 'string') return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}

interface ContainerStatus {
  state?: { terminated?: { finishedAt?: string } };
}

/**
 * When the pod finished: the last container's finishedAt, else when Ready turned False, else the
 * deletion time minus its grace period, else its creation (upstream getFinishedTime).
 */
export function finishedTime(pod: KubeObject): number {
  const statuses = (pod.status?.containerStatuses ?? []) as ContainerStatus[];
  let latest: number | undefined;
  let all = statuses.length > 0;
  for (const s of statuses) {
    const t = ts(s.state?.terminated?.finishedAt);
    if (t === undefined) {
      all = false;
      break;
    }
    latest = latest === undefined ? t : Math.max(latest, t);
  }
  if (all && latest !== undefined) return latest;
  const ready = podReadyCondition(pod);
  const readyFalse = ready?.status === 'False' ? ts(ready.lastTransitionTime) : undefined;
  if (readyFalse !== undefined) return readyFalse;
  const del = ts(pod.metadata.deletionTimestamp);
  if (del !== undefined) return del - Number(pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
  return ts(pod.metadata.creationTimestamp) ?? 0;
}

const PHASE_ORDER: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function restarts(p: KubeObject): number {
  let n = 0;
  for (const s of (p.status?.containerStatuses ?? []) as { restartCount?: number }[]) n = Math.max(n, s.restartCount ?? 0);
  return n;
}

/**
 * Pods in the order to delete them (upstream controller.ActivePods): unscheduled, pending,
 * not ready, ready for less time, more restarts, newer first.
 */
export function deletionOrder(a: KubeObject, b: KubeObject): number {
  const an = a.spec?.nodeName ? 1 : 0;
  const bn = b.spec?.nodeName ? 1 : 0;
  if (an !== bn) return an - bn;
  const ap = PHASE_ORDER[a.status?.phase as string] ?? 0;
  const bp = PHASE_ORDER[b.status?.phase as string] ?? 0;
  if (ap !== bp) return ap - bp;
  const ar = isPodReady(a) ? 1 : 0;
  const br = isPodReady(b) ? 1 : 0;
  if (ar !== br) return ar - br;
  if (ar && br) {
    const at = ts(podReadyCondition(a)?.lastTransitionTime) ?? 0;
    const bt = ts(podReadyCondition(b)?.lastTransitionTime) ?? 0;
    if (at !== bt) return bt - at;
  }
  const ac = restarts(a);
  const bc = restarts(b);
  if (ac !== bc) return bc - ac;
  return (ts(b.metadata.creationTimestamp) ?? 0) - (ts(a.metadata.creationTimestamp) ?? 0);
}
