// Node selector terms (component-helpers nodeaffinity): required terms are ORed, the requirements
// inside a term ANDed; matchFields supports metadata.name. Invalid requirements never match.

export interface NodeLike {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

type Matcher = (node: NodeLike) => boolean;

interface RequirementSpec {
  key?: string;
  operator?: string;
  values?: string[];
}

interface TermSpec {
  matchExpressions?: RequirementSpec[];
  matchFields?: RequirementSpec[];
}

const INT = /^[+-]?\d+$/;

function valueMatcher(op: string | undefined, values: readonly string[], get: (n: NodeLike) => string | undefined): Matcher | null {
  switch (op) {
    case 'In': {
      const set = new Set(values);
      return (n) => {
        const v = get(n);
        return v !== undefined && set.has(v);
      };
    }
    case 'NotIn': {
      const set = new Set(values);
      return (n) => {
        const v = get(n);
        return v === undefined || !set.has(v);
      };
    }
    case 'Exists':
      return (n) => get(n) !== undefined;
    case 'DoesNotExist':
      return (n) => get(n) === undefined;
    case 'Gt':
    case 'Lt': {
      if (values.length !== 1 || !INT.test(values[0])) return null;
      const want = Number(values[0]);
      const gt = op === 'Gt';
      return (n) => {
        const v = get(n);
        if (v === undefined || !INT.test(v)) return false;
        const x = Number(v);
        return gt ? x > want : x < want;
      };
    }
    default:
      return null;
  }
}

/** Compiles one NodeSelectorTerm; null when the term is empty or invalid (it matches nothing). */
export function compileNodeSelectorTerm(term: TermSpec | undefined): Matcher | null {
  const parts: Matcher[] = [];
  for (const e of term?.matchExpressions ?? []) {
    const key = e.key ?? '';
    const m = valueMatcher(e.operator, e.values ?? [], (n) => (Object.prototype.hasOwnProperty.call(n.labels, key) ? n.labels[key] : undefined));
    if (!m) return null;
    parts.push(m);
  }
  for (const f of term?.matchFields ?? []) {
    if (f.key !== 'metadata.name' || (f.operator !== 'In' && f.operator !== 'NotIn')) return null;
    const m = valueMatcher(f.operator, f.values ?? [], (n) => n.name);
    if (!m) return null;
    parts.push(m);
  }
  if (parts.length === 0) return null;
  if (parts.length === 1) return parts[0];
  return (n) => {
    for (const p of parts) if (!p(n)) return false;
    return true;
  };
}

/** A pod's required node placement: spec.nodeSelector AND required node affinity terms. */
export interface RequiredNodeAffinity {
  /** True when the pod has neither a nodeSelector nor required node affinity. */
  readonly empty: boolean;
  matches(node: NodeLike): boolean;
}

export const MATCH_ALL_NODES: RequiredNodeAffinity = { empty: true, matches: () => true };

export function compileRequiredNodeAffinity(spec: { nodeSelector?: Record<string, string>; affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: TermSpec[] } } } } | undefined): RequiredNodeAffinity {
  const sel = Object.entries(spec?.nodeSelector ?? {});
  const required = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (sel.length === 0 && !required) return MATCH_ALL_NODES;
  const terms = required ? (required.nodeSelectorTerms ?? []).map(compileNodeSelectorTerm).filter((t): t is Matcher => t !== null) : null;
  return {
    empty: false,
    matches(node: NodeLike): boolean {
      for (const [k, v] of sel) if (node.labels[k] !== v) return false;
      if (terms === null) return true;
      for (const t of terms) if (t(node)) return true;
      return false;
    },
  };
}

export interface PreferredTerm {
  readonly weight: number;
  readonly matches: Matcher;
}

export function compilePreferredTerms(list: unknown): PreferredTerm[] {
  if (!Array.isArray(list)) return [];
  const out: PreferredTerm[] = [];
  for (const t of list as { weight?: number; preference?: TermSpec }[]) {
    if (!t.weight) continue;
    const m = compileNodeSelectorTerm(t.preference);
    if (m) out.push({ weight: t.weight, matches: m });
  }
  return out;
}
