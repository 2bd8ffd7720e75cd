// Field ownership bookkeeping: which fields an object sets (with list items identified the way
// server-side apply does), comparison of two objects, and metadata.managedFields (de)coding.
import type { GVK, KubeObject, ManagedFieldsEntry } from '../../api/types.js';
import { comparePE, FieldSet, fieldPE, keyPE, newNode, structFieldPE, valuePE, type Node, type PathElement } from './fieldpath.js';
import { deepEqual, isObject, type JsonObject } from './json.js';
import { fieldOf, rootStruct, structOf, type FieldSpec, type StructSpec } from './patchmeta.js';

/** metadata fields never tracked (stripped by the server's field manager). */
export const STRIPPED_META: ReadonlySet<string> = new Set(['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion']);

/**
 * What a walk of an object records per path, as a trie. `visited` paths are the ones the field
 * walk reports; for a path reported more than once the last report's kind and value count.
 */
interface VNode {
  visited: boolean;
  /** 'leaf' values are compared; 'item' marks an associative-list item; 'container' a non-leaf map/list field. */
  kind: 'leaf' | 'item' | 'container';
  value: unknown;
  /** reported at least once as something other than a container */
  owned: boolean;
  /** children: path elements and nodes in parallel (cheaper than a Map for the usual few) */
  pes: PathElement[] | undefined;
  kids: VNode[] | undefined;
  /** pes -> position, built once there are many children */
  index: Map<PathElement, number> | undefined;
}

const newVNode = (): VNode => ({ visited: false, kind: 'leaf', value: undefined, owned: false, pes: undefined, kids: undefined, index: undefined });
const INDEX_FROM = 16;

function findChild(n: VNode, pe: PathElement): VNode | undefined {
  const pes = n.pes;
  if (!pes) return undefined;
  if (n.index) {
    const i = n.index.get(pe);
    return i === undefined ? undefined : n.kids![i];
  }
  const i = pes.indexOf(pe);
  return i < 0 ? undefined : n.kids![i];
}

/** The child at `pe`, created when missing. `fresh`: the caller knows it is missing. */
function childOf(n: VNode, pe: PathElement, fresh = false): VNode {
  if (!fresh) {
    const c = findChild(n, pe);
    if (c) return c;
  }
  const c = newVNode();
  if (!n.pes) {
    n.pes = [pe];
    n.kids = [c];
    return c;
  }
  n.pes.push(pe);
  n.kids!.push(c);
  if (n.index) n.index.set(pe, n.pes.length - 1);
  else if (n.pes.length >= INDEX_FROM) n.index = new Map(n.pes.map((p, i) => [p, i]));
  return c;
}

