// InterPodAffinity: required pod affinity/anti-affinity of the incoming pod, existing pods'
// required anti-affinity against it, and preferred terms (both ways) for scoring. Counts per
// topology domain come from the snapshot's label and term indexes, not from scanning all pods.
import { Code, SKIP, SUCCESS, StateKey, newStatus, withPlugin, type Handle, type FilterPlugin, type PreFilterPlugin, type PreScorePlugin, type ScorePlugin, type StateData, type Status } from '../../framework/types.js';
import type { NodeInfo } from '../../framework/nodeinfo.js';
import { termMatches, type AffinityTerm, type PodInfo } from '../../framework/podinfo.js';
import type { Snapshot } from '../../framework/snapshot.js';
import type { TermIndex } from '../../framework/podindex.js';
import { MAX_NODE_SCORE } from '../helpers.js';
import { addCount, anyPositive, cloneCounts, countAt, matchesAllTerms, resolveNamespaces, type TopoCounts } from './counts.js';

export const NAME = 'InterPodAffinity';
export const ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH = "node(s) didn't satisfy existing pods anti-affinity rules";
export const ERR_REASON_AFFINITY_RULES_NOT_MATCH = "node(s) didn't match pod affinity rules";
export const ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH = "node(s) didn't match pod anti-affinity rules";
/** Weight of existing pods' required affinity terms in scoring (HardPodAffinityWeight). */
export const DEFAULT_HARD_POD_AFFINITY_WEIGHT = 1;

const REJECT_AFFINITY = newStatus(Code.UnschedulableAndUnresolvable, ERR_REASON_AFFINITY_RULES_NOT_MATCH);
const REJECT_ANTI = newStatus(Code.Unschedulable, ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH);
const REJECT_EXISTING = newStatus(Code.Unschedulable, ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH);

class PreFilterState implements StateData {
  constructor(
    readonly affinityTerms: readonly AffinityTerm[],
    readonly antiAffinityTerms: readonly AffinityTerm[],
    readonly nsLabels: Readonly<Record<string, string>>,
    public existingAntiAffinityCounts: TopoCounts,
    public affinityCounts: TopoCounts,
    public antiAffinityCounts: TopoCounts,
  ) {}
  clone(): PreFilterState {
    return new PreFilterState(
      this.affinityTerms,
      this.antiAffinityTerms,
      this.nsLabels,
      cloneCounts(this.existingAntiAffinityCounts),
      cloneCounts(this.affinityCounts),
      cloneCounts(this.antiAffinityCounts),
    );
  }
  /** Counts an existing pod on a node in (sign 1) or out (sign -1). */
  update(incoming: PodInfo, other: PodInfo, labels: Readonly<Record<string, string>>, sign: 1 | -1): void {
    for (const t of other.requiredAntiAffinityTerms) {
      const v = labels[t.topologyKey];
      if (v !== undefined && termMatches(t, incoming, this.nsLabels)) addCount(this.existingAntiAffinityCounts, t.topologyKey, v, sign);
    }
    if (matchesAllTerms(this.affinityTerms, other)) {
      for (const t of this.affinityTerms) {
        const v = labels[t.topologyKey];
        if (v !== undefined) addCount(this.affinityCounts, t.topologyKey, v, sign);
      }
    }
    for (const t of this.antiAffinityTerms) {
      const v = labels[t.topologyKey];
      if (v !== undefined && termMatches(t, other, undefined)) addCount(this.antiAffinityCounts, t.topologyKey, v, sign);
    }
  }
}

class PreScoreState {
  constructor(readonly topologyScore: TopoCounts) {}
}

const preFilterKey = new StateKey<PreFilterState>('PreFilter' + NAME);
const preScoreKey = new StateKey<PreScoreState>('PreScore' + NAME);

/** Calls fn for every pod in the snapshot (on a known node) that the term's selector may match. */
function forCandidates(snapshot: Snapshot, t: AffinityTerm, fn: (p: PodInfo, ni: NodeInfo) => void): void {
  for (const set of snapshot.podsByLabel.candidates(t.selector)) {
    for (const p of set) {
      // on a known node and there (snapshot.get(p.nodeName)?.hasPod(p.key)), without the lookups
      const ni = p.attachedTo;
      if (ni) fn(p, ni);
    }
  }
}

function filterOne(s: PreFilterState, pod: PodInfo, labels: Readonly<Record<string, string>>): Status {
  if (s.affinityTerms.length > 0) {
    let podsExist = true;
    for (const t of s.affinityTerms) {
      if (labels[t.topologyKey] === undefined) return REJECT_AFFINITY;
      if (countAt(s.affinityCounts, labels, t.topologyKey) <= 0) podsExist = false;
    }
    // The first pod of a group with affinity to itself may go anywhere with the topology keys.
    if (!podsExist && !(s.affinityCounts.size === 0 && matchesAllTerms(s.affinityTerms, pod))) return REJECT_AFFINITY;
  }
  for (const t of s.antiAffinityTerms) {
    if (countAt(s.antiAffinityCounts, labels, t.topologyKey) > 0) return REJECT_ANTI;
  }
  if (s.existingAntiAffinityCounts.size > 0 && anyPositive(s.existingAntiAffinityCounts, labels)) return REJECT_EXISTING;
  return SUCCESS;
}

