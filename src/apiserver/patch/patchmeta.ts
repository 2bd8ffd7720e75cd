// Lookup of patch metadata by GVK and field path, over the data table in schema.ts.
import type { GVK } from '../../api/types.js';
import { KINDS, TYPES, type FieldSpec, type SsaListType, type StructSpec } from './schema.js';

export type { FieldSpec, StructSpec } from './schema.js';

export interface PatchMeta {
  /** Strategy for the value at the path: lists merge by key or are replaced; maps merge (retainKeys honoured). */
  strategy: 'merge' | 'replace' | 'retainKeys';
  /** patchMergeKey for lists of maps. */
  mergeKey?: string;
  /** Server-side apply view of the same field. */
  listType?: SsaListType;
  listKeys?: string[];
  atomic?: boolean;
}

/** Root struct of a kind, or undefined for kinds we know nothing about. */
export function rootStruct(gvk: GVK): StructSpec | undefined {
  return KINDS[`${gvk.group}/${gvk.kind}`];
}

/** Metadata of field `name` inside struct `s` (undefined when unknown). */
export function fieldOf(s: StructSpec | undefined, name: string): FieldSpec | undefined {
  return s && Object.prototype.hasOwnProperty.call(s, name) ? s[name] : undefined;
}

/** Struct of the value (or list items) of a field. */
export function structOf(f: FieldSpec | undefined): StructSpec | undefined {
  return f?.type ? TYPES[f.type] : undefined;
}

/**
 * Patch metadata for the field at `path` (field names only; list items are implicit, e.g.
 * `['spec','containers','ports']`). Unknown kinds/fields: lists replace, maps merge.
 */
export function patchMeta(gvk: GVK, path: string[]): PatchMeta {
  let s = rootStruct(gvk);
  let f: FieldSpec | undefined;
  for (const name of path) {
    f = fieldOf(s, name);
    s = structOf(f);
  }
  if (!f) return { strategy: 'merge' };
  if (f.list) {
    const m: PatchMeta = { strategy: f.list.smp, listType: f.list.ssa };
    if (f.list.mergeKey) m.mergeKey = f.list.mergeKey;
    if (f.list.keys) m.listKeys = [...f.list.keys];
    return m;
  }
  const m: PatchMeta = { strategy: f.retainKeys ? 'retainKeys' : 'merge' };
  if (f.atomic) m.atomic = true;
  return m;
}