function mark(n: VNode, kind: VNode['kind'], value: unknown): void {
  n.visited = true;
  n.kind = kind;
  n.value = value;
  if (kind !== 'container') n.owned = true;
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

class Walker {
  /** dropUndefined: walk the object as its clone() would be walked (objects with only undefined members are empty). */
  constructor(private readonly dropUndefined: boolean) {}

  private isEmpty(o: JsonObject): boolean {
    for (const k in o) {
      if (!Object.prototype.hasOwnProperty.call(o, k)) continue;
      if (!this.dropUndefined || o[k] !== undefined) return false;
    }
    return true;
  }

  object(o: JsonObject, s: StructSpec | undefined, node: VNode, top: boolean, skip?: ReadonlySet<string>): void {
    // an object's keys are distinct: a node walked for the first time gets new children only
    const fresh = node.pes === undefined;
    for (const k of Object.keys(o)) {
      const v = o[k];
      if (v === undefined) continue;
      if (skip?.has(k)) continue;
      if (top && (k === 'apiVersion' || k === 'kind')) continue;
      const field = fieldOf(s, k);
      const c = childOf(node, s !== undefined ? structFieldPE(k) : fieldPE(k), fresh);
      if (top && k === 'metadata' && isObject(v)) {
        this.object(v, structOf(field), c, false, STRIPPED_META);
        continue;
      }
      if (v === null || (isObject(v) && this.isEmpty(v))) mark(c, 'leaf', v);
      else {
        const isLeaf = this.value(v, field, c);
        const present = field?.present || field?.type === 'ObjectMeta' || (top && k === 'metadata');
        if (!isLeaf && !present) mark(c, 'container', undefined);
      }
    }
  }

  /** Walks a non-null value at `node`; true when the value itself is reported as a leaf. */
  value(v: unknown, field: FieldSpec | undefined, node: VNode): boolean {
    if (Array.isArray(v)) {
      const type = field?.list?.ssa ?? 'atomic';
      if (type === 'atomic' || v.length === 0) {
        mark(node, 'leaf', v);
        return true;
      }
      if (type === 'set') {
        for (const x of v) {
          if (isObject(x) || Array.isArray(x)) {
            mark(node, 'leaf', v);
            return true;
          }
        }
        for (const item of v) mark(childOf(node, valuePE(item)), 'leaf', item);
        return false;
      }
      const keys = v.map((x) => itemKey(x, field));
      if (keys.some((k) => k === undefined)) {
        mark(node, 'leaf', v);
        return true;
      }
      const s = structOf(field);
      for (let i = 0; i < v.length; i++) {
        const c = childOf(node, keyPE(keys[i] as Record<string, unknown>));
        mark(c, 'item', undefined);
        this.object(v[i] as JsonObject, s, c, false);
      }
      return false;
    }
    if (isObject(v) && !field?.atomic) {
      this.object(v, structOf(field), node, false);
      return false;
    }
    mark(node, 'leaf', v);
    return true;
  }
}

function visit(gvk: GVK, obj: unknown, dropUndefined = false): VNode {
  const root = newVNode();
  if (isObject(obj)) new Walker(dropUndefined).object(obj, rootStruct(gvk), root, true);
  return root;
}

/** FieldSet trie of the reported paths selected by `pick`. */
function toSet(v: VNode, pick: (n: VNode) => boolean): Node | undefined {
  const out = newNode();
  out.member = v.visited && pick(v);
  if (v.pes) {
    for (let i = 0; i < v.pes.length; i++) {
      const r = toSet(v.kids![i]!, pick);
      if (r) out.children.set(v.pes[i]!, r);
    }
  }
  return out.member || out.children.size > 0 ? out : undefined;
}

/** The set of fields `obj` sets (server-managed metadata excluded). */
export function computeFieldSet(gvk: GVK, obj: unknown): FieldSet {
  return FieldSet.fromRoot(toSet(visit(gvk, obj), (n) => n.owned) ?? newNode());
}

/** Restrict a set to what a write through `subresource` may own (status for `status`, everything else otherwise). */
export function scopeToSubresource(set: FieldSet, subresource: string | undefined): FieldSet {
  return set.scopeTop('f:status', subresource === 'status');
}

export interface Comparison {
  added: FieldSet;
  removed: FieldSet;
  modified: FieldSet;
}

interface Diff {
  added: Node;
  removed: Node;
  modified: Node;
}

const nonEmpty = (n: Node): boolean => n.member || n.children.size > 0;

function diffInto(a: VNode | undefined, b: VNode | undefined, out: Diff): void {
  const av = a?.visited === true;
  const bv = b?.visited === true;
  if (bv && !av) out.added.member = true;
  else if (bv && av && a!.kind === 'leaf' && b!.kind === 'leaf' && !deepEqual(b!.value, a!.value)) out.modified.member = true;
  if (av && !bv) out.removed.member = true;
  const visitChild = (pe: PathElement, ac: VNode | undefined, bc: VNode | undefined): void => {
    // one-sided subtrees are wholly added (removed)
    if (!ac || !bc) {
      const r = toSet((ac ?? bc)!, () => true);
      if (r) (ac ? out.removed : out.added).children.set(pe, r);
      return;
    }
    const d: Diff = { added: newNode(), removed: newNode(), modified: newNode() };
    diffInto(ac, bc, d);
    if (nonEmpty(d.added)) out.added.children.set(pe, d.added);
    if (nonEmpty(d.removed)) out.removed.children.set(pe, d.removed);
    if (nonEmpty(d.modified)) out.modified.children.set(pe, d.modified);
  };
  if (b?.pes) for (let i = 0; i < b.pes.length; i++) visitChild(b.pes[i]!, a && findChild(a, b.pes[i]!), b.kids![i]);
  if (a?.pes) for (let i = 0; i < a.pes.length; i++) if (!b || !findChild(b, a.pes[i]!)) visitChild(a.pes[i]!, a.kids![i], undefined);
}

/**
 * Field-level difference between two objects. Like structured-merge-diff comparing typed objects,
 * a map/list field that appears (or disappears) is itself added (removed), unless the Go type
 * always serializes it (schema `present`). With `dropUndefined` both objects are read as their
 * clone() would be (see json.ts).
 */
export function compareObjects(gvk: GVK, a: unknown, b: unknown, dropUndefined = false): Comparison {
  const out: Diff = { added: newNode(), removed: newNode(), modified: newNode() };
  diffInto(visit(gvk, a, dropUndefined), visit(gvk, b, dropUndefined), out);
  return { added: FieldSet.fromRoot(out.added), removed: FieldSet.fromRoot(out.removed), modified: FieldSet.fromRoot(out.modified) };
}

/** FieldsV1 JSON text of the visited paths below `v` (status excluded at the root); '' when empty. */
function encodeVisited(v: VNode, root: boolean): string {
  let out = '';
  if (v.pes) {
    const pes = v.pes;
    const order = pes.map((_, i) => i);
    if (order.length > 1) order.sort((x, y) => comparePE(pes[x]!, pes[y]!));
    for (const i of order) {
      const pe = pes[i]!;
      if (root && pe === 'f:status') continue;
      const c = encodeVisited(v.kids![i]!, false);
      if (!c) continue;
      out += (out ? ',' : v.visited ? '".":{},' : '') + JSON.stringify(pe) + ':' + c;
    }
  }
  return out || v.visited ? `{${out}}` : '';
}

/**
 * FieldsV1 an Update by a new manager records when `obj` is created: the fields added
 * compared with nothing, outside status, each object read as its clone() would be.
 * Same as scopeToSubresource(compareObjects(gvk, {}, obj, true).added, undefined).toFieldsV1().
 */
export function createdFieldsV1(gvk: GVK, obj: unknown): JsonObject | undefined {
  const root = visit(gvk, obj, true);
  root.visited = false;
  const text = encodeVisited(root, true);
  // built as text and parsed once: much cheaper than adding thousands of computed keys
  return text ? (JSON.parse(text) as JsonObject) : undefined;
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

/**
 * The FieldsV1 a set was decoded from. Sets are immutable and every change makes a new one,
 * so a set found here is unchanged since decoding, and when its FieldsV1 is already in the
 * canonical form (what toFieldsV1 gives) encoding can return that object as it is.
 */
const decodedFrom = new WeakMap<FieldSet, JsonObject>();

/** True when toFieldsV1(fromFieldsV1(o)) would be a copy of o, members in the same order. */
export function isCanonicalFieldsV1(o: JsonObject, root: boolean): boolean {
  let prev: string | undefined;
  let first = true;
  let children = 0;
  let dot = false;
  for (const k in o) {
    if (!Object.prototype.hasOwnProperty.call(o, k)) return false;
    const v = o[k];
    if (!isObject(v)) return false;
    if (k === '.') {
      // '.' marks a member with children: first, empty, never at the root
      if (root || !first) return false;
      for (const _ in v) return false;
      dot = true;
    } else {
      if (k === '__proto__') return false;
      if (prev !== undefined) {
        // comparePE, with the usual case (same kind of element, not an index) inline
        const c = prev.charCodeAt(0);
        if (c === k.charCodeAt(0) && c !== 0x69) {
          if (prev > k) return false;
        } else if (comparePE(prev, k) > 0) return false;
      }
      if (!isCanonicalFieldsV1(v, false)) return false;
      prev = k;
      children++;
    }
    first = false;
  }
  return !dot || children > 0;
}

/** Decode metadata.managedFields; entries with the same identity are merged. */
export function decodeManagedFields(entries: readonly ManagedFieldsEntry[] | undefined): Map<string, Manager> {
  const out = new Map<string, Manager>();
  for (const e of entries ?? []) {
    const set = FieldSet.fromFieldsV1(e.fieldsV1 ?? {});
    if (isObject(e.fieldsV1)) decodedFrom.set(set, e.fieldsV1);
    const m: Manager = {
      manager: e.manager ?? '',
      operation: e.operation === 'Apply' ? 'Apply' : 'Update',
      apiVersion: e.apiVersion ?? '',
      set,
    };
    if (e.time) m.time = e.time;
    if (e.subresource) m.subresource = e.subresource;
    const id = managerId(m);
    const prev = out.get(id);
    out.set(id, prev ? { ...prev, set: prev.set.union(m.set), time: [prev.time, m.time].filter(Boolean).sort().pop() } : m);
  }
  return out;
}

const secs = (t?: string): number => (t ? Math.floor(Date.parse(t) / 1000) || 0 : 0);
const cmpStr = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The order of managedFields entries (see encodeManagedFields). */
export function compareManagers(p: Omit<Manager, 'set'>, q: Omit<Manager, 'set'>): number {
  return (
    cmpStr(p.operation, q.operation) ||
    secs(p.time) - secs(q.time) ||
    cmpStr(p.manager, q.manager) ||
    cmpStr(p.apiVersion, q.apiVersion) ||
    cmpStr(p.subresource ?? '', q.subresource ?? '')
  );
}

/** Encode managers (empty ones dropped), sorted like upstream: operation, time, manager, apiVersion, subresource. */
export function encodeManagedFields(managers: Iterable<Manager>): ManagedFieldsEntry[] {
  const list = [...managers].filter((m) => !m.set.isEmpty());
  list.sort(compareManagers);
  return list.map((m) => {
    const e: ManagedFieldsEntry = { manager: m.manager, operation: m.operation, apiVersion: m.apiVersion };
    if (m.time) e.time = m.time;
    e.fieldsType = 'FieldsV1';
    const raw = decodedFrom.get(m.set);
    e.fieldsV1 = raw !== undefined && isCanonicalFieldsV1(raw, true) ? raw : m.set.toFieldsV1();
    if (m.subresource) e.subresource = m.subresource;
    return e;
  });
}

/** apiVersion string of an object (falls back to the GVK). */
export function objectApiVersion(gvk: GVK, obj: KubeObject | undefined): string {
  return obj?.apiVersion || (gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version);
}

/** FieldsV1 object of the visited paths below `v` (encodeVisited, as an object); undefined when empty. */
function visitedObject(v: VNode): JsonObject | undefined {
  let parts: [PathElement, JsonObject][] | undefined;
  if (v.pes) {
    for (let i = 0; i < v.pes.length; i++) {
      const c = visitedObject(v.kids![i]!);
      if (c) (parts ??= []).push([v.pes[i]!, c]);
    }
  }
  return fieldsV1Node(v.visited, parts);
}

/** A FieldsV1 node: '.' when a member with children, then the children in comparePE order. */
function fieldsV1Node(member: boolean, parts: [PathElement, JsonObject][] | undefined): JsonObject | undefined {
  if (!parts) return member ? {} : undefined;
  if (parts.length > 1) parts.sort((p, q) => comparePE(p[0], q[0]));
  const out: JsonObject = {};
  if (member) out['.'] = {};
  for (const [pe, o] of parts) out[pe] = o;
  return out;
}

/**
 * For a write by a manager that owns nothing yet (recordUpdate's general algorithm with no
 * entry of its own): the FieldsV1 of what it takes (compareObjects' added ∪ modified, as
 * toFieldsV1 encodes it; undefined when nothing) and every path where the write adds,
 * modifies or removes something (a one-sided subtree is given by its root): when no other
 * manager has a node at any of those paths, none of them loses a field. `a` and `b` are the
 * scoped objects recordUpdate compares (with dropUndefined), so this is that comparison in one
 * walk of the two tries, without building the three FieldSets.
 */
export function takenFieldsV1(gvk: GVK, a: unknown, b: unknown): { took: JsonObject | undefined; touched: PathElement[][] } {
  const touched: PathElement[][] = [];
  const path: PathElement[] = [];
  const walk = (x: VNode | undefined, y: VNode | undefined): JsonObject | undefined => {
    const xv = x?.visited === true;
    const yv = y?.visited === true;
    const member = (yv && !xv) || (yv && xv && x!.kind === 'leaf' && y!.kind === 'leaf' && !deepEqual(y!.value, x!.value));
    if (member || (xv && !yv)) touched.push(path.slice());
    let parts: [PathElement, JsonObject][] | undefined;
    if (y?.pes) {
      for (let i = 0; i < y.pes.length; i++) {
        const pe = y.pes[i]!;
        const yc = y.kids![i]!;
        const xc = x && findChild(x, pe);
        path.push(pe);
        let t: JsonObject | undefined;
        if (!xc) {
          touched.push(path.slice());
          t = visitedObject(yc);
        } else t = walk(xc, yc);
        path.pop();
        if (t) (parts ??= []).push([pe, t]);
      }
    }
    if (x?.pes) {
      for (let i = 0; i < x.pes.length; i++) {
        if (y && findChild(y, x.pes[i]!)) continue;
        touched.push([...path, x.pes[i]!]); // removed subtree
      }
    }
    return fieldsV1Node(member, parts);
  };
  return { took: walk(visit(gvk, a, true), visit(gvk, b, true)), touched };
}