export type InterPodAffinityPlugin = PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin;

export function newInterPodAffinity(handle: Handle, hardPodAffinityWeight = DEFAULT_HARD_POD_AFFINITY_WEIGHT): InterPodAffinityPlugin {
  const lister = handle.lister;
  return {
    name: NAME,
    preFilter(state, pod, snapshot): Status {
      const nsLabels = lister.namespaceLabels(pod.namespace) ?? {};
      const existing: TopoCounts = new Map();
      snapshot.requiredAntiAffinity.forCandidates(pod.labels, (e) => {
        if (e.counts.size === 0 || !termMatches(e.term, pod, nsLabels)) return;
        for (const [v, n] of e.counts) addCount(existing, e.term.topologyKey, v, n);
      });
      const affinityTerms = resolveNamespaces(pod.requiredAffinityTerms, lister);
      const antiTerms = resolveNamespaces(pod.requiredAntiAffinityTerms, lister);
      if (existing.size === 0 && affinityTerms.length === 0 && antiTerms.length === 0) return SKIP;
      const affinity: TopoCounts = new Map();
      if (affinityTerms.length > 0) {
        forCandidates(snapshot, affinityTerms[0], (p, ni) => {
          if (!matchesAllTerms(affinityTerms, p)) return;
          for (const t of affinityTerms) {
            const v = ni.labels[t.topologyKey];
            if (v !== undefined) addCount(affinity, t.topologyKey, v, 1);
          }
        });
      }
      const anti: TopoCounts = new Map();
      for (const t of antiTerms) {
        forCandidates(snapshot, t, (p, ni) => {
          const v = ni.labels[t.topologyKey];
          if (v !== undefined && termMatches(t, p, undefined)) addCount(anti, t.topologyKey, v, 1);
        });
      }
      state.write(preFilterKey, new PreFilterState(affinityTerms, antiTerms, nsLabels, existing, affinity, anti));
      return SUCCESS;
    },
    addPod(state, pod, podToAdd, ni): void {
      state.read(preFilterKey)?.update(pod, podToAdd, ni.labels, 1);
    },
    removePod(state, pod, podToRemove, ni): void {
      state.read(preFilterKey)?.update(pod, podToRemove, ni.labels, -1);
    },
    filter(state, pod, ni): Status {
      const s = state.read(preFilterKey);
      return s ? filterOne(s, pod, ni.labels) : SUCCESS;
    },
    filterNodes(state, pod, nodes, len, statuses): number {
      const s = state.read(preFilterKey);
      if (!s) return 0;
      let n = 0;
      for (let i = 0; i < len; i++) {
        if (statuses[i] !== undefined) continue;
        const st = filterOne(s, pod, nodes[i].labels);
        if (st.code !== Code.Success) {
          statuses[i] = withPlugin(st, NAME);
          n++;
        }
      }
      return n;
    },
    preScore(state, pod, _nodes, snapshot): Status {
      const nsLabels = lister.namespaceLabels(pod.namespace) ?? {};
      const topo: TopoCounts = new Map();
      const own = (terms: readonly AffinityTerm[], sign: 1 | -1): void => {
        for (const t of resolveNamespaces(terms, lister)) {
          forCandidates(snapshot, t, (p, ni) => {
            const v = ni.labels[t.topologyKey];
            if (v !== undefined && termMatches(t, p, undefined)) addCount(topo, t.topologyKey, v, sign * t.weight);
          });
        }
      };
      own(pod.preferredAffinityTerms, 1);
      own(pod.preferredAntiAffinityTerms, -1);
      const existing = (index: TermIndex, weight: (t: AffinityTerm) => number): void => {
        index.forCandidates(pod.labels, (e) => {
          if (e.counts.size === 0 || !termMatches(e.term, pod, nsLabels)) return;
          const w = weight(e.term);
          for (const [v, n] of e.counts) addCount(topo, e.term.topologyKey, v, w * n);
        });
      };
      if (hardPodAffinityWeight > 0) existing(snapshot.requiredAffinity, () => hardPodAffinityWeight);
      existing(snapshot.preferredAffinity, (t) => t.weight);
      existing(snapshot.preferredAntiAffinity, (t) => -t.weight);
      let any = false;
      for (const inner of topo.values()) if (inner.size > 0) any = true;
      if (!any) return SKIP;
      state.write(preScoreKey, new PreScoreState(topo));
      return SUCCESS;
    },
    score(state, _pod, ni): number {
      const s = state.read(preScoreKey);
      if (!s) return 0;
      let score = 0;
      for (const [k, inner] of s.topologyScore) {
        const v = ni.labels[k];
        if (v !== undefined) score += inner.get(v) ?? 0;
      }
      return score;
    },
    normalize(state, _pod, scores): void {
      if (!state.read(preScoreKey)) return;
      const v = scores.values;
      let min = Infinity;
      let max = -Infinity;
      for (let i = 0; i < scores.length; i++) {
        if (v[i] < min) min = v[i];
        if (v[i] > max) max = v[i];
      }
      const diff = max - min;
      for (let i = 0; i < scores.length; i++) v[i] = diff > 0 ? Math.trunc(MAX_NODE_SCORE * ((v[i] - min) / diff)) : 0;
    },
  };
}
