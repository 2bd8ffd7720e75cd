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
}

/** Existing pods' terms of one kind (e.g. required anti-affinity), grouped by signature and weight. */
export class TermIndex {
  readonly entries = new Map<string, TermEntry>();

  update(terms: readonly AffinityTerm[], nodeLabels: Readonly<Record<string, string>>, sign: 1 | -1): void {
    for (const t of terms) {
      const k = t.signature + '#' + t.weight;
      let e = this.entries.get(k);
      if (!e) {
        if (sign < 0) continue;
        this.entries.set(k, (e = { term: t, counts: new Map(), pods: 0 }));
      }
      e.pods += sign;
      const v = nodeLabels[t.topologyKey];
      if (v !== undefined) {
        const n = (e.counts.get(v) ?? 0) + sign;
        if (n > 0) e.counts.set(v, n);
        else e.counts.delete(v);
      }
      if (e.pods <= 0) this.entries.delete(k);
    }
  }
}
