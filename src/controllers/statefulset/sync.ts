// One pass of the StatefulSet algorithm (upstream defaultStatefulSetControl.updateStatefulSet):
//   1. pods in [start, start+replicas) are the replicas, others with an ordinal are condemned;
//   2. replicas: a terminal pod is deleted, a missing one created (with its claims); with
//      OrderedReady each must be Running and Ready (and available) before the next is looked at;
//   3. condemned pods go highest ordinal first, one at a time with OrderedReady;
//   4. RollingUpdate: the highest-ordinal pod at or above the partition that is not at the
//      update revision is deleted (and comes back at it), one at a time, waiting for health.
// Returns the status to write and, when a pod becomes available later, when to look again.
import type { KubeObject } from '../../api/types.js';
import { isPodAvailable, isPodReady, podReadyCondition } from '../runtime/objects.js';
import { identityMatches, newPod, ordinalOf, POD_INDEX_LABEL, POD_NAME_LABEL, REVISION_LABEL, replicasOf, startOrdinal } from './identity.js';
import { createMissingClaims, createPod, deletePod, fixClaimOwners, patchLabels, type PodControlDeps } from './podcontrol.js';

export interface StatefulSetStatus {
  observedGeneration?: number;
  replicas: number;
  readyReplicas?: number;
  currentReplicas?: number;
  updatedReplicas?: number;
  availableReplicas: number;
  currentRevision?: string;
  updateRevision?: string;
  collisionCount?: number;
  conditions?: unknown[];
}

export interface SyncInput {
  set: KubeObject;
  /** the set with the template of the current / update revision */
  currentSet: KubeObject;
  updateSet: KubeObject;
  currentRevision: string;
  updateRevision: string;
  collisionCount: number;
  /** the pods the set owns */
  pods: KubeObject[];
  now: number;
}

export interface SyncOutput {
  status: StatefulSetStatus;
  /** a pod is Ready but not yet available for minReadySeconds: look again after this */
  requeueMs?: number;
}

const revisionOf = (p: KubeObject): string | undefined => p.metadata.labels?.[REVISION_LABEL];
const isTerminating = (p: KubeObject): boolean => !!p.metadata.deletionTimestamp;
const isTerminal = (p: KubeObject): boolean => p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded';
const isRunningAndReady = (p: KubeObject): boolean => p.status?.phase === 'Running' && isPodReady(p);
const isHealthy = (p: KubeObject): boolean => isRunningAndReady(p) && !isTerminating(p);

