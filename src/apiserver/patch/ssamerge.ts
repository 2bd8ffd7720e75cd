// Structural merge used by server-side apply: the applied configuration is merged over the live
// object (maps recursively, associative lists item by item keeping live-only items in place,
// atomic values replaced), and fields the applier dropped are pruned.
import type { GVK } from '../../api/types.js';
import { keyPE, valuePE, type FieldPath, type FieldSet } from './fieldpath.js';
import { clone, isObject, type JsonObject } from './json.js';
import { itemKey } from './managedfields.js';
import { fieldOf, rootStruct, structOf, type FieldSpec, type StructSpec } from './patchmeta.js';

/** Path element of each list item, or undefined when the list is not associative for this value. */
function itemPEs(list: unknown[], field: FieldSpec | undefined): string[] | undefined {
  const type = field?.list?.ssa;
  if (type === 'set') return list.every((x) => !isObject(x) && !Array.isArray(x)) ? list.map((x) => valuePE(x)) : undefined;
  if (type !== 'map') return undefined;
  const keys = list.map((x) => itemKey(x, field));
  return keys.every((k) => k !== undefined) ? keys.map((k) => keyPE(k as Record<string, unknown>)) : undefined;
}

/** Ordered merge of associative lists (structured-merge-diff visitListItems ordering). */
function mergeAssocList(lhs: unknown[], rhs: unknown[], lpe: string[], rpe: string[], field: FieldSpec | undefined): unknown[] {
  const lIndex = new Map(lpe.map((pe, i) => [pe, i]));
  const rIndex = new Map(rpe.map((pe, i) => [pe, i]));
  const shared = rpe.filter((pe) => lIndex.has(pe));
  let nextShared = 0;
  const done = new Set<string>();
  const out: unknown[] = [];
  const item = (pe: string): unknown => {
    const li = lIndex.get(pe);
    const ri = rIndex.get(pe) as number;
    return li === undefined ? clone(rhs[ri]) : mergeValue(lhs[li], rhs[ri], field, true);
  };
  let l = 0;
  let r = 0;
  while (l < lpe.length || r < rpe.length) {
    if (l < lpe.length && r < rpe.length) {
      const pe = lpe[l];
      if (pe === rpe[r]) {
        out.push(item(pe));
        done.add(pe);
        l++;
        r++;
        nextShared++;
        continue;
      }
      const want = shared[nextShared];
      if (rIndex.has(pe) && want !== undefined && want !== pe) {
        l++; // shared item, but not the one wanted in this round
        continue;
      }
    }
    if (l < lpe.length) {
      const pe = lpe[l];
      if (!rIndex.has(pe)) {
        out.push(clone(lhs[l]));
        l++;
        continue;
      }
      if (done.has(pe)) {
        l++;
        continue;
      }
    }
    if (r < rpe.length) {
      const pe = rpe[r];
      out.push(item(pe));
      done.add(pe);
      r++;
      if (shared[nextShared] === pe) nextShared++;
    }
  }
  return out;
}

function mergeValue(lhs: unknown, rhs: unknown, field: FieldSpec | undefined, isItem = false): unknown {
  if (Array.isArray(rhs)) {
    if (!Array.isArray(lhs)) return clone(rhs);
    const lpe = itemPEs(lhs, field);
    const rpe = itemPEs(rhs, field);
    if (!lpe || !rpe) return clone(rhs);
    return mergeAssocList(lhs, rhs, lpe, rpe, field);
  }
  if (isObject(rhs)) {
    if (!isObject(lhs) || (field?.atomic && !isItem)) return clone(rhs);
    return mergeObject(lhs, rhs, structOf(field));
  }
  return rhs;
}

function mergeObject(lhs: JsonObject, rhs: JsonObject, s: StructSpec | undefined): JsonObject {
  const out: JsonObject = clone(lhs);
  for (const [k, v] of Object.entries(rhs)) {
    if (v === undefined) continue;
    if (v === null) delete out[k];
    else out[k] = mergeValue(out[k], v, fieldOf(s, k));
  }
  return out;
}

/** Merge an applied configuration over the live object. */
export function mergeApplied(gvk: GVK, live: JsonObject, applied: JsonObject): JsonObject {
  return mergeObject(live, applied, rootStruct(gvk));
}

/**
 * Remove `path` from `obj` (in place). Empty maps/lists left behind are removed too, up to (not
 * including) top-level fields. Key fields of a surviving list item are never removed.
 */
function removePath(gvk: GVK, obj: JsonObject, path: FieldPath): void {
  const chain: { holder: JsonObject | unknown[]; at: string | number }[] = [];
  let cur: unknown = obj;
  let s: StructSpec | undefined = rootStruct(gvk);
  let f: FieldSpec | undefined;
  for (let idx = 0; idx < path.length; idx++) {
    const pe = path[idx];
    if (pe.startsWith('f:')) {
      if (!isObject(cur)) return;
      const name = pe.slice(2);
      if (!(name in cur)) return;
      const isItemKey = idx > 0 && path[idx - 1].startsWith('k:') && f?.list?.keys?.includes(name) === true;
      if (isItemKey && idx === path.length - 1) return;
      chain.push({ holder: cur, at: name });
      f = fieldOf(s, name);
      s = structOf(f);
      cur = cur[name];
    } else {
      if (!Array.isArray(cur)) return;
      const pes = itemPEs(cur, f);
      const i = pes ? pes.indexOf(pe) : -1;
      if (i < 0) return;
      chain.push({ holder: cur, at: i });
      cur = cur[i];
    }
  }
  for (let i = chain.length - 1; i >= 0; i--) {
    const { holder, at } = chain[i];
    if (Array.isArray(holder)) holder.splice(at as number, 1);
    else delete holder[at as string];
    if (i <= 1) break;
    const empty = Array.isArray(holder) ? holder.length === 0 : Object.keys(holder).length === 0;
    if (!empty) break;
  }
}

/**
 * Remove fields the applier owned before (`lastSet`) that nobody owns now (`owned`, which includes
 * the applier's new set). A field is kept while any owned path lies at or below it.
 */
export function pruneDropped(gvk: GVK, obj: JsonObject, lastSet: FieldSet, owned: FieldSet): JsonObject {
  const out = clone(obj);
  const candidates = lastSet.paths().filter((p) => !owned.hasPrefix(p));
  // Deepest first so parents are examined after their children are gone.
  candidates.sort((a, b) => b.length - a.length);
  for (const p of candidates) removePath(gvk, out, p);
  return out;
}

