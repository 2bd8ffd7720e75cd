// RollingUpdate (upstream daemon/update.go rollingUpdate). Without surge: delete old pods
// while fewer than maxUnavailable nodes lack an available pod, and let manage create the
// replacements. With surge: create a new pod next to an old one on up to maxSurge nodes and
// delete the old pod once the new one is available.
import type { KubeObject } from '../../api/types.js';
import { isPodAvailable } from '../runtime/objects.js';
import type { Placement } from './placement.js';
import { isPodUpdated, rollingBudgets, templateGeneration } from './util.js';

export interface RollingPlan {
  delete: KubeObject[];
  create: string[];
}

/** The one new and one old live pod of a node; ok=false when there are more (manage trims them first). */
function updatedPodsOnNode(pods: KubeObject[], hash: string, gen: string | undefined): { newPod?: KubeObject; oldPod?: KubeObject; ok: boolean } {
  let newPod: KubeObject | undefined;
  let oldPod: KubeObject | undefined;
  for (const p of pods) {
    if (p.metadata.deletionTimestamp) continue;
    if (isPodUpdated(p, hash, gen)) {
      if (newPod) return { ok: false };
      newPod = p;
    } else {
      if (oldPod) return { ok: false };
      oldPod = p;
    }
  }
  return { newPod, oldPod, ok: true };
}

/**
 * What the rollout does next. byNode holds the DaemonSet's pods per node; placement says which
 * nodes should run one.
 */
export function planRollingUpdate(ds: KubeObject, nodes: KubeObject[], byNode: Map<string, KubeObject[]>, placement: (node: KubeObject) => Placement, hash: string, now: number): RollingPlan {
  const gen = templateGeneration(ds);
  const minReady = Number(ds.spec?.minReadySeconds ?? 0);
  const available = (p: KubeObject) => isPodAvailable(p, minReady, now);
  const all = new Map(byNode);
  const nodeByName = new Map(nodes.map((n) => [n.metadata.name!, n]));
  let desired = 0;
  for (const n of nodes) {
    if (!placement(n).shouldRun) continue;
    desired++;
    if (!all.has(n.metadata.name!)) all.set(n.metadata.name!, []);
  }
  const [maxSurge, maxUnavailable] = rollingBudgets(ds, desired);
  const plan: RollingPlan = { delete: [], create: [] };

  if (maxSurge === 0) {
    let unavailable = 0;
    const replace: KubeObject[] = [];
    const candidates: KubeObject[] = [];
    for (const pods of all.values()) {
      const { newPod, oldPod, ok } = updatedPodsOnNode(pods, hash, gen);
      if (!ok || (!oldPod && !newPod) || (oldPod && newPod)) unavailable++;
      else if (newPod) {
        if (!available(newPod)) unavailable++;
      } else if (oldPod && !available(oldPod)) {
        // an old pod that is down anyway can be replaced at once
        replace.push(oldPod);
        unavailable++;
      } else if (oldPod && unavailable < maxUnavailable) candidates.push(oldPod);
    }
    const room = Math.max(0, Math.min(maxUnavailable - unavailable, candidates.length));
    plan.delete.push(...replace, ...candidates.slice(0, room));
    return plan;
  }

  let surged = 0;
  let numAvailable = 0;
  const allowedNew: string[] = [];
  const candidateNew: string[] = [];
  const shouldNotRun: KubeObject[] = [];
  for (const [name, pods] of all) {
    const { newPod, oldPod, ok } = updatedPodsOnNode(pods, hash, gen);
    if (!ok) {
      surged++;
      continue;
    }
    if (oldPod ? available(oldPod) : newPod && available(newPod)) numAvailable++;
    if (!oldPod) continue;
    const node = nodeByName.get(name);
    if (!newPod) {
      const shouldRun = node ? placement(node).shouldRun : false;
      if (!available(oldPod)) {
        if (!shouldRun) plan.delete.push(oldPod);
        else allowedNew.push(name);
      } else if (!shouldRun) shouldNotRun.push(oldPod);
      else if (surged < maxSurge) candidateNew.push(name);
      continue;
    }
    if (!available(newPod)) {
      surged++;
      continue;
    }
    plan.delete.push(oldPod);
  }
  // a node that no longer fits keeps its pod until enough pods elsewhere are available
  const deletable = Math.min(numAvailable - desired, shouldNotRun.length);
  if (deletable > 0) plan.delete.push(...shouldNotRun.slice(0, deletable));
  const room = Math.max(0, Math.min(maxSurge - surged, candidateNew.length));
  plan.create.push(...allowedNew, ...candidateNew.slice(0, room));
  return plan;
}
