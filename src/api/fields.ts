// Field selectors (apimachinery fields.ParseSelector) and the selectable fields of each kind.
import { ApiError } from './errors.js';
import type { KubeObject } from './types.js';

export interface FieldTerm {
  readonly field: string;
  readonly op: '=' | '!=';
  readonly value: string;
}

export interface FieldSelector {
  readonly terms: readonly FieldTerm[];
  matches(fields: Record<string, string>): boolean;
  isEmpty(): boolean;
  toString(): string;
  /** The value required by an `f=v` term, if any (useful for index lookups such as metadata.name). */
  requiresExactMatch(field: string): string | undefined;
}

function splitTerms(s: string): string[] {
  if (s === '') return [];
  const out: string[] = [];
  let start = 0;
  let escaped = false;
  for (let i = 0; i < s.length; i++) {
    if (escaped) escaped = false;
    else if (s[i] === '\\') escaped = true;
    else if (s[i] === ',') {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out;
}

const TERM_OPS = ['!=', '==', '='] as const;

function splitTerm(term: string): { lhs: string; op: string; rhs: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of TERM_OPS) {
      if (term.startsWith(op, i)) return { lhs: term.slice(0, i), op, rhs: term.slice(i + op.length) };
    }
  }
  return undefined;
}

/** Reverses escapeFieldValue; errors as upstream. */
export function unescapeFieldValue(s: string): string {
  if (!s.includes('\\') && !s.includes(',') && !s.includes('=')) return s;
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c === '\\' || c === ',' || c === '=') out += c;
      else throw new Error(`invalid field selector: invalid escape sequence: \\${c}`);
      inSlash = false;
      continue;
    }
    if (c === '\\') inSlash = true;
    else if (c === ',' || c === '=') throw new Error(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    else out += c;
  }
  if (inSlash) throw new Error('invalid field selector: invalid escape sequence: \\');
  return out;
}

export function escapeFieldValue(s: string): string {
  return s.replace(/[\\,=]/g, (c) => '\\' + c);
}

function makeSelector(terms: FieldTerm[]): FieldSelector {
  return {
    terms,
    matches: (fields) => terms.every((t) => ((fields[t.field] ?? '') === t.value) === (t.op === '=')),
    isEmpty: () => terms.length === 0,
    toString: () => terms.map((t) => `${t.field}${t.op}${escapeFieldValue(t.value)}`).join(','),
    requiresExactMatch: (f) => terms.find((t) => t.field === f && t.op === '=')?.value,
  };
}

/** Parses `?fieldSelector=`; throws ApiError 400 on syntax errors. Terms are sorted, as upstream. */
export function parseFieldSelector(s: string): FieldSelector {
  const parts = splitTerms(s).sort();
  const terms: FieldTerm[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const t = splitTerm(part);
    if (!t) throw ApiError.badRequest(`invalid selector: '${s}'; can't understand '${part}'`);
    let value: string;
    try {
      value = unescapeFieldValue(t.rhs);
    } catch (e) {
      throw ApiError.badRequest((e as Error).message);
    }
    terms.push({ field: t.lhs, op: t.op === '!=' ? '!=' : '=', value });
  }
  return makeSelector(terms);
}

// ---- selectable fields per kind ---------------------------------------------------------

type Getter = (o: KubeObject) => unknown;
const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));
const spec = (o: KubeObject): Record<string, unknown> => (o.spec ?? {}) as Record<string, unknown>;
const status = (o: KubeObject): Record<string, unknown> => (o.status ?? {}) as Record<string, unknown>;
const sub = (o: KubeObject, k: string): Record<string, unknown> => ((o as Record<string, unknown>)[k] ?? {}) as Record<string, unknown>;

const KIND_FIELDS: Record<string, Record<string, Getter>> = {
  Pod: {
    'spec.nodeName': (o) => spec(o).nodeName,
    'spec.restartPolicy': (o) => spec(o).restartPolicy,
    'spec.schedulerName': (o) => spec(o).schedulerName,
    'spec.serviceAccountName': (o) => spec(o).serviceAccountName,
    'spec.hostNetwork': (o) => (spec(o).hostNetwork === true ? 'true' : 'false'),
    'status.phase': (o) => status(o).phase,
    'status.podIP': (o) => {
      const ips = status(o).podIPs as { ip?: string }[] | undefined;
      return ips && ips.length > 0 ? ips[0].ip : status(o).podIP;
    },
    // Accepted by the field-label conversion, but absent from the selectable set upstream.
    'status.podIPs': () => '',
    'status.nominatedNodeName': (o) => status(o).nominatedNodeName,
  },
  Event: {
    'involvedObject.kind': (o) => sub(o, 'involvedObject').kind,
    'involvedObject.namespace': (o) => sub(o, 'involvedObject').namespace,
    'involvedObject.name': (o) => sub(o, 'involvedObject').name,
    'involvedObject.uid': (o) => sub(o, 'involvedObject').uid,
    'involvedObject.apiVersion': (o) => sub(o, 'involvedObject').apiVersion,
    'involvedObject.resourceVersion': (o) => sub(o, 'involvedObject').resourceVersion,
    'involvedObject.fieldPath': (o) => sub(o, 'involvedObject').fieldPath,
    reason: (o) => o.reason,
    reportingComponent: (o) => o.reportingComponent,
    source: (o) => sub(o, 'source').component || o.reportingComponent,
    type: (o) => o.type,
  },
  Node: { 'spec.unschedulable': (o) => (spec(o).unschedulable === true ? 'true' : 'false') },
  Secret: { type: (o) => o.type },
  Namespace: { 'status.phase': (o) => status(o).phase },
  Service: { 'spec.clusterIP': (o) => spec(o).clusterIP, 'spec.type': (o) => spec(o).type },
  ReplicaSet: { 'status.replicas': (o) => status(o).replicas ?? 0 },
  ReplicationController: { 'status.replicas': (o) => status(o).replicas ?? 0 },
  Job: { 'status.successful': (o) => status(o).succeeded ?? 0 },
};

/** The field set a field selector is matched against, for the given kind. */
export function objectFields(kind: string, obj: KubeObject): Record<string, string> {
  const out: Record<string, string> = {
    'metadata.name': str(obj.metadata?.name),
    'metadata.namespace': str(obj.metadata?.namespace),
  };
  for (const [f, get] of Object.entries(KIND_FIELDS[kind] ?? {})) out[f] = str(get(obj));
  return out;
}

/** Field labels accepted for a kind. */
export function supportedFieldLabels(kind: string): string[] {
  return ['metadata.name', 'metadata.namespace', ...Object.keys(KIND_FIELDS[kind] ?? {})];
}

/** Throws ApiError 400 `field label not supported: X` for a field the kind does not expose. */
export function validateFieldSelector(kind: string, sel: FieldSelector): void {
  const ok = new Set(supportedFieldLabels(kind));
  for (const t of sel.terms) {
    if (!ok.has(t.field)) throw ApiError.badRequest(`field label not supported: ${t.field}`);
  }
}
