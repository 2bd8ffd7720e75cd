// The managedFields entry of a create, written in one walk of the new object: the FieldsV1 of
// every field it sets (outside status), as recordUpdate's general comparison with nothing
// would record them. Objects whose walk would reach one path twice (associative-list items
// with the same key) are left to the general trie-based walk.
import type { GVK } from '../../api/types.js';
import { fieldPE, keyPE, structFieldPE, valuePE, type PathElement } from './fieldpath.js';
import { isObject, type JsonObject } from './json.js';
import { createdFieldsV1 as createdFieldsV1ByTrie, itemKey, STRIPPED_META } from './managedfields.js';
import { fieldOf, rootStruct, structOf, type FieldSpec, type StructSpec } from './patchmeta.js';

/** A child path element and its FieldsV1 object. */
type Entry = [PathElement, JsonObject];

/** Signals a path reached twice: the general walk decides. */
class Revisit extends Error {}

// comparePE on the f:, k: and v: elements a walk produces is plain string order (ranks f < k < v
// follow the first letters; i: elements, compared numerically, never occur here).
const byPE = (a: Entry, b: Entry): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/** FieldsV1 object of a node from its children; `member`: the path itself is in the set. undefined when absent. */
function nodeObject(member: boolean, children: Entry[]): JsonObject | undefined {
  if (children.length === 0) return member ? {} : undefined;
  if (children.length > 1) children.sort(byPE);
  const out: JsonObject = {};
  if (member) out['.'] = {};
  for (const [pe, o] of children) out[pe] = o;
  return out;
}

/** No member with a defined value (what clone() leaves empty). */
function isEmpty(o: JsonObject): boolean {
  for (const k in o) if (Object.prototype.hasOwnProperty.call(o, k) && o[k] !== undefined) return false;
  return true;
}

function objectEntries(o: JsonObject, s: StructSpec | undefined, top: boolean, skip?: ReadonlySet<string>): Entry[] {
  const out: Entry[] = [];
  for (const k of Object.keys(o)) {
    const v = o[k];
    if (v === undefined || skip?.has(k)) continue;
    if (top && (k === 'apiVersion' || k === 'kind' || k === 'status')) continue;
    const field = fieldOf(s, k);
    let node: JsonObject | undefined;
    if (top && k === 'metadata' && isObject(v)) node = nodeObject(false, objectEntries(v, structOf(field), false, STRIPPED_META));
    else if (v === null || (isObject(v) && isEmpty(v))) node = {};
    else {
      const children: Entry[] = [];
      const isLeaf = valueEntries(v, field, children);
      const present = field?.present || field?.type === 'ObjectMeta' || (top && k === 'metadata');
      node = isLeaf ? {} : nodeObject(!present, children);
    }
    if (node) out.push([s !== undefined ? structFieldPE(k) : fieldPE(k), node]);
  }
  return out;
}

/** Children of a non-null value into `out`; true when the value itself is a leaf. */
function valueEntries(v: unknown, field: FieldSpec | undefined, out: Entry[]): boolean {
  if (Array.isArray(v)) {
    const type = field?.list?.ssa ?? 'atomic';
    if (type === 'atomic' || v.length === 0) return true;
    if (type === 'set') {
      if (v.some((x) => isObject(x) || Array.isArray(x))) return true;
      const seen = new Set<PathElement>();
      for (const item of v) {
        const pe = valuePE(item);
        if (!seen.has(pe)) out.push([pe, {}]);
        seen.add(pe);
      }
      return false;
    }
    const keys: Record<string, unknown>[] = [];
    for (const x of v) {
      const key = itemKey(x, field);
      if (key === undefined) return true;
      keys.push(key);
    }
    const s = structOf(field);
    const seen = v.length > 1 ? new Set<PathElement>() : undefined;
    for (let i = 0; i < v.length; i++) {
      const pe = keyPE(keys[i]!);
      if (seen) {
        if (seen.has(pe)) throw new Revisit();
        seen.add(pe);
      }
      out.push([pe, nodeObject(true, objectEntries(v[i] as JsonObject, s, false))!]);
    }
    return false;
  }
  if (isObject(v) && !field?.atomic) {
    for (const e of objectEntries(v, structOf(field), false)) out.push(e);
    return false;
  }
  return true;
}

/**
 * FieldsV1 recordUpdate records for a create by a new manager, undefined when it owns nothing.
 * Same as scopeToSubresource(compareObjects(gvk, {}, obj, true).added, undefined).toFieldsV1().
 */
export function createdFieldsV1(gvk: GVK, obj: unknown): JsonObject | undefined {
  if (!isObject(obj)) return undefined;
  try {
    return nodeObject(false, objectEntries(obj, rootStruct(gvk), true));
  } catch (e) {
    if (e instanceof Revisit) return createdFieldsV1ByTrie(gvk, obj);
    throw e;
  }
}
