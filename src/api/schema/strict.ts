// Strict decoding checks against our schemas: unknown fields, duplicate JSON keys and gross
// type mismatches. Paths use the upstream notation: `spec.containers[0].foo`, `metadata.foo`, `foo`.
//
// Messages the API layer should build from these (close to upstream wording):
//   unknown field "spec.containers[0].foo"
//   duplicate field "metadata.name"
//   Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal string into Go struct
//   field PodSpec.spec.containers of type []v1.Container        (see typeErrorMessage)
import type { GVK } from '../types.js';
import { INT_OR_STRING, QUANTITY, type Schema } from './dsl.js';
import { resolveSchema, schemaForKind } from './index.js';

const child = (path: string, key: string): string => (path ? `${path}.${key}` : key);

/** Schema-level view of a field after following refs. */
interface Resolved {
  schema: Schema;
  name?: string;
}

function isOpen(s: Schema): boolean {
  return s['x-kubernetes-preserve-unknown-fields'] === true || (s.type === 'object' && !s.properties && s.additionalProperties === undefined);
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

// Schemas are frozen and the registry never changes: resolve each field schema once.
const resolvedCache = new WeakMap<Schema, Resolved>();
function resolve(s: Schema): Resolved {
  let r = resolvedCache.get(s);
  if (!r) {
    r = resolveSchema(s);
    if (typeof s === 'object' && s !== null) resolvedCache.set(s, r);
  }
  return r;
}

// ---- unknown fields -------------------------------------------------------------------

/**
 * Paths of fields present in obj but absent from the kind's schema. Free-form objects and
 * map values accept anything; top-level apiVersion/kind are always allowed. Returns [] for
 * kinds we have no schema for.
 */
export function findUnknownFields(gvk: GVK, obj: unknown): string[] {
  // found by the findTypeErrors walk just before, over the same object (see there)
  const memo = unknownMemo;
  unknownMemo = undefined;
  if (memo && memo.obj === obj && memo.kind === gvk.kind && memo.group === gvk.group && memo.version === gvk.version) return memo.unknown;
  const root = schemaForKind(gvk);
  const out: string[] = [];
  if (!root || !isPlainObject(obj)) return out;
  for (const k of Object.keys(obj)) {
    if (k === 'apiVersion' || k === 'kind') continue;
    const p = root.properties?.[k];
    if (!p) out.push(k);
    else unknownIn(resolve(p), obj[k], k, out);
  }
  return out;
}

function unknownIn(r: Resolved, v: unknown, path: string, out: string[]): void {
  if (typeof v !== 'object' || v === null) return; // scalars hold no fields
  const s = r.schema;
  if (isOpen(s)) return;
  if (Array.isArray(v)) {
    if (s.items) {
      const is = resolve(s.items);
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (typeof x === 'object' && x !== null) unknownIn(is, x, `${path}[${i}]`, out);
      }
    }
    return;
  }
  const o = v as Record<string, unknown>;
  if (s.properties) {
    for (const k of Object.keys(o)) {
      const p = s.properties[k];
      if (!p) out.push(child(path, k));
      else {
        const x = o[k];
        if (typeof x === 'object' && x !== null) unknownIn(resolve(p), x, child(path, k), out);
      }
    }
  } else if (s.additionalProperties && typeof s.additionalProperties === 'object') {
    const vs = resolve(s.additionalProperties);
    for (const k of Object.keys(o)) {
      const x = o[k];
      if (typeof x === 'object' && x !== null) unknownIn(vs, x, child(path, k), out);
    }
  }
}

// ---- duplicate keys -------------------------------------------------------------------

/** Paths of keys that appear more than once in the same JSON object. [] for invalid JSON. */
export function findDuplicateFields(jsonText: string): string[] {
  const out: string[] = [];
  if (provablyNoDuplicateKeys(jsonText)) return out;
  try {
    new DupScanner(jsonText, out).document();
  } catch {
    return out;
  }
  return out;
}

function countColons(s: string): number {
  let n = 0;
  for (let i = s.indexOf(':'); i >= 0; i = s.indexOf(':', i + 1)) n++;
  return n;
}

/** Members (key occurrences) of all objects in v plus the ':' characters inside its strings. */
function membersAndColons(v: unknown): number {
  if (typeof v === 'string') return countColons(v);
  if (typeof v !== 'object' || v === null) return 0;
  let n = 0;
  if (Array.isArray(v)) {
    for (const x of v) n += membersAndColons(x);
    return n;
  }
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) n += 1 + countColons(k) + membersAndColons(o[k]);
  return n;
}

/**
 * A cheap proof that a JSON text repeats no key, for texts without backslashes. In valid JSON
 * every ':' is either a member's separator or inside a string; without escapes a string's text
 * is its value. So ':' count = members in the text + ':' in all its strings. JSON.parse keeps one
 * member per distinct key: the parsed value shows the same total exactly when no member was
 * dropped, that is when no key repeats. False means "not proven" (the scanner decides).
 */
function provablyNoDuplicateKeys(text: string): boolean {
  if (text.indexOf('\\') >= 0) return false;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return false;
  }
  return countColons(text) === membersAndColons(parsed);
}

