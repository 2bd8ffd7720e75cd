// Converts a decoded protobufjs message into the JSON shape Go's encoding/json would produce for the
// same Kubernetes object: JSON field names, omitempty for zero scalars, base64 bytes, RFC3339 times,
// IntOrString as number|string, Quantity as string, and `json:",inline"` embeddings flattened.
import protobuf from 'protobufjs';
import { ApiError } from '../../api/errors.js';
import { WKT } from './schema/index.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Decoded = Record<string, unknown>;

interface LongLike {
  toNumber(): number;
}

function isLongLike(v: unknown): v is LongLike {
  return typeof v === 'object' && v !== null && typeof (v as LongLike).toNumber === 'function';
}

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (isLongLike(v)) return v.toNumber();
  if (typeof v === 'string') return Number(v);
  return 0;
}

function base64(v: unknown): string {
  return v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') : '';
}

/** Formats seconds+nanos like Go's metav1.Time (second precision) or MicroTime (microseconds), in UTC. */
export function formatK8sTime(seconds: number, nanos: number, micro: boolean): string {
  const iso = new Date(seconds * 1000).toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const base = iso.slice(0, 19);
  if (!micro) return base + 'Z';
  const us = Math.floor(nanos / 1000);
  return `${base}.${String(us).padStart(6, '0')}Z`;
}

function isZeroScalar(v: Json): boolean {
  return v === '' || v === 0 || v === false;
}

function scalarToJson(field: protobuf.Field, v: unknown): Json {
  switch (field.type) {
    case 'bytes':
      return base64(v);
    case 'int64':
    case 'uint64':
    case 'sint64':
    case 'fixed64':
    case 'sfixed64':
      return toNumber(v);
    case 'bool':
      return v === true;
    case 'string':
      return typeof v === 'string' ? v : '';
    default:
      return typeof v === 'number' ? v : toNumber(v);
  }
}

/** Well-known apimachinery types with a custom JSON form; undefined when `type` is an ordinary message. */
function wellKnownToJson(type: protobuf.Type, msg: Decoded): Json | undefined {
  switch (type.fullName.slice(1)) {
    case WKT.time:
    case WKT.microTime: {
      const s = toNumber(msg.seconds);
      const n = toNumber(msg.nanos);
      if (s === 0 && n === 0) return null; // Go marshals the zero Time as null
      return formatK8sTime(s, n, type.fullName.slice(1) === WKT.microTime);
    }
    case WKT.intOrString:
      return toNumber(msg.type) === 1 ? (typeof msg.strVal === 'string' ? msg.strVal : '') : toNumber(msg.intVal);
    case WKT.quantity:
      return typeof msg.string === 'string' ? msg.string : '0';
    case WKT.fieldsV1:
    case WKT.rawExtension:
      return rawJson(msg.Raw ?? msg.raw);
    default:
      return undefined;
  }
}

function rawJson(raw: unknown): Json {
  if (!(raw instanceof Uint8Array) || raw.length === 0) return null;
  try {
    return JSON.parse(Buffer.from(raw).toString('utf8')) as Json;
  } catch {
    throw ApiError.badRequest('protobuf body contains an embedded raw object that is not valid JSON');
  }
}

function valueToJson(field: protobuf.Field, v: unknown): Json {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Type) return messageToJson(rt, v as Decoded);
  return scalarToJson(field, v);
}

function isTrue(opts: Record<string, unknown> | undefined, name: string): boolean {
  return opts?.[name] === true;
}

/** Converts one decoded message of `type` into Go-JSON shape. */
export function messageToJson(type: protobuf.Type, msg: Decoded): Json {
  const wk = wellKnownToJson(type, msg);
  if (wk !== undefined) return wk;
  const out: { [k: string]: Json } = {};
  for (const field of type.fieldsArray) {
    if (!Object.prototype.hasOwnProperty.call(msg, field.name)) continue;
    const v = msg[field.name];
    if (v === null || v === undefined) continue;
    if (field.map) {
      const entries = Object.entries(v as Record<string, unknown>);
      if (entries.length === 0) continue;
      const m: { [k: string]: Json } = {};
      for (const [k, ev] of entries) m[k] = valueToJson(field, ev);
      out[field.name] = m;
    } else if (field.repeated) {
      const arr = v as unknown[];
      if (arr.length === 0) continue;
      out[field.name] = arr.map((e) => valueToJson(field, e));
    } else if (field.resolvedType instanceof protobuf.Type) {
      const j = messageToJson(field.resolvedType, v as Decoded);
      if (isTrue(field.options, '(inline)') && j !== null && typeof j === 'object' && !Array.isArray(j)) Object.assign(out, j);
      else out[field.name] = j;
    } else {
      const j = scalarToJson(field, v);
      if (isZeroScalar(j) && !isTrue(field.options, '(keep)')) continue;
      out[field.name] = j;
    }
  }
  return out;
}
