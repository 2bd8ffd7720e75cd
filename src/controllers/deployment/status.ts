// Deployment status and conditions (upstream calculateStatus, syncRolloutStatus's helpers):
// counts summed over the ReplicaSets, Available (MinimumReplicasAvailable) and Progressing
// (NewReplicaSetCreated, FoundNewReplicaSet, ReplicaSetUpdated, NewReplicaSetAvailable,
// ProgressDeadlineExceeded, DeploymentPaused/Resumed).
import type { KubeObject } from '../../api/types.js';
import { rfc3339 } from '../../util/clock.js';
import { getCondition, type Condition } from '../runtime/objects.js';
import { maxUnavailable, replicasOf, sumSpecReplicas, sumStatus } from './util.js';

export const PROGRESSING = 'Progressing';
export const AVAILABLE = 'Available';
export const REPLICA_FAILURE = 'ReplicaFailure';
export const Reasons = {
  newRSCreated: 'NewReplicaSetCreated',
  foundNewRS: 'FoundNewReplicaSet',
  rsUpdated: 'ReplicaSetUpdated',
  newRSAvailable: 'NewReplicaSetAvailable',
  timedOut: 'ProgressDeadlineExceeded',
  paused: 'DeploymentPaused',
  resumed: 'DeploymentResumed',
  minimumAvailable: 'MinimumReplicasAvailable',
  minimumUnavailable: 'MinimumReplicasUnavailable',
  failedCreate: 'FailedCreate',
} as const;

export interface DeploymentStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  unavailableReplicas?: number;
  conditions?: Condition[];
  collisionCount?: number;
}

export function newCondition(type: string, status: Condition['status'], reason: string, message: string, now: number): Condition {
  const t = rfc3339(now);
  return { type, status, lastUpdateTime: t, lastTransitionTime: t, reason, message };
}

/** Upstream SetDeploymentCondition: same status and reason is a no-op; same status keeps the transition time. */
export function setCondition(st: DeploymentStatus, c: Condition): void {
  const cur = getCondition(st.conditions, c.type);
  if (cur && cur.status === c.status && cur.reason === c.reason) return;
  if (cur && cur.status === c.status) c.lastTransitionTime = cur.lastTransitionTime;
  st.conditions = [...(st.conditions ?? []).filter((x) => x.type !== c.type), c];
}

export function removeCondition(st: DeploymentStatus, type: string): void {
  st.conditions = (st.conditions ?? []).filter((x) => x.type !== type);
}

/** Upstream omitempty: zero counts are left out, as kube-controller-manager writes them. */
function compact(s: DeploymentStatus): DeploymentStatus {
  const out: DeploymentStatus = {};
  for (const [k, v] of Object.entries(s) as [keyof DeploymentStatus, unknown][]) {
    if (v === 0 || v === undefined || (Array.isArray(v) && v.length === 0)) continue;
    (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

export function calculateStatus(allRSs: KubeObject[], newRS: KubeObject | undefined, d: KubeObject, now: number): DeploymentStatus {
  const available = sumStatus(allRSs, 'availableReplicas');
  const unavailable = Math.max(0, sumSpecReplicas(allRSs) - available);
  const st: DeploymentStatus = {
    observedGeneration: d.metadata.generation,
    replicas: sumStatus(allRSs, 'replicas'),
    updatedReplicas: newRS ? sumStatus([newRS], 'replicas') : 0,
    readyReplicas: sumStatus(allRSs, 'readyReplicas'),
    availableReplicas: available,
    unavailableReplicas: unavailable,
    collisionCount: d.status?.collisionCount,
    conditions: structuredClone((d.status?.conditions ?? []) as Condition[]),
  };
  if (available >= replicasOf(d) - maxUnavailable(d)) {
    setCondition(st, newCondition(AVAILABLE, 'True', Reasons.minimumAvailable, 'Deployment has minimum availability.', now));
  } else {
    setCondition(st, newCondition(AVAILABLE, 'False', Reasons.minimumUnavailable, 'Deployment does not have minimum availability.', now));
  }
  return compact(st);
}

const n = (v: number | undefined): number => v ?? 0;

/** Every replica updated and available, nothing old left (upstream DeploymentComplete). */
export function deploymentComplete(d: KubeObject, st: DeploymentStatus): boolean {
  const want = replicasOf(d);
  return n(st.updatedReplicas) === want && n(st.replicas) === want && n(st.availableReplicas) === want && n(st.observedGeneration) >= n(d.metadata.generation);
}

/** Something moved forward since the stored status (upstream DeploymentProgressing). */
export function deploymentProgressing(d: KubeObject, st: DeploymentStatus): boolean {
  const old = (d.status ?? {}) as DeploymentStatus;
  const oldOld = n(old.replicas) - n(old.updatedReplicas);
  const newOld = n(st.replicas) - n(st.updatedReplicas);
  return newOld < oldOld || n(st.updatedReplicas) > n(old.updatedReplicas) || n(st.readyReplicas) > n(old.readyReplicas) || n(st.availableReplicas) > n(old.availableReplicas);
}

export function hasProgressDeadline(d: KubeObject): boolean {
  const p = d.spec?.progressDeadlineSeconds;
  return p !== undefined && p !== null && p !== 2147483647;
}

/** No progress within progressDeadlineSeconds of the last Progressing update. */
export function deploymentTimedOut(d: KubeObject, st: DeploymentStatus, now: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = getCondition(st.conditions, PROGRESSING);
  if (!c || c.reason === Reasons.newRSAvailable) return false;
  if (c.reason === Reasons.timedOut) return true;
  const from = Date.parse(c.lastUpdateTime ?? '') || 0;
  return from + Number(d.spec.progressDeadlineSeconds) * 1000 < now;
}

/** Milliseconds until the deployment would time out, or undefined when there is nothing to watch. */
export function timeUntilDeadline(d: KubeObject, st: DeploymentStatus, now: number): number | undefined {
  const c = getCondition(st.conditions, PROGRESSING);
  if (!hasProgressDeadline(d) || !c) return undefined;
  if (deploymentComplete(d, st) || c.reason === Reasons.timedOut) return undefined;
  const from = Date.parse(c.lastUpdateTime ?? '') || 0;
  return Math.max(0, from + Number(d.spec.progressDeadlineSeconds) * 1000 - now) + 1000;
}
