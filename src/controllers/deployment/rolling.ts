// RollingUpdate (upstream rolling.go): scale the new ReplicaSet up within maxSurge, scale old
// ones down within maxUnavailable (first their unhealthy replicas), one step per sync; the
// ReplicaSets' status changes bring the next sync.
import type { KubeObject } from '../../api/types.js';
import type { Result } from '../runtime/result.js';
import { deploymentComplete, calculateStatus } from './status.js';
import { newReplicaSetReplicas, type Rollout } from './sync.js';
import { activeReplicaSets, byCreation, maxUnavailable, replicasOf, sumSpecReplicas } from './util.js';

/** Available replicas, never more than the ReplicaSet is sized for (a status not yet caught up with a scale-down). */
const availableOf = (rs: KubeObject): number => Math.min(Number(rs.status?.availableReplicas ?? 0), replicasOf(rs));

export async function rolloutRolling(r: Rollout, now: number): Promise<Result> {
  const { newRS, oldRSs } = await r.getAllReplicaSetsAndSyncRevision(true);
  let allRSs = [...oldRSs, ...(newRS ? [newRS] : [])];
  if (newRS && (await reconcileNewReplicaSet(r, allRSs, newRS))) return r.syncRolloutStatus(allRSs, newRS);
  const { scaled, olds } = await reconcileOldReplicaSets(r, allRSs, activeReplicaSets(oldRSs), oldRSs, newRS);
  allRSs = [...olds, ...(newRS ? [newRS] : [])];
  if (scaled) return r.syncRolloutStatus(allRSs, newRS);
  if (deploymentComplete(r.d, calculateStatus(allRSs, newRS, r.d, now))) await r.cleanup(olds);
  return r.syncRolloutStatus(allRSs, newRS);
}

async function reconcileNewReplicaSet(r: Rollout, allRSs: KubeObject[], newRS: KubeObject): Promise<boolean> {
  const want = replicasOf(r.d);
  if (replicasOf(newRS) === want) return false;
  if (replicasOf(newRS) > want) return (await r.scaleReplicaSet(newRS, want)).scaled;
  return (await r.scaleReplicaSet(newRS, newReplicaSetReplicas(r.d, allRSs, newRS))).scaled;
}

/** Scale old ReplicaSets down as far as maxUnavailable allows. */
async function reconcileOldReplicaSets(
  r: Rollout,
  allRSs: KubeObject[],
  activeOld: KubeObject[],
  oldRSs: KubeObject[],
  newRS: KubeObject | undefined,
): Promise<{ scaled: boolean; olds: KubeObject[] }> {
  if (sumSpecReplicas(activeOld) === 0) return { scaled: false, olds: oldRSs };
  const minAvailable = replicasOf(r.d) - maxUnavailable(r.d);
  const newUnavailable = newRS ? replicasOf(newRS) - availableOf(newRS) : 0;
  const maxScaledDown = sumSpecReplicas(allRSs) - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return { scaled: false, olds: oldRSs };
  const replaced = new Map<string, KubeObject>();
  // first the unhealthy replicas of old ReplicaSets: they do not count as available anyway
  let cleaned = 0;
  for (const rs of [...activeOld].sort(byCreation)) {
    if (cleaned >= maxScaledDown) break;
    const unhealthy = replicasOf(rs) - availableOf(rs);
    if (replicasOf(rs) === 0 || unhealthy <= 0) continue;
    const down = Math.min(maxScaledDown - cleaned, unhealthy);
    const out = await r.scaleReplicaSet(rs, replicasOf(rs) - down);
    replaced.set(rs.metadata.uid!, out.rs);
    cleaned += down;
  }
  const current = (rs: KubeObject) => replaced.get(rs.metadata.uid!) ?? rs;
  const olds = oldRSs.map(current);
  const all = [...olds, ...(newRS ? [newRS] : [])];
  // then healthy ones, while the total available stays at or above minAvailable
  let scaledDown = 0;
  const available = all.reduce((n, rs) => n + availableOf(rs), 0);
  const budget = available - minAvailable;
  if (budget > 0) {
    for (const rs of activeReplicaSets(olds).sort(byCreation)) {
      if (scaledDown >= budget) break;
      if (replicasOf(rs) === 0) continue;
      const down = Math.min(replicasOf(rs), budget - scaledDown);
      const out = await r.scaleReplicaSet(rs, replicasOf(rs) - down);
      replaced.set(rs.metadata.uid!, out.rs);
      scaledDown += down;
    }
  }
  return { scaled: cleaned + scaledDown > 0, olds: oldRSs.map(current) };
}
