// ReplicaSet/ReplicationController status (upstream calculateStatus + updateReplicaSetStatus):
// counts over the active pods it owns, the ReplicaFailure condition, observedGeneration.
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import type { RestClient } from '../../client/rest.js';
import type { Clock } from '../../util/clock.js';
import { isPodAvailable, podReadyCondition, stableJson, type Condition } from '../runtime/objects.js';

export interface ReplicaStatus {
  replicas: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  conditions?: Condition[];
}

/** Every [key, value] of want is among the labels (the template's labels, listed once per sync). */
function hasLabels(have: Record<string, string> | undefined, want: [string, string][]): boolean {
  for (const [k, v] of want) if (have?.[k] !== v) return false;
  return true;
}

/** Status of rs given its active pods; manageError sets the ReplicaFailure condition. */
export function calculateStatus(rs: KubeObject, active: KubeObject[], manageError: unknown, clock: Clock): ReplicaStatus {
  const tmplLabels = rs.spec?.template?.metadata?.labels as Record<string, string> | undefined;
  const minReady = Number(rs.spec?.minReadySeconds ?? 0);
  const now = clock.now();
  let fully = 0;
  let ready = 0;
  let available = 0;
  const want = Object.entries(tmplLabels ?? {});
  for (const p of active) {
    if (hasLabels(p.metadata.labels, want)) fully++;
    // isPodReady, then isPodAvailable, reading the Ready condition once
    const c = podReadyCondition(p);
    if (c?.status === 'True') {
      ready++;
      if (!minReady || isPodAvailable(p, minReady, now)) available++;
    }
  }
  let conditions = ((rs.status?.conditions ?? []) as Condition[]).filter((c) => c.type !== 'ReplicaFailure');
  const failure = ((rs.status?.conditions ?? []) as Condition[]).find((c) => c.type === 'ReplicaFailure');
  if (manageError) {
    const diff = active.length - Number(rs.spec?.replicas ?? 1);
    const reason = diff < 0 ? 'FailedCreate' : 'FailedDelete';
    conditions = [
      ...conditions,
      failure ?? { type: 'ReplicaFailure', status: 'True', lastTransitionTime: clock.nowRFC3339(), reason, message: (manageError as Error).message },
    ];
  }
  const s: ReplicaStatus = { replicas: active.length };
  if (fully) s.fullyLabeledReplicas = fully;
  if (ready) s.readyReplicas = ready;
  if (available) s.availableReplicas = available;
  if (rs.metadata.generation) s.observedGeneration = rs.metadata.generation;
  if (conditions.length) s.conditions = conditions;
  return s;
}

/** Write status unless it is unchanged; on a conflict re-read the object once and retry. */
export async function updateStatus(client: RestClient, path: string, rs: KubeObject, status: ReplicaStatus): Promise<KubeObject> {
  let cur = rs;
  for (let attempt = 0; ; attempt++) {
    if (stableJson(cur.status ?? {}) === stableJson(status)) return cur;
    try {
      return await client.json<KubeObject>('PUT', `${path}/status`, { ...cur, status });
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 409) || attempt >= 1) throw err;
      cur = await client.json<KubeObject>('GET', path);
    }
  }
}