/**
 * The same proof for a caller that has already parsed the text: `parsed` must be exactly
 * JSON.parse(text), not changed since. True means findDuplicateFields(text) is [].
 */
export function jsonHasNoDuplicateKeys(text: string, parsed: unknown): boolean {
  return text.indexOf('\\') < 0 && countColons(text) === membersAndColons(parsed);
}

const isWs = (c: number): boolean => c === 32 || c === 9 || c === 13 || c === 10;
const isDigitCode = (c: number): boolean => c >= 48 && c <= 57;

class DupScanner {
  private i = 0;
  constructor(
    private readonly t: string,
    private readonly out: string[],
  ) {}

  document(): void {
    this.value('');
    this.ws();
    if (this.i !== this.t.length) throw new Error('trailing data');
  }

  private ws(): void {
    while (this.i < this.t.length && isWs(this.t.charCodeAt(this.i))) this.i++;
  }

  private value(path: string): void {
    this.ws();
    const c = this.t[this.i];
    if (c === '{') this.object(path);
    else if (c === '[') this.array(path);
    else if (c === '"') this.string();
    else this.scalar();
  }

  private object(path: string): void {
    this.i++;
    const seen = new Set<string>();
    let reported: Set<string> | undefined;
    this.ws();
    if (this.t[this.i] === '}') {
      this.i++;
      return;
    }
    for (;;) {
      this.ws();
      const key = this.string();
      const p = child(path, key);
      if (seen.has(key) && !reported?.has(key)) {
        (reported ??= new Set()).add(key);
        this.out.push(p);
      }
      seen.add(key);
      this.ws();
      if (this.t[this.i++] !== ':') throw new Error('expected :');
      this.value(p);
      this.ws();
      const c = this.t[this.i++];
      if (c === '}') return;
      if (c !== ',') throw new Error('expected , or }');
    }
  }

  private array(path: string): void {
    this.i++;
    this.ws();
    if (this.t[this.i] === ']') {
      this.i++;
      return;
    }
    for (let n = 0; ; n++) {
      this.value(`${path}[${n}]`);
      this.ws();
      const c = this.t[this.i++];
      if (c === ']') return;
      if (c !== ',') throw new Error('expected , or ]');
    }
  }

  private string(): string {
    const t = this.t;
    if (t[this.i] !== '"') throw new Error('expected string');
    const start = this.i;
    this.i++;
    let plain = true; // no escapes or control characters: the text is the value
    while (this.i < t.length) {
      const c = t.charCodeAt(this.i);
      if (c === 34) break;
      if (c === 92) {
        plain = false;
        this.i += 2;
      } else {
        if (c < 32) plain = false;
        this.i++;
      }
    }
    if (this.i >= t.length) throw new Error('unterminated string');
    this.i++;
    return plain ? t.slice(start + 1, this.i - 1) : (JSON.parse(t.slice(start, this.i)) as string);
  }

  /** true|false|null|-?\d+(\.\d+)?([eE][+-]?\d+)? within the next 64 characters. */
  private scalar(): void {
    const t = this.t;
    const end = Math.min(t.length, this.i + 64);
    for (const lit of ['true', 'false', 'null']) {
      if (this.i + lit.length <= end && t.startsWith(lit, this.i)) {
        this.i += lit.length;
        return;
      }
    }
    let j = this.i;
    if (j < end && t.charCodeAt(j) === 45) j++;
    const digits = (k: number): number => {
      while (k < end && isDigitCode(t.charCodeAt(k))) k++;
      return k;
    };
    let k = digits(j);
    if (k === j) throw new Error('bad value');
    if (k < end && t.charCodeAt(k) === 46) {
      const f = digits(k + 1);
      if (f > k + 1) k = f;
    }
    if (k < end && (t.charCodeAt(k) === 101 || t.charCodeAt(k) === 69)) {
      let e = k + 1;
      if (e < end && (t.charCodeAt(e) === 43 || t.charCodeAt(e) === 45)) e++;
      const d = digits(e);
      if (d > e) k = d;
    }
    this.i = k;
  }
}

// ---- type mismatches ------------------------------------------------------------------

/** A value whose JSON type cannot be decoded into the schema type. */
export interface FieldTypeError {
  /** Path of the bad value, with indices: spec.containers[0].ports */
  path: string;
  /** Go-style expected type: []v1.Container, int32, string, map[string]string, v1.PodSpec ... */
  expected: string;
  /** JSON type found: string, number, bool, object, array */
  actual: string;
  /** Go struct (definition short name) holding the field, e.g. PodSpec */
  struct: string;
}

