// Strategic merge patch (application/strategic-merge-patch+json), following
// k8s.io/apimachinery/pkg/util/strategicpatch with the server's options
// (IgnoreUnmatchedNulls, MergeParallelList). Directives: `$patch` (replace|delete|merge),
// `$retainKeys`, `$setElementOrder/<f>`, `$deleteFromPrimitiveList/<f>`. Directives are applied,
// never stored. Kinds missing from schema.ts treat every list as atomic.
import { ApiError } from '../../api/errors.js';
import type { GVK, KubeObject } from '../../api/types.js';
import { clone, deepEqual, goFormat, isObject, type JsonObject } from './json.js';
import { fieldOf, rootStruct, structOf, type FieldSpec, type StructSpec } from './patchmeta.js';

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ORDER = '$setElementOrder/';
const DELETE_PRIMITIVE = '$deleteFromPrimitiveList/';

/** Plain Go error surfaced by the API server as a 500 Status with reason Unknown. */
const serverError = (msg: string): ApiError => new ApiError(500, '', msg);
const badPatchType = (t: unknown, m: unknown): ApiError => serverError(`unknown patch type: ${goFormat(t)} in map: ${goFormat(m)}`);
const noMergeKey = (m: unknown, key: string): ApiError => serverError(`map: ${goFormat(m)} does not contain declared merge key: ${key}`);

/** Value for a key absent from the original: nulls discarded, directives removed (upstream removeDirectives). */
function fresh(v: unknown): { value: unknown; keep: boolean } {
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (const x of v) {
      const r = fresh(x);
      if (r.keep) out.push(r.value);
    }
    return { value: out, keep: true };
  }
  if (isObject(v)) {
    if (DIRECTIVE in v) return { value: undefined, keep: false };
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) {
      if (x === null || x === undefined || k.startsWith('$')) continue;
      const r = fresh(x);
      if (r.keep) out[k] = r.value;
    }
    return { value: out, keep: true };
  }
  return { value: v, keep: true };
}

function elementKind(...lists: unknown[][]): 'map' | 'primitive' | 'none' {
  let kind: 'map' | 'primitive' | 'none' = 'none';
  for (const l of lists) {
    for (const x of l) {
      if (Array.isArray(x)) throw ApiError.badRequest('lists of lists are not supported');
      const k = isObject(x) ? 'map' : 'primitive';
      if (kind !== 'none' && kind !== k) throw serverError(`mismatched element types in list: ${goFormat(l)}`);
      kind = k;
    }
  }
  return kind;
}

function indexOf(list: unknown[], item: unknown, mergeKey: string | undefined): number {
  if (!mergeKey) return list.findIndex((x) => deepEqual(x, item));
  if (!isObject(item) || !(mergeKey in item)) return -1;
  return list.findIndex((x) => isObject(x) && mergeKey in x && deepEqual(x[mergeKey], item[mergeKey]));
}

function sortByOrder(items: unknown[], order: unknown[], mergeKey: string | undefined): unknown[] {
  const found = items.filter((x) => indexOf(order, x, mergeKey) >= 0);
  const rest = items.filter((x) => indexOf(order, x, mergeKey) < 0);
  found.sort((a, b) => indexOf(order, a, mergeKey) - indexOf(order, b, mergeKey));
  return [...found, ...rest];
}

/** normalizeElementOrder: patch items in patchOrder, server-only items in serverOrder, interleaved by serverOrder. */
function normalizeOrder(patchItems: unknown[], serverOnly: unknown[], patchOrder: unknown[], serverOrder: unknown[], mergeKey: string | undefined): unknown[] {
  const right = sortByOrder(patchItems, patchOrder, mergeKey);
  const left = sortByOrder(serverOnly, serverOrder, mergeKey);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = indexOf(serverOrder, left[i], mergeKey);
      const ri = indexOf(serverOrder, right[j], mergeKey);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

function partition(merged: unknown[], by: unknown[], mergeKey: string | undefined): [unknown[], unknown[]] {
  const inPatch: unknown[] = [];
  const serverOnly: unknown[] = [];
  for (const x of merged) {
    if (mergeKey && !(isObject(x) && mergeKey in x)) throw noMergeKey(x, mergeKey);
    (indexOf(by, x, mergeKey) >= 0 ? inPatch : serverOnly).push(x);
  }
  return [inPatch, serverOnly];
}

function mergeSlice(original: unknown[], patch: unknown[], field: FieldSpec | undefined): unknown[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = elementKind(original, patch);
  const mergeKey = field?.list?.mergeKey;
  let merged: unknown[];
  if (kind !== 'map') {
    merged = [];
    for (const x of [...original, ...patch]) if (indexOf(merged, x, undefined) < 0) merged.push(x);
    const [p, s] = partition(merged, patch, undefined);
    return normalizeOrder(p, s, patch, original, undefined);
  }
  if (!mergeKey) throw serverError(`cannot merge lists without merge key for ${goFormat(patch)}`);
  // $patch elements: delete matching entries, replace the whole list, merge is unsupported.
  let base = original;
  const plain: JsonObject[] = [];
  let replace = false;
  for (const v of patch as JsonObject[]) {
    if (!(DIRECTIVE in v)) {
      plain.push(v);
      continue;
    }
    const d = v[DIRECTIVE];
    if (d === 'delete') {
      if (!(mergeKey in v)) throw noMergeKey(v, mergeKey);
      base = base.filter((x) => !(isObject(x) && deepEqual(x[mergeKey], v[mergeKey])));
    } else if (d === 'replace') replace = true;
    else if (d === 'merge') throw serverError('merging lists cannot yet be specified in the patch');
    else throw badPatchType(d, v);
  }
  if (replace) merged = plain.map((x) => fresh(x).value);
  else {
    merged = [...base];
    const itemStruct = structOf(field);
    for (const v of plain) {
      if (!(mergeKey in v)) throw noMergeKey(v, mergeKey);
      const i = indexOf(merged, v, mergeKey);
      if (i >= 0) merged[i] = mergeMap(merged[i] as JsonObject, v, itemStruct);
      else merged.push(fresh(v).value);
    }
  }
  const [p, s] = partition(merged, patch, mergeKey);
  return normalizeOrder(p, s, patch, original, mergeKey);
}

function mergeList(original: unknown[], patch: unknown[], field: FieldSpec | undefined): unknown[] {
  if (field?.list?.smp === 'merge') return mergeSlice(original, patch, field);
  return fresh(patch).value as unknown[];
}

function applyRetainKeys(original: JsonObject, patch: JsonObject): void {
  if (!(RETAIN_KEYS in patch)) return;
  const keys = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(keys)) throw ApiError.badRequest('invalid patch format of retainKeys');
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(SET_ORDER) || k.startsWith(DELETE_PRIMITIVE) || k === DIRECTIVE) continue;
    if (!keys.includes(k)) throw ApiError.badRequest('invalid patch format of retainKeys');
  }
  for (const k of Object.keys(original)) if (!keys.includes(k)) delete original[k];
}

