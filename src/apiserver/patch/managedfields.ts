// Field ownership bookkeeping: which fields an object sets (with list items identified the way
// server-side apply does), comparison of two objects, and metadata.managedFields (de)coding.
import type { GVK, KubeObject, ManagedFieldsEntry } from '../../api/types.js';
import { FieldSet, fieldPE, keyPE, valuePE, type FieldPath } from './fieldpath.js';
import { deepEqual, isObject, type JsonObject } from './json.js';
import { fieldOf, rootStruct, structOf, type FieldSpec, type StructSpec } from './patchmeta.js';

/** metadata fields never tracked (stripped by the server's field manager). */
const STRIPPED_META = new Set(['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion']);

interface Visited {
  path: FieldPath;
  value: unknown;
  /** 'leaf' values are compared; 'item' marks an associative-list item; 'container' a non-leaf map/list field. */
  kind: 'leaf' | 'item' | 'container';
}

/** The key object of an associative-list item, or undefined when a key field is missing. */
export function itemKey(item: unknown, f: FieldSpec | undefined): Record<string, unknown> | undefined {
  const keys = f?.list?.keys;
  if (!keys || !isObject(item)) return undefined;
  const key: Record<string, unknown> = {};
  for (const k of keys) {
    const v = item[k] ?? f?.list?.keyDefaults?.[k];
    if (v === undefined || v === null) return undefined;
    key[k] = v;
  }
  return key;
}

function walkObject(o: JsonObject, s: StructSpec | undefined, path: FieldPath, out: Visited[], top: boolean): void {
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue;
    if (top && (k === 'apiVersion' || k === 'kind')) continue;
    const field = fieldOf(s, k);
    const p = [...path, fieldPE(k)];
    if (top && k === 'metadata' && isObject(v)) {
      const meta = Object.fromEntries(Object.entries(v).filter(([mk]) => !STRIPPED_META.has(mk)));
      walkObject(meta, structOf(field), p, out, false);
      continue;
    }
    if (v === null || (isObject(v) && Object.keys(v).length === 0)) out.push({ path: p, value: v, kind: 'leaf' });
    else {
      const before = out.length;
      walkValue(v, field, p, out);
      const isLeaf = out.length === before + 1 && out[before].path.length === p.length;
      const present = field?.present || field?.type === 'ObjectMeta' || (top && k === 'metadata');
      if (!isLeaf && !present) out.push({ path: p, value: undefined, kind: 'container' });
    }
  }
}

function walkValue(v: unknown, field: FieldSpec | undefined, path: FieldPath, out: Visited[]): void {
  if (Array.isArray(v)) {
    const type = field?.list?.ssa ?? 'atomic';
    const keys = type === 'map' ? v.map((x) => itemKey(x, field)) : [];
    if (type === 'atomic' || v.length === 0 || keys.some((k) => k === undefined) || (type === 'set' && v.some((x) => isObject(x) || Array.isArray(x)))) {
      out.push({ path, value: v, kind: 'leaf' });
      return;
    }
    v.forEach((item, i) => {
      if (type === 'set') {
        out.push({ path: [...path, valuePE(item)], value: item, kind: 'leaf' });
        return;
      }
      const p = [...path, keyPE(keys[i] as Record<string, unknown>)];
      out.push({ path: p, value: undefined, kind: 'item' });
      walkObject(item as JsonObject, structOf(field), p, out, false);
    });
    return;
  }
  if (isObject(v) && !field?.atomic) walkObject(v, structOf(field), path, out, false);
  else out.push({ path, value: v, kind: 'leaf' });
}

function visit(gvk: GVK, obj: unknown, containers = false): Visited[] {
  const out: Visited[] = [];
  if (isObject(obj)) walkObject(obj, rootStruct(gvk), [], out, true);
  return containers ? out : out.filter((x) => x.kind !== 'container');
}

/** The set of fields `obj` sets (server-managed metadata excluded). */
export function computeFieldSet(gvk: GVK, obj: unknown): FieldSet {
  return FieldSet.of(visit(gvk, obj).map((x) => x.path));
}

