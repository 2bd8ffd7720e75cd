// Request bodies: JSON, YAML or Kubernetes protobuf in; plain objects out, with
// fieldValidation (Strict / Warn / Ignore) applied as kube-apiserver does.
import { createRequire } from 'node:module';
import { ApiError } from '../api/errors.js';
import type { GVK, KubeObject } from '../api/types.js';
import { findUnknownFields, findDuplicateFields, findTypeErrors, jsonHasNoDuplicateKeys, typeErrorMessage } from '../api/schema/strict.js';
import { mediaType } from './http.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

// The YAML parser and the protobuf decoder (with its schema) take several MB and serve few
// requests: they are loaded on first use. yaml is CommonJS and comes in synchronously;
// the protobuf decoder is an ES module, loaded by readBody (http.ts) before such a body is parsed.
const requireCjs = createRequire(import.meta.url);
let yaml: typeof import('yaml') | undefined;
const parseYaml = (text: string, options: import('yaml').ParseOptions): unknown => (yaml ??= requireCjs('yaml') as typeof import('yaml')).parse(text, options);

type ProtobufDecoder = typeof import('./protobuf/decode.js').decodeK8sProtobuf;
let protobufDecoder: ProtobufDecoder | undefined;

/** Load the protobuf body decoder (readBody does, for protobuf requests). */
export async function loadProtobufDecoder(): Promise<void> {
  protobufDecoder ??= (await import('./protobuf/decode.js')).decodeK8sProtobuf;
}

function decodeK8sProtobuf(body: Buffer): unknown {
  if (!protobufDecoder) throw new Error('protobuf decoder not loaded: read protobuf bodies with readBody');
  return protobufDecoder(body);
}

export function fieldValidationOf(q: URLSearchParams): FieldValidation {
  const v = q.get('fieldValidation');
  if (v === null || v === '') return 'Warn';
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  throw ApiError.badRequest(`fieldValidation must be one of "Ignore", "Warn", or "Strict", got "${v}"`);
}

export const BODY_TYPES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];

