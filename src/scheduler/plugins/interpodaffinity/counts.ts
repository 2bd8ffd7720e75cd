// Topology counts: topology key -> value -> count, with the helpers InterPodAffinity uses.
import { makeTerm, termMatches, type AffinityTerm, type PodInfo } from '../../framework/podinfo.js';
import type { ClusterLister } from '../../framework/types.js';

export type TopoCounts = Map<string, Map<string, number>>;

export function addCount(m: TopoCounts, key: string, value: string, n: number): void {
  let inner = m.get(key);
  if (!inner) m.set(key, (inner = new Map()));
  const v = (inner.get(value) ?? 0) + n;
  if (v === 0) {
    inner.delete(value);
    if (inner.size === 0) m.delete(key);
  } else inner.set(value, v);
}

export function cloneCounts(m: TopoCounts): TopoCounts {
  const c: TopoCounts = new Map();
  for (const [k, inner] of m) c.set(k, new Map(inner));
  return c;
}

export function countAt(m: TopoCounts, labels: Readonly<Record<string, string>>, key: string): number {
  const v = labels[key];
  if (v === undefined) return 0;
  return m.get(key)?.get(v) ?? 0;
}

/** True when some (key, value) of the node's labels has a positive count. */
export function anyPositive(m: TopoCounts, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, inner] of m) {
    const v = labels[k];
    if (v !== undefined && (inner.get(v) ?? 0) > 0) return true;
  }
  return false;
}

export function matchesAllTerms(terms: readonly AffinityTerm[], pod: PodInfo): boolean {
  if (terms.length === 0) return false;
  for (const t of terms) if (!termMatches(t, pod, undefined)) return false;
  return true;
}

/**
 * The incoming pod's terms with their namespaceSelector resolved into namespaces through the
 * lister (mergeAffinityTermNamespacesIfNotEmpty), so they are matched without namespace labels.
 */
export function resolveNamespaces(terms: readonly AffinityTerm[], lister: ClusterLister): readonly AffinityTerm[] {
  if (!terms.some((t) => t.nsSelector !== null)) return terms;
  return terms.map((t) => {
    if (t.nsSelector === null) return t;
    const ns = new Set(t.namespaces);
    for (const n of lister.namespaces()) if (t.nsSelector.matches(n.labels)) ns.add(n.name);
    return makeTerm(t.topologyKey, ns, t.allNamespaces, null, t.selector, t.weight);
  });
}