/** Restrict a set to what a write through `subresource` may own (status for `status`, everything else otherwise). */
export function scopeToSubresource(set: FieldSet, subresource: string | undefined): FieldSet {
  const isStatus = (p: FieldPath): boolean => p[0] === 'f:status';
  return set.filter((p) => (subresource === 'status' ? isStatus(p) : !isStatus(p)));
}

export interface Comparison {
  added: FieldSet;
  removed: FieldSet;
  modified: FieldSet;
}

/**
 * Field-level difference between two objects. Like structured-merge-diff comparing typed objects,
 * a map/list field that appears (or disappears) is itself added (removed), unless the Go type
 * always serializes it (schema `present`).
 */
export function compareObjects(gvk: GVK, a: unknown, b: unknown): Comparison {
  const key = (p: FieldPath): string => p.join('\u0000');
  const ma = new Map(visit(gvk, a, true).map((x) => [key(x.path), x]));
  const mb = new Map(visit(gvk, b, true).map((x) => [key(x.path), x]));
  const added: FieldPath[] = [];
  const removed: FieldPath[] = [];
  const modified: FieldPath[] = [];
  for (const [k, x] of mb) {
    const y = ma.get(k);
    if (!y) added.push(x.path);
    else if (x.kind === 'leaf' && y.kind === 'leaf' && !deepEqual(x.value, y.value)) modified.push(x.path);
  }
  for (const [k, y] of ma) if (!mb.has(k)) removed.push(y.path);
  return { added: FieldSet.of(added), removed: FieldSet.of(removed), modified: FieldSet.of(modified) };
}

/** One decoded managedFields entry. */
export interface Manager {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time?: string;
  subresource?: string;
  set: FieldSet;
}

/** Identity of a manager: Apply entries ignore apiVersion, Update entries include it. */
export function managerId(m: Pick<Manager, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  return JSON.stringify([m.manager, m.operation, m.operation === 'Apply' ? '' : m.apiVersion, m.subresource ?? '']);
}

/** Decode metadata.managedFields; entries with the same identity are merged. */
export function decodeManagedFields(entries: readonly ManagedFieldsEntry[] | undefined): Map<string, Manager> {
  const out = new Map<string, Manager>();
  for (const e of entries ?? []) {
    const m: Manager = {
      manager: e.manager ?? '',
      operation: e.operation === 'Apply' ? 'Apply' : 'Update',
      apiVersion: e.apiVersion ?? '',
      set: FieldSet.fromFieldsV1(e.fieldsV1 ?? {}),
    };
    if (e.time) m.time = e.time;
    if (e.subresource) m.subresource = e.subresource;
    const id = managerId(m);
    const prev = out.get(id);
    out.set(id, prev ? { ...prev, set: prev.set.union(m.set), time: [prev.time, m.time].filter(Boolean).sort().pop() } : m);
  }
  return out;
}

/** Encode managers (empty ones dropped), sorted like upstream: operation, time, manager, apiVersion, subresource. */
export function encodeManagedFields(managers: Iterable<Manager>): ManagedFieldsEntry[] {
  const list = [...managers].filter((m) => !m.set.isEmpty());
  const secs = (t?: string): number => (t ? Math.floor(Date.parse(t) / 1000) || 0 : 0);
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  list.sort(
    (p, q) =>
      cmp(p.operation, q.operation) ||
      secs(p.time) - secs(q.time) ||
      cmp(p.manager, q.manager) ||
      cmp(p.apiVersion, q.apiVersion) ||
      cmp(p.subresource ?? '', q.subresource ?? ''),
  );
  return list.map((m) => {
    const e: ManagedFieldsEntry = { manager: m.manager, operation: m.operation, apiVersion: m.apiVersion };
    if (m.time) e.time = m.time;
    e.fieldsType = 'FieldsV1';
    e.fieldsV1 = m.set.toFieldsV1();
    if (m.subresource) e.subresource = m.subresource;
    return e;
  });
}

/** apiVersion string of an object (falls back to the GVK). */
export function objectApiVersion(gvk: GVK, obj: KubeObject | undefined): string {
  return obj?.apiVersion || (gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version);
}