/** Parse raw bytes by content type. No schema checks. */
export function parseBody(body: Buffer, contentType: string | undefined): { value: unknown; text?: string } {
  const mt = mediaType(contentType);
  if (mt === 'application/vnd.kubernetes.protobuf') return { value: decodeK8sProtobuf(body) };
  const text = body.toString('utf8');
  if (mt === 'application/json' || mt === '') {
    try {
      return { value: JSON.parse(text), text };
    } catch (e) {
      throw ApiError.badRequest(`couldn't get version/kind; json parse error: ${(e as Error).message}`);
    }
  }
  if (mt === 'application/yaml' || mt === 'application/apply-patch+yaml' || mt === 'text/yaml' || mt === 'application/x-yaml') {
    try {
      return { value: parseYaml(text, { uniqueKeys: false }), text: text.trimStart().startsWith('{') ? text : undefined };
    } catch (e) {
      throw ApiError.badRequest(`error converting YAML to JSON: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  throw ApiError.unsupportedMediaType(mt, BODY_TYPES);
}

/**
 * Decode an object body for the given kind: type checks, apiVersion/kind agreement and
 * unknown/duplicate field handling. Returns the object and any warnings to send.
 */
export function decodeObject(
  body: Buffer,
  contentType: string | undefined,
  gvk: GVK,
  validation: FieldValidation,
): { obj: KubeObject; warnings: string[] } {
  const { value, text } = parseBody(body, contentType);
  // A JSON body proven free of repeated keys (value is still exactly JSON.parse(text) here)
  // needs no duplicate-key scan, which is what checkObject does with the text.
  const mt = mediaType(contentType);
  const proven = validation !== 'Ignore' && text !== undefined && (mt === 'application/json' || mt === '') && (jsonHasNoDuplicateKeys(text, value) || noDuplicateKeysWithEscapes(text, value));
  return checkObject(value, proven ? undefined : text, gvk, validation);
}

function countColons(s: string): number {
  let n = 0;
  for (let i = s.indexOf(':'); i >= 0; i = s.indexOf(':', i + 1)) n++;
  return n;
}

/** Members of all objects in v plus the ':' characters in its keys and strings. */
function membersAndColons(v: unknown): number {
  if (typeof v === 'string') return countColons(v);
  if (typeof v !== 'object' || v === null) return 0;
  let n = 0;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) n += membersAndColons(v[i]);
    return n;
  }
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) n += 1 + countColons(k) + membersAndColons(o[k]);
  return n;
}

/**
 * jsonHasNoDuplicateKeys' proof, extended to texts with escapes other than \uXXXX (managedFields
 * keys such as k:{\"name\":\"web\"} have them). In valid JSON a ':' in the text is a member's
 * separator or a character of a string; the escapes \" \\ \/ \b \f \n \r \t neither contain
 * nor produce one, so without \u the ':' in the parsed strings are exactly those of the text's
 * strings. Then the text's ':' count equals members kept by JSON.parse plus ':' in its strings
 * exactly when JSON.parse dropped no member, that is when no object repeats a key. `parsed`
 * must be JSON.parse(text), unchanged. False means "not proven".
 */
export function noDuplicateKeysWithEscapes(text: string, parsed: unknown): boolean {
  return text.indexOf('\\u') < 0 && countColons(text) === membersAndColons(parsed);
}

export function checkObject(value: unknown, text: string | undefined, gvk: GVK, validation: FieldValidation): { obj: KubeObject; warnings: string[] } {
  const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw ApiError.badRequest(`${gvk.kind} in version "${gvk.version}" cannot be handled as a ${gvk.kind}: the body must be a JSON object`);
  }
  const obj = value as KubeObject;
  if (obj.kind !== undefined && obj.kind !== '' && obj.kind !== gvk.kind) {
    throw ApiError.badRequest(`${gvk.kind} in version "${gvk.version}" cannot be handled as a ${gvk.kind}: the kind in the data (${String(obj.kind)}) does not match the expected kind (${gvk.kind})`);
  }
  if (obj.apiVersion !== undefined && obj.apiVersion !== '' && obj.apiVersion !== apiVersion) {
    throw ApiError.badRequest(`the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${apiVersion})`);
  }
  if (obj.metadata !== undefined && (obj.metadata === null || typeof obj.metadata !== 'object' || Array.isArray(obj.metadata))) {
    throw ApiError.badRequest(`${gvk.kind} in version "${gvk.version}" cannot be handled as a ${gvk.kind}: metadata must be an object`);
  }
  obj.metadata = obj.metadata ?? {};
  // a value the typed decoder cannot unmarshal fails whatever fieldValidation says
  const typeErr = findTypeErrors(gvk, obj)[0];
  if (typeErr) throw ApiError.badRequest(typeErrorMessage(gvk, typeErr));
  const warnings: string[] = [];
  const unknown = findUnknownFields(gvk, obj);
  if (validation !== 'Ignore') {
    const problems = [
      ...(text ? findDuplicateFields(text).map((f) => `duplicate field "${f}"`) : []),
      ...unknown.map((f) => `unknown field "${f}"`),
    ];
    if (problems.length && validation === 'Strict') {
      throw ApiError.badRequest(`${gvk.kind} in version "${gvk.version}" cannot be handled as a ${gvk.kind}: strict decoding error: ${problems.join(', ')}`);
    }
    warnings.push(...problems);
  }
  checkBase64(gvk, obj);
  // like a typed decoder, never keep what the schema does not know
  for (const path of unknown) deletePath(obj, path);
  return { obj, warnings };
}

/** Delete `a.b[2].c` from obj (paths as findUnknownFields reports them). */
function deletePath(obj: unknown, path: string): void {
  const parts = path.match(/[^.[\]]+|\[\d+\]/g) ?? [];
  let cur: unknown = obj;
  for (let i = 0; i < parts.length - 1; i++) {
    const p = parts[i]!;
    if (cur === null || typeof cur !== 'object') return;
    cur = p.startsWith('[') ? (cur as unknown[])[Number(p.slice(1, -1))] : (cur as Record<string, unknown>)[p];
  }
  const last = parts[parts.length - 1];
  if (last && cur !== null && typeof cur === 'object' && !Array.isArray(cur)) delete (cur as Record<string, unknown>)[last];
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Secret data and ConfigMap binaryData are []byte: their JSON form must be standard base64. */
function checkBase64(gvk: GVK, obj: KubeObject): void {
  const field = gvk.group === '' && gvk.kind === 'Secret' ? 'data' : gvk.group === '' && gvk.kind === 'ConfigMap' ? 'binaryData' : undefined;
  const data = field ? (obj[field] as Record<string, unknown> | undefined) : undefined;
  if (!data || typeof data !== 'object') return;
  for (const v of Object.values(data)) {
    if (v === null) continue;
    const str = String(v);
    const bad = typeof v !== 'string' || str.length % 4 !== 0 || !BASE64.test(str);
    if (bad) {
      let at = 0;
      while (at < str.length && /[A-Za-z0-9+/=]/.test(str[at]!)) at++;
      throw ApiError.badRequest(`${gvk.kind} in version "${gvk.version}" cannot be handled as a ${gvk.kind}: illegal base64 data at input byte ${Math.min(at, str.length)}`);
    }
  }
}
