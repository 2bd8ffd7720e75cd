// PodTopologySpread: hard constraints (DoNotSchedule) filter by skew = matching pods in the
// node's domain + self - global minimum <= maxSkew; soft ones (ScheduleAnyway, and the system
// defaults for pods of Services/ReplicaSets/StatefulSets/RCs) score. Matching pods are found
// through the snapshot's label index, domains through its cached topology domains.
import { Code, SKIP, SUCCESS, StateKey, newStatus, withPlugin, type FilterPlugin, type Handle, type PreFilterPlugin, type PreScorePlugin, type ScorePlugin, type StateData, type Status } from '../../framework/types.js';
import type { NodeInfo } from '../../framework/nodeinfo.js';
import type { PodInfo } from '../../framework/podinfo.js';
import { LABEL_HOSTNAME, hasAllKeys, type Snapshot } from '../../framework/snapshot.js';
import { MAX_NODE_SCORE } from '../helpers.js';
import {
  DO_NOT_SCHEDULE,
  SCHEDULE_ANYWAY,
  countsFor,
  defaultConstraints,
  matchesSelf,
  nodeIncluded,
  podConstraints,
  trivialPolicies,
  uniqueKeys,
  type Constraint,
} from './constraints.js';

export const NAME = 'PodTopologySpread';
export const ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
export const ERR_REASON_NODE_LABEL_NOT_MATCH = ERR_REASON_CONSTRAINTS_NOT_MATCH + ' (missing required label)';

const REJECT_SKEW = newStatus(Code.Unschedulable, ERR_REASON_CONSTRAINTS_NOT_MATCH);
const REJECT_LABEL = newStatus(Code.UnschedulableAndUnresolvable, ERR_REASON_NODE_LABEL_NOT_MATCH);
const REJECT_SKEW_BY = withPlugin(REJECT_SKEW, NAME);
const REJECT_LABEL_BY = withPlugin(REJECT_LABEL, NAME);

class PreFilterState implements StateData {
  private mins: number[];
  constructor(
    readonly constraints: readonly Constraint[],
    readonly keys: readonly string[],
    /** Per constraint: domain value -> matching pods there (only domains with pods). */
    readonly counts: Map<string, number>[],
    /** Per constraint: the eligible domains. */
    readonly domains: ReadonlyMap<string, number>[],
    readonly selfMatch: number[],
  ) {
    this.mins = constraints.map(() => -1);
  }
  clone(): PreFilterState {
    return new PreFilterState(this.constraints, this.keys, this.counts.map((m) => new Map(m)), this.domains, this.selfMatch);
  }
  /** Global minimum of matching pods over the constraint's domains (0 below minDomains). */
  minMatch(i: number): number {
    const domains = this.domains[i];
    if (domains.size < this.constraints[i].minDomains) return 0;
    if (this.mins[i] >= 0) return this.mins[i];
    const counts = this.counts[i];
    let min = Infinity;
    let nonEmpty = 0;
    for (const [v, n] of counts) {
      if (!domains.has(v)) continue;
      nonEmpty++;
      if (n < min) min = n;
    }
    const m = nonEmpty < domains.size || min === Infinity ? 0 : min;
    this.mins[i] = m;
    return m;
  }
  update(pod: PodInfo, other: PodInfo, ni: NodeInfo, sign: 1 | -1): void {
    if (!hasAllKeys(ni.labels, this.keys)) return;
    this.constraints.forEach((c, i) => {
      if (!nodeIncluded(c, pod, ni) || !countsFor(c, pod, other)) return;
      const v = ni.labels[c.topologyKey];
      const n = (this.counts[i].get(v) ?? 0) + sign;
      if (n > 0) this.counts[i].set(v, n);
      else this.counts[i].delete(v);
      this.mins[i] = -1;
    });
  }
}

class PreScoreState {
  constructor(
    readonly constraints: readonly Constraint[],
    readonly ignored: ReadonlySet<string>,
    /** Per constraint: domain value -> matching pods (hostname constraints: node name -> pods). */
    readonly counts: Map<string, number>[],
    readonly weights: number[],
  ) {}
}

