// Recreate (upstream recreate.go): scale every old ReplicaSet to zero, wait until none of
// their pods is left running, then create or scale up the new ReplicaSet.
import type { KubeObject } from '../../api/types.js';
import { isTerminalPod } from '../runtime/objects.js';
import type { Result } from '../runtime/result.js';
import { calculateStatus, deploymentComplete } from './status.js';
import type { Rollout } from './sync.js';
import { activeReplicaSets, replicasOf } from './util.js';

export async function rolloutRecreate(r: Rollout, podsOf: (rs: KubeObject) => KubeObject[], now: number): Promise<Result> {
  let { newRS, oldRSs } = await r.getAllReplicaSetsAndSyncRevision(false);
  let scaledDown = false;
  for (const rs of activeReplicaSets(oldRSs)) {
    const out = await r.scaleReplicaSet(rs, 0);
    oldRSs = oldRSs.map((x) => (x.metadata.uid === rs.metadata.uid ? out.rs : x));
    if (out.scaled) scaledDown = true;
  }
  const all = () => [...oldRSs, ...(newRS ? [newRS] : [])];
  if (scaledDown) return r.syncRolloutStatus(all(), newRS);
  if (oldPodsRunning(newRS, oldRSs, podsOf)) return r.syncRolloutStatus(all(), newRS);
  if (!newRS) ({ newRS, oldRSs } = await r.getAllReplicaSetsAndSyncRevision(true));
  if (newRS && replicasOf(newRS) !== replicasOf(r.d)) newRS = (await r.scaleReplicaSet(newRS, replicasOf(r.d))).rs;
  if (deploymentComplete(r.d, calculateStatus(all(), newRS, r.d, now))) await r.cleanup(oldRSs);
  return r.syncRolloutStatus(all(), newRS);
}

/** Any pod of an old ReplicaSet that is not terminal (being deleted counts: it still runs). */
function oldPodsRunning(newRS: KubeObject | undefined, oldRSs: KubeObject[], podsOf: (rs: KubeObject) => KubeObject[]): boolean {
  for (const rs of oldRSs) {
    if (newRS && rs.metadata.uid === newRS.metadata.uid) continue;
    if (Number(rs.status?.replicas ?? 0) > 0) return true;
    if (podsOf(rs).some((p) => !isTerminalPod(p))) return true;
  }
  return false;
}