/** Gross type mismatches (string where an object is expected and so on). null is always accepted. */
export function findTypeErrors(gvk: GVK, obj: unknown): FieldTypeError[] {
  const root = schemaForKind(gvk);
  const out: FieldTypeError[] = [];
  unknownMemo = undefined;
  if (!root || !isPlainObject(obj)) return out;
  // The walk also collects what findUnknownFields would report, for a call on the same object
  // right after (as the decoder makes): where no value has the wrong type, both walks visit
  // the same members. Only when the root is an ordinary struct (findUnknownFields always
  // looks at the root's properties).
  const unknown: string[] | undefined = root.properties && !root['x-kubernetes-preserve-unknown-fields'] ? [] : undefined;
  typeIn({ schema: root, name: gvk.kind }, obj, '', gvk.kind, out, unknown);
  if (unknown && out.length === 0) unknownMemo = { obj, kind: gvk.kind, group: gvk.group, version: gvk.version, unknown };
  return out;
}

/** Unknown fields found by the last findTypeErrors walk (one use). */
let unknownMemo: { obj: unknown; kind: string; group: string; version: string; unknown: string[] } | undefined;

/**
 * The 400 message upstream returns for a type error, e.g.
 * `Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type []v1.Container`.
 */
export function typeErrorMessage(gvk: GVK, e: FieldTypeError): string {
  const goPath = e.path.replace(/\[\d+\]/g, '');
  return `${gvk.kind} in version "${gvk.version}" cannot be handled as a ${gvk.kind}: json: cannot unmarshal ${e.actual} into Go struct field ${e.struct}.${goPath} of type ${e.expected}`;
}

function jsonType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v === 'object' ? 'object' : typeof v;
}

const shortNames = new Map<string, string>();
const shortName = (name: string): string => {
  let n = shortNames.get(name);
  if (n === undefined) shortNames.set(name, (n = name.slice(name.lastIndexOf('.') + 1)));
  return n;
};
const goNamed = (name: string): string => {
  const parts = name.split('.');
  return parts.length >= 2 ? `${parts[parts.length - 2]}.${parts[parts.length - 1]}` : name;
};

/** Go-ish type name of a field schema. */
function goType(s: Schema): string {
  const r = resolveSchema(s);
  if (r.name && (r.name === QUANTITY || r.name === INT_OR_STRING || r.schema.type === 'object' || r.schema.type === undefined)) return goNamed(r.name);
  const t = r.schema;
  if (t.type === 'array') return '[]' + (t.items ? goType(t.items) : 'interface {}');
  if (t.type === 'object') return typeof t.additionalProperties === 'object' ? 'map[string]' + goType(t.additionalProperties) : 'map[string]interface {}';
  if (t.type === 'integer') return t.format === 'int32' ? 'int32' : 'int64';
  if (t.type === 'number') return 'float64';
  if (t.type === 'boolean') return 'bool';
  if (t.type === 'string') return r.name ? goNamed(r.name) : t.format === 'byte' ? '[]uint8' : 'string';
  return 'interface {}';
}

function accepts(r: Resolved, v: unknown): boolean {
  if (v === null) return true;
  const s = r.schema;
  if (r.name === QUANTITY) return typeof v === 'string' || typeof v === 'number';
  if (r.name === INT_OR_STRING || s['x-kubernetes-int-or-string']) return typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v));
  if (s['x-kubernetes-preserve-unknown-fields']) return true;
  switch (s.type) {
    case 'object':
      return isPlainObject(v);
    case 'array':
      return Array.isArray(v);
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
    default:
      return true;
  }
}

/**
 * Checks the children of v (already known to fit s) and recurses; with `unknown`, also
 * collects the paths of members the schema does not know (as unknownIn, at the root without
 * apiVersion and kind).
 */
function typeIn(r: Resolved, v: unknown, path: string, struct: string, out: FieldTypeError[], unknown?: string[]): void {
  const s = r.schema;
  if (s['x-kubernetes-preserve-unknown-fields']) return;
  if (Array.isArray(v)) {
    if (s.items) for (let i = 0; i < v.length; i++) if (i in v) typeCheck(s.items, v[i], path, i, struct, out, unknown); // holes skipped, as forEach does
    return;
  }
  if (!isPlainObject(v)) return;
  if (s.properties) {
    const owner = r.name ? shortName(r.name) : struct;
    for (const k of Object.keys(v)) {
      const p = s.properties[k];
      if (p) typeCheck(p, v[k], path, k, owner, out, unknown);
      else if (unknown && (path !== '' || (k !== 'apiVersion' && k !== 'kind'))) unknown.push(child(path, k));
    }
  } else if (s.additionalProperties && typeof s.additionalProperties === 'object') {
    for (const k of Object.keys(v)) typeCheck(s.additionalProperties, v[k], path, k, struct, out, unknown);
  }
}

/** Checks x, the member `key` (a name, or an index) of the value at `parent`; the path is built only when needed. */
function typeCheck(fs: Schema, x: unknown, parent: string, key: string | number, owner: string, out: FieldTypeError[], unknown?: string[]): void {
  const fr = resolve(fs);
  const at = (): string => (typeof key === 'number' ? `${parent}[${key}]` : child(parent, key));
  if (!accepts(fr, x)) {
    out.push({ path: at(), expected: goType(fs), actual: jsonType(x), struct: owner });
    return;
  }
  if (x !== null && typeof x === 'object') typeIn(fr, x, at(), fr.name ? shortName(fr.name) : owner, out, unknown);
}
