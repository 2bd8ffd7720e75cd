// The original strict decoding checks, kept as the reference strict.ts is tested against
// (strict.equiv.test.ts). Not used by the server.
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

// ---- unknown fields -------------------------------------------------------------------

/**
 * Paths of fields present in obj but absent from the kind's schema. Free-form objects and
 * map values accept anything; top-level apiVersion/kind are always allowed. Returns [] for
 * kinds we have no schema for.
 */
export function legacyFindUnknownFields(gvk: GVK, obj: unknown): string[] {
  const root = schemaForKind(gvk);
  const out: string[] = [];
  if (!root || !isPlainObject(obj)) return out;
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'apiVersion' || k === 'kind') continue;
    const p = root.properties?.[k];
    if (!p) out.push(k);
    else unknownIn(resolveSchema(p), v, k, out);
  }
  return out;
}

function unknownIn(r: Resolved, v: unknown, path: string, out: string[]): void {
  const s = r.schema;
  if (isOpen(s)) return;
  if (Array.isArray(v)) {
    if (s.items) v.forEach((x, i) => unknownIn(resolveSchema(s.items!), x, `${path}[${i}]`, out));
    return;
  }
  if (!isPlainObject(v)) return;
  if (s.properties) {
    for (const [k, x] of Object.entries(v)) {
      const p = s.properties[k];
      if (!p) out.push(child(path, k));
      else unknownIn(resolveSchema(p), x, child(path, k), out);
    }
  } else if (s.additionalProperties && typeof s.additionalProperties === 'object') {
    const vs = resolveSchema(s.additionalProperties);
    for (const [k, x] of Object.entries(v)) unknownIn(vs, x, child(path, k), out);
  }
}

// ---- duplicate keys -------------------------------------------------------------------

/** Paths of keys that appear more than once in the same JSON object. [] for invalid JSON. */
export function legacyFindDuplicateFields(jsonText: string): string[] {
  const out: string[] = [];
  try {
    new DupScanner(jsonText, out).document();
  } catch {
    return out;
  }
  return out;
}

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
    while (this.i < this.t.length && ' \t\r\n'.includes(this.t[this.i])) this.i++;
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
    const reported = new Set<string>();
    this.ws();
    if (this.t[this.i] === '}') {
      this.i++;
      return;
    }
    for (;;) {
      this.ws();
      const key = this.string();
      const p = child(path, key);
      if (seen.has(key) && !reported.has(key)) {
        reported.add(key);
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
    if (this.t[this.i] !== '"') throw new Error('expected string');
    const start = this.i;
    this.i++;
    while (this.i < this.t.length && this.t[this.i] !== '"') this.i += this.t[this.i] === '\\' ? 2 : 1;
    if (this.i >= this.t.length) throw new Error('unterminated string');
    this.i++;
    return JSON.parse(this.t.slice(start, this.i)) as string;
  }

  private scalar(): void {
    const m = /^(?:true|false|null|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(this.t.slice(this.i, this.i + 64));
    if (!m) throw new Error('bad value');
    this.i += m[0].length;
  }
}

// ---- type mismatches ------------------------------------------------------------------

/** A value whose JSON type cannot be decoded into the schema type. */
interface FieldTypeError {
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
export function legacyFindTypeErrors(gvk: GVK, obj: unknown): FieldTypeError[] {
  const root = schemaForKind(gvk);
  const out: FieldTypeError[] = [];
  if (root && isPlainObject(obj)) typeIn({ schema: root, name: gvk.kind }, obj, '', gvk.kind, out);
  return out;
}

function jsonType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v === 'object' ? 'object' : typeof v;
}

const shortName = (name: string): string => name.slice(name.lastIndexOf('.') + 1);
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

/** Checks the children of v (already known to fit s) and recurses. */
function typeIn(r: Resolved, v: unknown, path: string, struct: string, out: FieldTypeError[]): void {
  const s = r.schema;
  if (s['x-kubernetes-preserve-unknown-fields']) return;
  const check = (fs: Schema, x: unknown, p: string, owner: string): void => {
    const fr = resolveSchema(fs);
    if (!accepts(fr, x)) {
      out.push({ path: p, expected: goType(fs), actual: jsonType(x), struct: owner });
      return;
    }
    if (x !== null && typeof x === 'object') typeIn(fr, x, p, fr.name ? shortName(fr.name) : owner, out);
  };
  if (Array.isArray(v)) {
    if (s.items) v.forEach((x, i) => check(s.items!, x, `${path}[${i}]`, struct));
    return;
  }
  if (!isPlainObject(v)) return;
  if (s.properties) {
    for (const [k, x] of Object.entries(v)) {
      const p = s.properties[k];
      if (p) check(p, x, child(path, k), r.name ? shortName(r.name) : struct);
    }
  } else if (s.additionalProperties && typeof s.additionalProperties === 'object') {
    for (const [k, x] of Object.entries(v)) check(s.additionalProperties, x, child(path, k), struct);
  }
}
