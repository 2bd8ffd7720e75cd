// The stored form of a new object and the JSON of the reply to its create, from one
// serialisation: the reply repeats the stored members in the object's own order.
import type { KubeObject } from '../api/types.js';

const isPlain = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

/**
 * storedJson(obj) plus, from the same serialisation, a function giving exactly
 * JSON.stringify(obj) once metadata.resourceVersion = String(rev) is set. Undefined when obj's
 * shape does not allow that (then serialise the usual way): metadata must be a plain object
 * without a resourceVersion key (so the new key goes last) and no top-level key may be an
 * array index (those would come first in storedJson's object).
 */
export function storedAndReplyJson(
  obj: KubeObject,
  /** also give where each top-level member's value sits in `stored` */
  withSpans = false,
): { stored: string; reply: (rev: number) => string; spans?: Map<string, [number, number]> } | undefined {
  const meta = obj.metadata as unknown;
  if (!isPlain(obj) || !isPlain(meta) || Object.prototype.hasOwnProperty.call(meta, 'resourceVersion')) return undefined;
  const keys = Object.keys(obj);
  const pieces: string[] = [];
  let metaJson: string | undefined;
  let head = '';
  let rest = '';
  for (const k of keys) {
    const c = k.charCodeAt(0);
    if (c >= 48 && c <= 57) return undefined;
    const json = k === 'metadata' ? (metaJson = JSON.stringify(meta)) : (JSON.stringify(obj[k]) as string | undefined);
    pieces.push(json === undefined ? '' : `${JSON.stringify(k)}:`);
    pieces.push(json ?? '');
    if (json === undefined || k === 'apiVersion' || k === 'kind' || k === 'metadata') continue;
    rest += `,${JSON.stringify(k)}:${json}`;
  }
  for (const k of ['apiVersion', 'kind', 'metadata']) {
    const i = keys.indexOf(k);
    if (i >= 0 && pieces[2 * i]) head += `${head ? ',' : ''}${pieces[2 * i]}${pieces[2 * i + 1]}`;
  }
  const stored = `{${head}${head ? rest : rest.slice(1)}}`;
  let spans: Map<string, [number, number]> | undefined;
  if (withSpans) {
    // stored is "{" + the members joined by "," + "}": apiVersion, kind, metadata, then the rest in order
    spans = new Map();
    let at = 1;
    const add = (i: number): void => {
      if (!pieces[2 * i]) return;
      if (spans!.size > 0) at++; // the comma
      at += pieces[2 * i]!.length;
      const end = at + pieces[2 * i + 1]!.length;
      spans!.set(keys[i]!, [at, end]);
      at = end;
    };
    for (const k of ['apiVersion', 'kind', 'metadata']) {
      const i = keys.indexOf(k);
      if (i >= 0) add(i);
    }
    for (let i = 0; i < keys.length; i++) if (keys[i] !== 'apiVersion' && keys[i] !== 'kind' && keys[i] !== 'metadata') add(i);
  }
  const reply = (rev: number): string => {
    const rv = `"resourceVersion":${JSON.stringify(String(rev))}`;
    let out = '';
    for (let i = 0; i < keys.length; i++) {
      if (!pieces[2 * i]) continue;
      const json = keys[i] === 'metadata' ? (metaJson === '{}' ? `{${rv}}` : `${metaJson!.slice(0, -1)},${rv}}`) : pieces[2 * i + 1];
      out += `${out ? ',' : ''}${pieces[2 * i]}${json}`;
    }
    return `{${out}}`;
  };
  return spans ? { stored, reply, spans } : { stored, reply };
}

/**
 * o without the members `keys` (o itself when it has none of them). A copy rather than
 * `delete`: deleting a member other than the last turns a V8 object into a dictionary, slower
 * to copy, to read and to serialise for the rest of the write (metadata.resourceVersion of a
 * decoded object is such a member).
 */
export function withoutMembers<T extends object>(o: T, ...keys: string[]): T {
  let found = false;
  for (const k of keys) if (Object.prototype.hasOwnProperty.call(o, k)) found = true;
  if (!found) return o;
  const src = o as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(src)) if (!keys.includes(k)) out[k] = src[k];
  return out as T;
}
