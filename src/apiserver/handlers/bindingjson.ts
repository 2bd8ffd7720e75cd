// The stored form of a pod bound by pods/binding, computed from the stored form of the pod
// without parsing and re-serialising all of it. A binding changes two places of the pod:
// spec.nodeName (added at the end of spec) and status.conditions (PodScheduled replaced, or
// added); everything else is copied as text. The stored JSON is JSON.stringify output (no
// whitespace, canonical strings and numbers), so JSON.stringify of the bound object (what
// boundPod below gives) equals splicing the two changed members into the text; the test
// checks that on many shapes of pods.
import type { KubeObject } from '../../api/types.js';

/** The bound pod as an object: what the binding writes (pod is read-only; the result shares its unchanged parts). */
export function boundPod(pod: KubeObject, target: string, now: string): KubeObject {
  const conds: any[] = (pod.status?.conditions ?? []).filter((c: any) => c.type !== 'PodScheduled');
  conds.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now });
  const { resourceVersion: _rv, ...metadata } = pod.metadata;
  return { ...pod, metadata, spec: { ...pod.spec, nodeName: target }, status: { ...(pod.status ?? {}), conditions: conds } };
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Index just past the string starting at s[i] (a quote). */
function skipString(s: string, i: number): number {
  let j = i + 1;
  for (;;) {
    j = s.indexOf('"', j);
    if (j < 0) throw new SyntaxError('unterminated string');
    let k = j - 1;
    while (s.charCodeAt(k) === BACKSLASH) k--;
    if ((j - 1 - k) % 2 === 0) return j + 1; // an even run of backslashes: the quote ends the string
    j++;
  }
}

/** Index just past the value starting at s[i]. */
export function skipValue(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === QUOTE) return skipString(s, i);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    for (let j = i; j < s.length; j++) {
      const d = s.charCodeAt(j);
      if (d === QUOTE) j = skipString(s, j) - 1;
      else if (d === 0x7b || d === 0x5b) depth++;
      else if ((d === 0x7d || d === 0x5d) && --depth === 0) return j + 1;
    }
    throw new SyntaxError('unterminated object or array');
  }
  let j = i;
  for (; j < s.length; j++) {
    const d = s.charCodeAt(j);
    if (d === 0x2c || d === 0x7d || d === 0x5d) break;
  }
  return j;
}

export interface Member {
  /** the key's JSON text without its quotes */
  key: string;
  start: number;
  end: number;
}

/** The members of the object that starts at s[i] ("{"); undefined when s[i] is not one. */
export function members(s: string, i: number): Member[] | undefined {
  if (s.charCodeAt(i) !== 0x7b) return undefined;
  const out: Member[] = [];
  let j = i + 1;
  if (s.charCodeAt(j) === 0x7d) return out;
  for (;;) {
    if (s.charCodeAt(j) !== QUOTE) throw new SyntaxError('expected a key');
    const keyEnd = skipString(s, j);
    if (s.charCodeAt(keyEnd) !== 0x3a) throw new SyntaxError('expected ":"');
    const start = keyEnd + 1;
    const end = skipValue(s, start);
    out.push({ key: s.slice(j + 1, keyEnd - 1), start, end });
    const d = s.charCodeAt(end);
    if (d === 0x7d) return out;
    if (d !== 0x2c) throw new SyntaxError('expected "," or "}"');
    j = end + 1;
  }
}

export const find = (ms: Member[], key: string): Member | undefined => {
  for (const m of ms) if (m.key === key) return m;
  return undefined;
};

/**
 * storedJson(boundPod(JSON.parse(stored), target, now)) for a pod that binding accepts
 * (neither being deleted nor bound), or undefined when the pod is not plainly such a pod (the
 * caller then takes the object path, which also reports the conflicts).
 */
export function boundPodStoredJson(stored: string, target: string, now: string): string | undefined {
  try {
    const top = members(stored, 0);
    if (!top || skipValue(stored, 0) !== stored.length) return undefined;
    const meta = find(top, 'metadata');
    const spec = find(top, 'spec');
    const status = find(top, 'status');
    if (!meta || stored.charCodeAt(meta.start) !== 0x7b) return undefined;
    // metadata (the bulk of a pod, with managedFields) is scanned member by member only when
    // its text mentions deletionTimestamp as a key at all
    const dt = stored.indexOf('"deletionTimestamp":', meta.start);
    if (dt >= 0 && dt < meta.end && find(members(stored, meta.start)!, 'deletionTimestamp')) return undefined;
    const specMembers = spec && members(stored, spec.start);
    if (!specMembers || find(specMembers, 'nodeName')) return undefined;
    if (new Set(top.map((m) => m.key)).size !== top.length) return undefined; // duplicate keys: let JSON.parse decide
    return splice(stored, spec!.end, specMembers.length === 0, status, target, now);
  } catch (err) {
    if (err instanceof SyntaxError) return undefined;
    throw err;
  }
}

