// Small JSON helpers shared by the patch engines. Pure; never mutate inputs.

export type JsonObject = { [key: string]: unknown };

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep copy of a JSON-like value (undefined object members are dropped). */
export function clone<T>(v: T): T {
  if (Array.isArray(v)) return v.map((x) => clone(x)) as T;
  if (isObject(v)) {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = clone(x);
    return out as T;
  }
  return v;
}

/** Deep equality of JSON-like values; object members that are undefined count as absent. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!(i in a) || !deepEqual(a[i], b[i])) return holeEqual(a, b, i);
    return true;
  }
  if (isObject(a)) {
    if (!isObject(b)) return false;
    let na = 0;
    for (const k of Object.keys(a)) {
      const x = a[k];
      if (x === undefined) continue;
      na++;
      if (!Object.prototype.hasOwnProperty.call(b, k) || !deepEqual(x, b[k])) return false;
    }
    let nb = 0;
    for (const k of Object.keys(b)) if (b[k] !== undefined) nb++;
    return na === nb;
  }
  return false;
}

/** Array.prototype.every skips holes: the rest of the comparison from i, the way every() makes it. */
function holeEqual(a: unknown[], b: unknown[], from: number): boolean {
  for (let i = from; i < a.length; i++) if (i in a && !deepEqual(a[i], b[i])) return false;
  return true;
}

/** JSON with object keys sorted recursively (Go's encoding/json map order). */
export function sortedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => sortedJson(x === undefined ? null : x)).join(',')}]`;
  if (isObject(v)) {
    const keys: string[] = [];
    for (const k of Object.keys(v)) if (v[k] !== undefined) keys.push(k);
    if (keys.length > 1) keys.sort();
    let out = '{';
    for (let i = 0; i < keys.length; i++) out += `${i > 0 ? ',' : ''}${JSON.stringify(keys[i])}:${sortedJson(v[keys[i]!])}`;
    return out + '}';
  }
  return JSON.stringify(v);
}

/** Rough Go `%v` rendering of a decoded JSON value, used in upstream-style error text. */
export function goFormat(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goFormat).join(' ')}]`;
  if (isObject(v)) return `map[${Object.keys(v).sort().map((k) => `${k}:${goFormat(v[k])}`).join(' ')}]`;
  return String(v);
}
