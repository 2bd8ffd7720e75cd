// Per-node counts of the pods a label selector matches in one namespace, kept up to date as
// pods attach to and leave nodes. PodTopologySpread counts, for every pod it places, the pods
// its constraints' selector matches on each node (countPodsMatchSelector); for the pods of one
// big ReplicaSet that is a walk over every pod of the set in every cycle. A counter is built by
// one such walk the first time a selector is asked for and then follows the snapshot, so the
// next pods of the same owner read the counts directly. Only the most recently used selectors
// are followed (each attach/detach checks them all).
import type { LabelSelector } from '../../api/labels.js';
import type { NodeInfo } from './nodeinfo.js';
import type { PodInfo } from './podinfo.js';

interface Counter {
  readonly namespace: string;
  readonly selector: LabelSelector;
  /** node -> matching pods attached to it (nodes with none are left out) */
  readonly byNode: Map<NodeInfo, number>;
}

/** countsFor's test of one pod: same namespace, not terminating, selector matches. */
function counted(c: Counter, pi: PodInfo): boolean {
  return pi.namespace === c.namespace && !pi.terminating && c.selector.matches(pi.labels);
}

export class MatchCounts {
  private readonly counters = new Map<string, Counter>();

  constructor(private readonly max = 32) {}

  /**
   * Matching pods per node for a non-empty selector (undefined for an empty or match-nothing
   * one: callers walk the pods themselves). `pods` yields a superset of the pods to count; it is
   * walked only when the counter is new.
   */
  get(namespace: string, selector: LabelSelector, pods: () => Iterable<PodInfo>): ReadonlyMap<NodeInfo, number> | undefined {
    if (selector.requirements.length === 0) return undefined;
    const key = namespace + '\0' + selector.toString();
    let c = this.counters.get(key);
    if (c) {
      this.counters.delete(key); // most recently used last
      this.counters.set(key, c);
      return c.byNode;
    }
    c = { namespace, selector, byNode: new Map() };
    for (const pi of pods()) {
      const ni = pi.attachedTo;
      if (ni && counted(c, pi)) c.byNode.set(ni, (c.byNode.get(ni) ?? 0) + 1);
    }
    this.counters.set(key, c);
    if (this.counters.size > this.max) this.counters.delete(this.counters.keys().next().value as string);
    return c.byNode;
  }

  /** A pod attached to (1) or detached from (-1) a node. */
  update(pi: PodInfo, ni: NodeInfo, sign: 1 | -1): void {
    for (const c of this.counters.values()) {
      if (!counted(c, pi)) continue;
      const n = (c.byNode.get(ni) ?? 0) + sign;
      if (n > 0) c.byNode.set(ni, n);
      else c.byNode.delete(ni);
    }
  }

  /** Drops every counter (they are rebuilt on demand). */
  clear(): void {
    this.counters.clear();
  }
}
