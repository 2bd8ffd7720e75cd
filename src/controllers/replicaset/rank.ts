// Which pods a ReplicaSet deletes first when scaling down (upstream ActivePodsWithRanks):
// unassigned < assigned; Pending < Unknown < Running; not ready < ready; pods doubled up on a
// node with more related pods first; ready for less time first; more restarts first;
// newer first.
import type { KubeObject } from '../../api/types.js';
import { isPodReady, podReadyCondition } from '../runtime/objects.js';

const PHASE_ORDER: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function restarts(p: KubeObject): number {
  let max = 0;
  for (const s of (p.status?.containerStatuses ?? []) as { restartCount?: number }[]) max = Math.max(max, s.restartCount ?? 0);
  return max;
}

function ts(s: unknown): number {
  const t = typeof s === 'string' ? Date.parse(s) : NaN;
  return Number.isNaN(t) ? 0 : t;
}

/** Negative when a should be deleted before b. */
function compare(a: KubeObject, b: KubeObject, rank: Map<KubeObject, number>): number {
  const an = a.spec?.nodeName ? 1 : 0;
  const bn = b.spec?.nodeName ? 1 : 0;
  if (an !== bn) return an - bn;
  const ap = PHASE_ORDER[a.status?.phase as string] ?? 0;
  const bp = PHASE_ORDER[b.status?.phase as string] ?? 0;
  if (ap !== bp) return ap - bp;
  const ar = isPodReady(a) ? 1 : 0;
  const br = isPodReady(b) ? 1 : 0;
  if (ar !== br) return ar - br;
  const ak = rank.get(a) ?? 0;
  const bk = rank.get(b) ?? 0;
  if (ak !== bk) return bk - ak;
  if (ar && br) {
    const at = ts(podReadyCondition(a)?.lastTransitionTime);
    const bt = ts(podReadyCondition(b)?.lastTransitionTime);
    if (at !== bt) return bt - at;
  }
  const ac = restarts(a);
  const bc = restarts(b);
  if (ac !== bc) return bc - ac;
  return ts(b.metadata.creationTimestamp) - ts(a.metadata.creationTimestamp);
}

/**
 * The n pods to delete among filtered; related pods (of the same owner, e.g. all the
 * ReplicaSets of a Deployment) count towards how crowded a node is.
 */
export function podsToDelete(filtered: KubeObject[], related: KubeObject[], n: number): KubeObject[] {
  const perNode = new Map<string, number>();
  for (const p of related) {
    const node = p.spec?.nodeName as string | undefined;
    if (node && !p.metadata.deletionTimestamp) perNode.set(node, (perNode.get(node) ?? 0) + 1);
  }
  const rank = new Map<KubeObject, number>();
  for (const p of filtered) rank.set(p, p.spec?.nodeName ? (perNode.get(p.spec.nodeName as string) ?? 0) : 0);
  return [...filtered].sort((a, b) => compare(a, b, rank)).slice(0, n);
}