const preFilterKey = new StateKey<PreFilterState>('PreFilter' + NAME);
const preScoreKey = new StateKey<PreScoreState>('PreScore' + NAME);

function filterOne(s: PreFilterState, ni: NodeInfo): Status {
  const cs = s.constraints;
  for (let i = 0; i < cs.length; i++) {
    const c = cs[i];
    const v = ni.labels[c.topologyKey];
    if (v === undefined) return REJECT_LABEL;
    const skew = (s.counts[i].get(v) ?? 0) + s.selfMatch[i] - s.minMatch(i);
    if (skew > c.maxSkew) return REJECT_SKEW;
  }
  return SUCCESS;
}

/**
 * Calls fn for each known node with the number (> 0) of pods there that match the constraint's
 * selector and count for it (countPodsMatchSelector), from the snapshot's followed counts.
 */
function forMatchingNodes(snapshot: Snapshot, c: Constraint, pod: PodInfo, fn: (ni: NodeInfo, n: number) => void): void {
  const counts = snapshot.matchingPodsByNode(pod.namespace, c.selector);
  if (counts) {
    for (const [ni, n] of counts) fn(ni, n);
    return;
  }
  for (const set of snapshot.podsByLabel.candidates(c.selector)) {
    for (const p of set) {
      if (!countsFor(c, pod, p)) continue;
      // on a known node and there (snapshot.get(p.nodeName)?.hasPod(p.key)), without the lookups
      const ni = p.attachedTo;
      if (ni) fn(ni, 1);
    }
  }
}

export function topologyNormalizingWeight(size: number): number {
  return Math.log(size + 2);
}

export type PodTopologySpreadPlugin = PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin;

