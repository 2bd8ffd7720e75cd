// The original (path-list based) managed-fields algorithm, kept verbatim as the reference the
// optimised implementation in fieldpath.ts / managedfields.ts / apply.ts is tested against
// (managedfields.equiv.test.ts). Not used by the server.
import type { GVK, KubeObject, ManagedFieldsEntry } from '../../api/types.js';
import { comparePE, fieldPE, keyPE, valuePE, type FieldPath, type PathElement } from './fieldpath.js';
import { clone, deepEqual, isObject, type JsonObject } from './json.js';
import { itemKey } from './managedfields.js';
import { fieldOf, rootStruct, structOf, type FieldSpec, type StructSpec } from './patchmeta.js';

interface Node {
  member: boolean;
  children: Map<PathElement, Node>;
}

const newNode = (): Node => ({ member: false, children: new Map() });

export class LegacyFieldSet {
  private readonly root: Node = newNode();
  static of(paths: Iterable<FieldPath>): LegacyFieldSet {
    const s = new LegacyFieldSet();
    for (const p of paths) s.insertMut(p);
    return s;
  }
  private insertMut(path: FieldPath): void {
    if (path.length === 0) return;
    let n = this.root;
    for (const pe of path) {
      let c = n.children.get(pe);
      if (!c) n.children.set(pe, (c = newNode()));
      n = c;
    }
    n.member = true;
  }
  has(path: FieldPath): boolean {
    let n: Node | undefined = this.root;
    for (const pe of path) {
      n = n.children.get(pe);
      if (!n) return false;
    }
    return n.member;
  }
  isEmpty(): boolean {
    return this.root.children.size === 0;
  }
  paths(): FieldPath[] {
    const out: FieldPath[] = [];
    const walk = (n: Node, prefix: PathElement[]): void => {
      for (const pe of [...n.children.keys()].sort(comparePE)) {
        const c = n.children.get(pe) as Node;
        const p = [...prefix, pe];
        if (c.member) out.push(p);
        walk(c, p);
      }
    };
    walk(this.root, []);
    return out;
  }
  union(o: LegacyFieldSet): LegacyFieldSet {
    return LegacyFieldSet.of([...this.paths(), ...o.paths()]);
  }
  difference(o: LegacyFieldSet): LegacyFieldSet {
    return LegacyFieldSet.of(this.paths().filter((p) => !o.has(p)));
  }
  intersection(o: LegacyFieldSet): LegacyFieldSet {
    return LegacyFieldSet.of(this.paths().filter((p) => o.has(p)));
  }
  filter(pred: (p: FieldPath) => boolean): LegacyFieldSet {
    return LegacyFieldSet.of(this.paths().filter(pred));
  }
  toFieldsV1(): JsonObject {
    const enc = (n: Node): JsonObject => {
      const out: JsonObject = {};
      if (n.member && n.children.size > 0) out['.'] = {};
      for (const pe of [...n.children.keys()].sort(comparePE)) out[pe] = enc(n.children.get(pe) as Node);
      return out;
    };
    return enc(this.root);
  }
  static fromFieldsV1(v: unknown): LegacyFieldSet {
    const s = new LegacyFieldSet();
    const dec = (o: unknown, prefix: PathElement[]): void => {
      if (!isObject(o)) return;
      const keys = Object.keys(o);
      if (prefix.length > 0 && (keys.length === 0 || keys.includes('.'))) s.insertMut(prefix);
      for (const k of keys) if (k !== '.') dec(o[k], [...prefix, k]);
    };
    dec(v, []);
    return s;
  }
}

const STRIPPED_META = new Set(['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion']);