/**
 * Where a pending pod's stored JSON has the members a binding changes, known when the JSON was
 * made (storedAndReplyJson's spans): the binding then scans only the status.
 */
export interface PodLayout {
  /** stored.length, a check that the layout belongs to the text at hand */
  length: number;
  /** the spec value's span */
  specStart: number;
  specEnd: number;
  /** the status value's span; -1 when there is no status */
  statusStart: number;
  statusEnd: number;
}

/**
 * The layout of `stored` = storedJson(pod), from the spans of its top-level member values;
 * undefined unless the pod is plainly bindable (a spec object, neither nodeName nor
 * deletionTimestamp), so that only pending pods carry one.
 */
export function podLayout(pod: KubeObject, stored: string, spans: ReadonlyMap<string, [number, number]>): PodLayout | undefined {
  const spec = spans.get('spec');
  if (spec === undefined || stored.charCodeAt(spec[0]) !== 0x7b) return undefined;
  if ((pod.spec as Record<string, unknown>).nodeName !== undefined || (pod.metadata as Record<string, unknown>).deletionTimestamp !== undefined) return undefined;
  const status = spans.get('status');
  return { length: stored.length, specStart: spec[0], specEnd: spec[1], statusStart: status ? status[0] : -1, statusEnd: status ? status[1] : -1 };
}

/**
 * Layouts ride on the cache entry's labels-and-fields object (made per write, see
 * registry.ts) under a symbol: invisible to everything else, and freed with the entry.
 */
const LAYOUT = Symbol('podLayout');

export function rememberPodLayout(sel: object, layout: PodLayout): void {
  (sel as { [LAYOUT]?: PodLayout })[LAYOUT] = layout;
}

export function podLayoutOf(sel: object): PodLayout | undefined {
  return (sel as { [LAYOUT]?: PodLayout })[LAYOUT];
}

/** boundPodStoredJson(stored, target, now) for a `stored` whose layout is known. */
export function boundPodStoredJsonAt(stored: string, layout: PodLayout, target: string, now: string): string | undefined {
  if (layout.length !== stored.length) return undefined;
  try {
    const status = layout.statusStart >= 0 ? { key: 'status', start: layout.statusStart, end: layout.statusEnd } : undefined;
    return splice(stored, layout.specEnd, layout.specEnd - layout.specStart === 2, status, target, now);
  } catch (err) {
    if (err instanceof SyntaxError) return undefined;
    throw err;
  }
}

/** The bound pod's text: nodeName added last in spec (ending at specEnd), PodScheduled set in status. */
function splice(stored: string, specEnd: number, specEmpty: boolean, status: Member | undefined, target: string, now: string): string | undefined {
  const nodeName = `"nodeName":${JSON.stringify(target)}`;
  const scheduled = `{"type":"PodScheduled","status":"True","lastProbeTime":null,"lastTransitionTime":${JSON.stringify(now)}}`;
  const edits: { start: number; end: number; text: string }[] = [];
  // spec: nodeName goes last
  edits.push({ start: specEnd - 1, end: specEnd - 1, text: specEmpty ? nodeName : `,${nodeName}` });
  if (!status) {
    edits.push({ start: stored.length - 1, end: stored.length - 1, text: `,"status":{"conditions":[${scheduled}]}` });
  } else {
    const statusMembers = members(stored, status.start);
    if (!statusMembers) return undefined; // status null or not an object
    const conds = find(statusMembers, 'conditions');
    if (!conds) {
      edits.push({ start: status.end - 1, end: status.end - 1, text: `${statusMembers.length ? ',' : ''}"conditions":[${scheduled}]` });
    } else {
      const list = JSON.parse(stored.slice(conds.start, conds.end)) as unknown;
      if (!Array.isArray(list) || !list.every((c) => c !== null && typeof c === 'object' && !Array.isArray(c))) return undefined;
      const kept = list.filter((c: { type?: unknown }) => c.type !== 'PodScheduled');
      const text = kept.length ? `${JSON.stringify(kept).slice(0, -1)},${scheduled}]` : `[${scheduled}]`;
      edits.push({ start: conds.start, end: conds.end, text });
    }
  }
  edits.sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  for (const e of edits) {
    out += stored.slice(at, e.start) + e.text;
    at = e.end;
  }
  return out + stored.slice(at);
}