export function newPodTopologySpread(handle: Handle): PodTopologySpreadPlugin {
  const lister = handle.lister;
  const constraintsOf = (pod: PodInfo, when: string): { cs: Constraint[]; systemDefaulted: boolean } => {
    const own = podConstraints(pod);
    if (own.length > 0) return { cs: own.filter((c) => c.whenUnsatisfiable === when), systemDefaulted: false };
    return { cs: defaultConstraints(pod, lister).filter((c) => c.whenUnsatisfiable === when), systemDefaulted: true };
  };
  return {
    name: NAME,
    preFilter(state, pod, snapshot): Status {
      const { cs } = constraintsOf(pod, DO_NOT_SCHEDULE);
      if (cs.length === 0) return SKIP;
      const keys = uniqueKeys(cs);
      let domains: ReadonlyMap<string, number>[];
      if (trivialPolicies(cs, pod)) {
        const td = snapshot.topologyDomains(keys);
        domains = cs.map((c) => td.domains.get(c.topologyKey) ?? new Map());
      } else {
        const ds = cs.map(() => new Map<string, number>());
        for (const ni of snapshot.nodes) {
          if (!hasAllKeys(ni.labels, keys)) continue;
          cs.forEach((c, i) => {
            if (!nodeIncluded(c, pod, ni)) return;
            const v = ni.labels[c.topologyKey];
            ds[i].set(v, (ds[i].get(v) ?? 0) + 1);
          });
        }
        domains = ds;
      }
      const counts = cs.map((c, i) => {
        const m = new Map<string, number>();
        const trivial = trivialPolicies([c], pod);
        forMatchingNodes(snapshot, c, pod, (ni, n) => {
          if (!hasAllKeys(ni.labels, keys) || (!trivial && !nodeIncluded(c, pod, ni))) return;
          const v = ni.labels[c.topologyKey];
          if (domains[i].has(v)) m.set(v, (m.get(v) ?? 0) + n);
        });
        return m;
      });
      const selfMatch = cs.map((c) => (matchesSelf(c, pod) ? 1 : 0));
      state.write(preFilterKey, new PreFilterState(cs, keys, counts, domains, selfMatch));
      return SUCCESS;
    },
    addPod(state, pod, podToAdd, ni): void {
      state.read(preFilterKey)?.update(pod, podToAdd, ni, 1);
    },
    removePod(state, pod, podToRemove, ni): void {
      state.read(preFilterKey)?.update(pod, podToRemove, ni, -1);
    },
    filter(state, _pod, ni): Status {
      const s = state.read(preFilterKey);
      return s ? filterOne(s, ni) : SUCCESS;
    },
    filterNodes(state, _pod, nodes, len, statuses): number {
      const s = state.read(preFilterKey);
      if (!s) return 0;
      let n = 0;
      for (let i = 0; i < len; i++) {
        if (statuses[i] !== undefined) continue;
        const st = filterOne(s, nodes[i]);
        if (st.code !== Code.Success) {
          statuses[i] = st === REJECT_LABEL ? REJECT_LABEL_BY : REJECT_SKEW_BY;
          n++;
        }
      }
      return n;
    },
    preScore(state, pod, nodes, snapshot): Status {
      const { cs, systemDefaulted } = constraintsOf(pod, SCHEDULE_ANYWAY);
      if (cs.length === 0 || nodes.length === 0) return SKIP;
      const requireAll = !systemDefaulted;
      const keys = uniqueKeys(cs);
      const ignored = new Set<string>();
      const pairs = cs.map(() => new Set<string>());
      for (const ni of nodes) {
        if (requireAll && !hasAllKeys(ni.labels, keys)) {
          ignored.add(ni.name);
          continue;
        }
        cs.forEach((c, i) => {
          if (c.topologyKey === LABEL_HOSTNAME) return;
          const v = ni.labels[c.topologyKey];
          if (v !== undefined) pairs[i].add(v);
        });
      }
      const weights = cs.map((c, i) =>
        topologyNormalizingWeight(c.topologyKey === LABEL_HOSTNAME ? nodes.length - ignored.size : pairs[i].size),
      );
      const counts = cs.map((c, i) => {
        const m = new Map<string, number>();
        const hostname = c.topologyKey === LABEL_HOSTNAME;
        // no node has the key: nothing to count (the constraint scores every node alike)
        if (!hostname && pairs[i].size === 0) return m;
        forMatchingNodes(snapshot, c, pod, (ni, n) => {
          if (hostname) {
            m.set(ni.name, (m.get(ni.name) ?? 0) + n);
            return;
          }
          if (requireAll && !hasAllKeys(ni.labels, keys)) return;
          if (!nodeIncluded(c, pod, ni)) return;
          const v = ni.labels[c.topologyKey];
          if (v !== undefined && pairs[i].has(v)) m.set(v, (m.get(v) ?? 0) + n);
        });
        return m;
      });
      state.write(preScoreKey, new PreScoreState(cs, ignored, counts, weights));
      return SUCCESS;
    },
    score(state, _pod, ni): number {
      const s = state.read(preScoreKey);
      if (!s || s.ignored.has(ni.name)) return 0;
      let score = 0;
      const cs = s.constraints;
      for (let i = 0; i < cs.length; i++) {
        const c = cs[i];
        const v = ni.labels[c.topologyKey];
        if (v === undefined) continue;
        const cnt = c.topologyKey === LABEL_HOSTNAME ? (s.counts[i].get(ni.name) ?? 0) : (s.counts[i].get(v) ?? 0);
        score += cnt * s.weights[i] + (c.maxSkew - 1);
      }
      return Math.round(score);
    },
    normalize(state, _pod, scores): void {
      const s = state.read(preScoreKey);
      if (!s) return;
      const v = scores.values;
      let min = Infinity;
      let max = 0;
      for (let i = 0; i < scores.length; i++) {
        if (s.ignored.has(scores.nodes[i].name)) continue;
        if (v[i] < min) min = v[i];
        if (v[i] > max) max = v[i];
      }
      for (let i = 0; i < scores.length; i++) {
        if (s.ignored.has(scores.nodes[i].name)) v[i] = 0;
        else if (max === 0) v[i] = MAX_NODE_SCORE;
        else v[i] = Math.trunc((MAX_NODE_SCORE * (max + min - v[i])) / max);
      }
    },
  };
}
