// Indexes kept by the snapshot so that per-cycle work is proportional to the pods that matter,
// not to all pods: pods by label, and existing pods' affinity terms with per-domain counts.
import type { LabelSelector } from '../../api/labels.js';
import type { AffinityTerm, PodInfo } from './podinfo.js';

const EMPTY: readonly ReadonlySet<PodInfo>[] = Object.freeze([]);

/** Pods by label key=value and by label key. */
export class PodLabelIndex {
  readonly all = new Set<PodInfo>();
  private readonly byPair = new Map<string, Set<PodInfo>>();
  private readonly byKey = new Map<string, Set<PodInfo>>();

  add(pi: PodInfo): void {
    this.all.add(pi);
    for (const k in pi.labels) {
      addTo(this.byPair, k + '\0' + pi.labels[k], pi);
      addTo(this.byKey, k, pi);
    }
  }

  remove(pi: PodInfo): void {
    this.all.delete(pi);
    for (const k in pi.labels) {
      removeFrom(this.byPair, k + '\0' + pi.labels[k], pi);
      removeFrom(this.byKey, k, pi);
    }
  }

  /**
   * Sets of pods that together contain every pod the selector can match (possibly more):
   * callers still check the selector. Picks the most selective requirement.
   */
  candidates(sel: LabelSelector): readonly ReadonlySet<PodInfo>[] {
    const reqs = sel.requirements;
    if (reqs.length === 0) return sel.isEmpty() ? [this.all] : EMPTY;
    let best: ReadonlySet<PodInfo>[] | undefined;
    let bestSize = Infinity;
    for (const r of reqs) {
      let sets: ReadonlySet<PodInfo>[];
      let size = 0;
      if (r.operator === '=' || r.operator === '==' || r.operator === 'in') {
        sets = [];
        for (const v of r.values) {
          const s = this.byPair.get(r.key + '\0' + v);
          if (s) {
            sets.push(s);
            size += s.size;
          }
        }
        if (size === 0) return EMPTY;
      } else if (r.operator === 'exists' || r.operator === 'gt' || r.operator === 'lt') {
        const s = this.byKey.get(r.key);
        if (!s) return EMPTY;
        sets = [s];
        size = s.size;
      } else continue;
      if (size < bestSize) {
        best = sets;
        bestSize = size;
      }
    }
    return best ?? [this.all];
  }
}

function addTo(m: Map<string, Set<PodInfo>>, k: string, pi: PodInfo): void {
  let s = m.get(k);
  if (!s) m.set(k, (s = new Set()));
  s.add(pi);
}
function removeFrom(m: Map<string, Set<PodInfo>>, k: string, pi: PodInfo): void {
  const s = m.get(k);
  if (!s) return;
  s.delete(pi);
  if (s.size === 0) m.delete(k);
}

/** Equal terms of existing pods, with how many such pods sit in each topology domain. */
export interface TermEntry {
  readonly term: AffinityTerm;
  /** topology value (of term.topologyKey) -> number of pods with this term there. */
  readonly counts: Map<string, number>;
  pods: number;
  /** label pairs (key\0value) one of which a pod needs to match the term's selector; null: none known */
  readonly anchor: readonly string[] | null;
}

/**
 * Label pairs of one equality/in requirement of the selector (the one with fewest values):
 * a pod without one of them cannot match. null when the selector has no such requirement.
 */
function anchorOf(sel: LabelSelector): string[] | null {
  let best: string[] | null = null;
  for (const r of sel.requirements) {
    if (r.operator !== '=' && r.operator !== '==' && r.operator !== 'in') continue;
    if (best === null || r.values.length < best.length) best = r.values.map((v) => r.key + '\0' + v);
  }
  return best;
}

/**
 * Existing pods' terms of one kind (e.g. required anti-affinity), grouped by signature and
 * weight, and indexed by an anchor label pair of each term's selector, so that the terms that
 * may match an incoming pod are found from its labels rather than by scanning every term.
 */
export class TermIndex {
  readonly entries = new Map<string, TermEntry>();
  private readonly byPair = new Map<string, Set<TermEntry>>();
  private readonly unanchored = new Set<TermEntry>();

  update(terms: readonly AffinityTerm[], nodeLabels: Readonly<Record<string, string>>, sign: 1 | -1): void {
    for (const t of terms) {
      const k = t.signature + '#' + t.weight;
      let e = this.entries.get(k);
      if (!e) {
        if (sign < 0) continue;
        e = { term: t, counts: new Map(), pods: 0, anchor: anchorOf(t.selector) };
        this.entries.set(k, e);
        this.link(e, 1);
      }
      e.pods += sign;
      const v = nodeLabels[t.topologyKey];
      if (v !== undefined) {
        const n = (e.counts.get(v) ?? 0) + sign;
        if (n > 0) e.counts.set(v, n);
        else e.counts.delete(v);
      }
      if (e.pods <= 0) {
        this.entries.delete(k);
        this.link(e, -1);
      }
    }
  }

  /**
   * Calls fn with every entry whose selector may match a pod with these labels: a superset
   * of the matching entries (callers still check the term), each entry at most once.
   */
  forCandidates(labels: Readonly<Record<string, string>>, fn: (e: TermEntry) => void): void {
    for (const e of this.unanchored) fn(e);
    if (this.byPair.size === 0) return;
    for (const k in labels) {
      const set = this.byPair.get(k + '\0' + labels[k]);
      if (set) for (const e of set) fn(e);
    }
  }

  private link(e: TermEntry, sign: 1 | -1): void {
    if (e.anchor === null) {
      if (sign > 0) this.unanchored.add(e);
      else this.unanchored.delete(e);
      return;
    }
    for (const pair of e.anchor) {
      let set = this.byPair.get(pair);
      if (sign > 0) {
        if (!set) this.byPair.set(pair, (set = new Set()));
        set.add(e);
      } else if (set) {
        set.delete(e);
        if (set.size === 0) this.byPair.delete(pair);
      }
    }
  }
}