function applySetElementOrder(original: JsonObject, patch: JsonObject, s: StructSpec | undefined): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ORDER)) continue;
    const order = patch[key];
    delete patch[key];
    if (!Array.isArray(order)) throw serverError(`expected []interface{}, but got ${goFormat(order)}`);
    const name = key.slice(SET_ORDER.length);
    if (!name) throw ApiError.badRequest('invalid patch format of setElementOrder list');
    const field = fieldOf(s, name);
    const orig = original[name];
    const pl = patch[name];
    if (orig !== undefined && !Array.isArray(orig)) throw serverError(`expected []interface{}, but got ${goFormat(orig)}`);
    if (pl !== undefined && pl !== null && !Array.isArray(pl)) throw serverError(`expected []interface{}, but got ${goFormat(pl)}`);
    const origList = orig as unknown[] | undefined;
    const patchList = (pl ?? undefined) as unknown[] | undefined;
    let merged: unknown[];
    if (origList && !patchList) merged = origList;
    else if (!origList && patchList) merged = fresh(patchList).value as unknown[];
    else if (origList && patchList) merged = mergeList(origList, patchList, field);
    else continue;
    const mergeKey = elementKind(merged, order) === 'map' ? field?.list?.mergeKey : undefined;
    const [p, so] = partition(merged, order, mergeKey);
    original[name] = normalizeOrder(p, so, order, origList ?? [], mergeKey);
    delete patch[name];
  }
}

function mergeMap(originalIn: JsonObject, patchIn: JsonObject, s: StructSpec | undefined): JsonObject {
  const patch: JsonObject = { ...patchIn };
  if (DIRECTIVE in patch) {
    const d = patch[DIRECTIVE];
    if (d === 'replace') return fresh(Object.fromEntries(Object.entries(patch).filter(([k]) => k !== DIRECTIVE))).value as JsonObject;
    if (d === 'delete') return {};
    throw badPatchType(d, patch);
  }
  const original: JsonObject = { ...originalIn };
  applyRetainKeys(original, patch);
  applySetElementOrder(original, patch, s);
  const deletions: [string, unknown][] = [];
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith(DELETE_PRIMITIVE)) {
      const name = k.slice(DELETE_PRIMITIVE.length);
      if (!name) throw ApiError.badRequest('invalid patch format of primitive list');
      deletions.push([name, v]);
      continue;
    }
    if (k.startsWith('$') || v === undefined) continue;
    if (v === null) {
      delete original[k];
      continue;
    }
    const cur = original[k];
    const field = fieldOf(s, k);
    if (isObject(cur) && isObject(v)) original[k] = mergeMap(cur, v, structOf(field));
    else if (Array.isArray(cur) && Array.isArray(v)) original[k] = mergeList(cur, v, field);
    else {
      const r = fresh(v);
      if (r.keep) original[k] = r.value;
      else delete original[k];
    }
  }
  for (const [name, v] of deletions) {
    const cur = original[name];
    if (!Array.isArray(cur)) continue;
    if (!Array.isArray(v)) throw ApiError.badRequest('invalid patch format of primitive list');
    original[name] = cur.filter((x) => !v.some((d) => deepEqual(d, x)));
  }
  return original;
}

/** Apply a strategic merge patch (already JSON-decoded) to `doc`; returns a new object. */
export function applyStrategicMergePatch(gvk: GVK, doc: KubeObject, patch: unknown): KubeObject {
  if (patch === null) return clone(doc);
  if (!isObject(patch)) {
    const t = Array.isArray(patch) ? 'array' : patch === null ? 'null' : typeof patch === 'string' ? 'string' : typeof patch === 'number' ? 'number' : 'bool';
    throw ApiError.badRequest(`json: cannot unmarshal ${t} into Go value of type map[string]interface {}`);
  }
  return mergeMap(clone(doc) as JsonObject, clone(patch), rootStruct(gvk)) as KubeObject;
}