export async function syncStatefulSet(d: PodControlDeps, i: SyncInput): Promise<SyncOutput> {
  const { set, pods, now } = i;
  const minReady = Number(set.spec?.minReadySeconds ?? 0);
  const available = (p: KubeObject): boolean => isRunningAndReady(p) && isPodAvailable(p, minReady, now);
  const status = computeStatus(i, available);
  let requeueMs: number | undefined;
  const waitAvailable = (p: KubeObject): void => {
    const since = Date.parse(podReadyCondition(p)?.lastTransitionTime ?? '');
    const ms = Number.isNaN(since) ? 1000 : Math.max(since + minReady * 1000 - now, 0) + 100;
    requeueMs = Math.min(requeueMs ?? ms, ms);
  };
  const out = (): SyncOutput => ({ status, requeueMs });

  const start = startOrdinal(set);
  const n = replicasOf(set);
  const replicas: (KubeObject | undefined)[] = new Array(n).fill(undefined);
  const condemned: KubeObject[] = [];
  for (const p of pods) {
    const ord = ordinalOf(set, p);
    if (ord < 0) continue;
    if (ord >= start && ord < start + n) replicas[ord - start] = p;
    else condemned.push(p);
  }
  condemned.sort((a, b) => ordinalOf(set, b) - ordinalOf(set, a));
  let firstUnhealthy: KubeObject | undefined;
  for (const p of replicas) if (!p || !isHealthy(p)) firstUnhealthy ??= p;
  for (let k = condemned.length - 1; k >= 0; k--) if (!isHealthy(condemned[k]!)) firstUnhealthy ??= condemned[k];
  if (set.metadata.deletionTimestamp) return out();

  const monotonic = set.spec?.podManagementPolicy !== 'Parallel';
  const partition = Number(set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0);
  const rolling = (set.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
  const created = new Set<KubeObject>();
  const policy = set.spec?.persistentVolumeClaimRetentionPolicy ?? {};
  const retentionDeletes = policy.whenDeleted === 'Delete' || policy.whenScaled === 'Delete';

  for (let k = 0; k < n; k++) {
    const ord = start + k;
    let pod = replicas[k];
    if (pod && isTerminal(pod)) {
      // the next sync, once it is gone, makes it again
      if (!isTerminating(pod)) await deletePod(d, set, pod);
      return out();
    }
    if (!pod) {
      const atCurrent = rolling && k < partition;
      const rev = atCurrent ? i.currentRevision : i.updateRevision;
      pod = newPod(atCurrent ? i.currentSet : i.updateSet, ord, rev);
      await createPod(d, set, pod);
      replicas[k] = pod;
      created.add(pod);
      status.replicas++;
      if (rev === i.currentRevision) status.currentReplicas = (status.currentReplicas ?? 0) + 1;
      if (rev === i.updateRevision) status.updatedReplicas = (status.updatedReplicas ?? 0) + 1;
      if (monotonic) return out();
      continue;
    }
    if (isTerminating(pod)) {
      if (monotonic) return out();
      continue;
    }
    if (pod.status?.phase === 'Pending') await createMissingClaims(d, set, pod);
    if (!isRunningAndReady(pod)) {
      if (monotonic) return out();
      continue;
    }
    if (!available(pod)) {
      waitAvailable(pod);
      if (monotonic) return out();
      continue;
    }
    if (!identityMatches(set, pod)) await patchLabels(d, set, pod, { [POD_NAME_LABEL]: pod.metadata.name!, [POD_INDEX_LABEL]: String(ord) });
    if (retentionDeletes) await fixClaimOwners(d, set, pod, false);
  }

  for (const pod of condemned) {
    if (isTerminating(pod)) {
      if (monotonic) return out();
      continue;
    }
    if (monotonic && pod !== firstUnhealthy && !available(pod)) return out();
    if (retentionDeletes) await fixClaimOwners(d, set, pod, true);
    await deletePod(d, set, pod);
    if (monotonic) return out();
  }

  if (!rolling) return out();
  for (let k = n - 1; k >= partition; k--) {
    const pod = replicas[k]!;
    if (!created.has(pod) && revisionOf(pod) !== i.updateRevision && !isTerminating(pod)) {
      await deletePod(d, set, pod);
      if (revisionOf(pod) === i.currentRevision) status.currentReplicas = Math.max((status.currentReplicas ?? 0) - 1, 0);
      return out();
    }
    if (created.has(pod) || !isHealthy(pod)) return out();
  }
  return out();
}

/** Counts over the set's pods (upstream computeReplicaStatus). */
function computeStatus(i: SyncInput, available: (p: KubeObject) => boolean): StatefulSetStatus {
  const s: StatefulSetStatus = {
    replicas: 0,
    availableReplicas: 0,
    currentRevision: i.currentRevision,
    updateRevision: i.updateRevision,
    collisionCount: i.collisionCount,
  };
  if (i.set.metadata.generation) s.observedGeneration = i.set.metadata.generation;
  if (i.set.status?.conditions) s.conditions = i.set.status.conditions;
  for (const p of i.pods) {
    s.replicas++;
    if (isRunningAndReady(p)) {
      s.readyReplicas = (s.readyReplicas ?? 0) + 1;
      if (available(p)) s.availableReplicas++;
    }
    if (!isTerminating(p)) {
      if (revisionOf(p) === i.currentRevision) s.currentReplicas = (s.currentReplicas ?? 0) + 1;
      if (revisionOf(p) === i.updateRevision) s.updatedReplicas = (s.updatedReplicas ?? 0) + 1;
    }
  }
  return s;
}

/** A finished rolling update makes the update revision current (upstream completeRollingUpdate). */
export function completeRollingUpdate(set: KubeObject, s: StatefulSetStatus): void {
  if ((set.spec?.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') return;
  if ((s.updatedReplicas ?? 0) === s.replicas && (s.readyReplicas ?? 0) === s.replicas) {
    s.currentReplicas = s.updatedReplicas;
    s.currentRevision = s.updateRevision;
  }
}