interface Visited {
  path: FieldPath;
  value: unknown;
  kind: 'leaf' | 'item' | 'container';
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

export function legacyComputeFieldSet(gvk: GVK, obj: unknown): LegacyFieldSet {
  return LegacyFieldSet.of(visit(gvk, obj).map((x) => x.path));
}

function scope(set: LegacyFieldSet, subresource: string | undefined): LegacyFieldSet {
  const isStatus = (p: FieldPath): boolean => p[0] === 'f:status';
  return set.filter((p) => (subresource === 'status' ? isStatus(p) : !isStatus(p)));
}

interface Cmp {
  added: LegacyFieldSet;
  removed: LegacyFieldSet;
  modified: LegacyFieldSet;
}

export function legacyCompareObjects(gvk: GVK, a: unknown, b: unknown): Cmp {
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
  return { added: LegacyFieldSet.of(added), removed: LegacyFieldSet.of(removed), modified: LegacyFieldSet.of(modified) };
}

interface Manager {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time?: string;
  subresource?: string;
  set: LegacyFieldSet;
}

const managerId = (m: Pick<Manager, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string =>
  JSON.stringify([m.manager, m.operation, m.operation === 'Apply' ? '' : m.apiVersion, m.subresource ?? '']);

function decodeManagedFields(entries: readonly ManagedFieldsEntry[] | undefined): Map<string, Manager> {
  const out = new Map<string, Manager>();
  for (const e of entries ?? []) {
    const m: Manager = { manager: e.manager ?? '', operation: e.operation === 'Apply' ? 'Apply' : 'Update', apiVersion: e.apiVersion ?? '', set: LegacyFieldSet.fromFieldsV1(e.fieldsV1 ?? {}) };
    if (e.time) m.time = e.time;
    if (e.subresource) m.subresource = e.subresource;
    const id = managerId(m);
    const prev = out.get(id);
    out.set(id, prev ? { ...prev, set: prev.set.union(m.set), time: [prev.time, m.time].filter(Boolean).sort().pop() } : m);
  }
  return out;
}

function encodeManagedFields(managers: Iterable<Manager>): ManagedFieldsEntry[] {
  const list = [...managers].filter((m) => !m.set.isEmpty());
  const secs = (t?: string): number => (t ? Math.floor(Date.parse(t) / 1000) || 0 : 0);
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  list.sort((p, q) => cmp(p.operation, q.operation) || secs(p.time) - secs(q.time) || cmp(p.manager, q.manager) || cmp(p.apiVersion, q.apiVersion) || cmp(p.subresource ?? '', q.subresource ?? ''));
  return list.map((m) => {
    const e: ManagedFieldsEntry = { manager: m.manager, operation: m.operation, apiVersion: m.apiVersion };
    if (m.time) e.time = m.time;
    e.fieldsType = 'FieldsV1';
    e.fieldsV1 = m.set.toFieldsV1();
    if (m.subresource) e.subresource = m.subresource;
    return e;
  });
}

function withManagedFields(obj: KubeObject, entries: ManagedFieldsEntry[]): KubeObject {
  const out = clone(obj);
  out.metadata = { ...out.metadata };
  if (entries.length > 0) out.metadata.managedFields = entries;
  else delete out.metadata.managedFields;
  return out;
}

export function legacyRecordUpdate(args: { gvk: GVK; old: KubeObject | undefined; updated: KubeObject; manager: string; now: string; subresource?: string }): KubeObject {
  const { gvk, old, updated, manager, now, subresource } = args;
  const oldEntries = old?.metadata?.managedFields;
  const newEntries = updated.metadata?.managedFields;
  if (Array.isArray(newEntries) && newEntries.length === 0 && (oldEntries?.length ?? 0) > 0) return withManagedFields(updated, []);
  const base = Array.isArray(newEntries) && newEntries.length > 0 && !deepEqual(newEntries, oldEntries) ? newEntries : oldEntries;
  const managers = decodeManagedFields(base);
  const strip = (o: KubeObject | undefined): JsonObject | undefined => {
    if (!o) return undefined;
    const c = clone(o) as JsonObject;
    if (isObject(c.metadata)) delete c.metadata.managedFields;
    return c;
  };
  const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
  const av = updated.apiVersion || apiVersion;
  const c = legacyCompareObjects(gvk, strip(old) ?? {}, strip(updated));
  const cmp = { added: scope(c.added, subresource), removed: scope(c.removed, subresource), modified: scope(c.modified, subresource) };
  const selfKey = managerId({ manager, operation: 'Update', apiVersion: av, subresource });
  const changed = cmp.modified.union(cmp.added);
  for (const [id, m] of managers) {
    const next = m.set.difference(changed).difference(cmp.removed);
    if (next.isEmpty()) managers.delete(id);
    else managers.set(id, { ...m, set: next });
  }
  if (!changed.isEmpty()) {
    const kept = managers.get(selfKey)?.set ?? new LegacyFieldSet();
    const m: Manager = { manager, operation: 'Update', apiVersion: av, time: now, set: kept.union(changed) };
    if (subresource) m.subresource = subresource;
    managers.set(selfKey, m);
  }
  return withManagedFields(updated, encodeManagedFields(managers.values()));
}
