// A fast path of recordUpdate (apply.ts) for the commonest update: the write changes only
// values of fields that the writing manager alone owns already (a node renewing its Lease's
// renewTime, a kubelet rewriting pod conditions). Upstream, such an update leaves every
// field set as it is and only moves the writer's `time`. The general algorithm (walk both
// objects into tries, diff them, decode every FieldsV1 into a FieldSet, take ownership,
// encode again) gives that too; this path finds the changed leaves with one parallel walk of
// both objects, checks ownership directly on the FieldsV1 objects and re-sorts the entries.
// Anything it is not sure about (fields added or removed, lists whose items change
// identity, odd managedFields) returns undefined and the general algorithm runs. The results
// are identical (managedfields.equiv.test.ts compares both on many shapes).
import type { GVK, KubeObject, ManagedFieldsEntry } from '../../api/types.js';
import { fieldPE, keyPE, type PathElement } from './fieldpath.js';
import { deepEqual, isObject, type JsonObject } from './json.js';
import { compareManagers, isCanonicalFieldsV1, itemKey, STRIPPED_META } from './managedfields.js';
import { fieldOf, rootStruct, structOf, type FieldSpec, type StructSpec } from './patchmeta.js';

/** Thrown (and caught below) when the walk meets something only the general algorithm handles. */
const BAIL = Symbol('bail');

const own = (o: JsonObject, k: string): unknown => (Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined);

const isScalar = (v: unknown): boolean => v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/** Empty as the field walk with dropUndefined sees it (only undefined members). */
function isEmptyDU(o: JsonObject): boolean {
  for (const k in o) if (Object.prototype.hasOwnProperty.call(o, k) && o[k] !== undefined) return false;
  return true;
}

type ItemKey = Record<string, unknown>;

/** keyPE(a) === keyPE(b), for two keys of items of the same list. */
function sameKey(a: ItemKey, b: ItemKey): boolean {
  for (const k in a) {
    const x = a[k];
    const y = b[k];
    if (x === y) continue;
    if ((typeof x === 'object' && x !== null) || (typeof y === 'object' && y !== null)) return keyPE(a) === keyPE(b);
    return false;
  }
  return true;
}

class LeafDiff {
  /** changed leaf paths (each a member of compareObjects' `modified`; nothing added or removed) */
  readonly changed: PathElement[][] = [];
  /** the walk's position: field elements, and list item keys (made elements when a leaf is reported) */
  private readonly path: (PathElement | ItemKey)[] = [];

  constructor(private readonly subresource: string | undefined) {}

  /** Walk two top-level objects (the scoped comparison of recordUpdate). */
  top(a: JsonObject, b: JsonObject, s: StructSpec | undefined): void {
    this.object(a, b, s, undefined, true);
  }

  /** In scope at the top: status alone for the status subresource, all but status otherwise. */
  private skipTop(k: string): boolean {
    return k === 'apiVersion' || k === 'kind' || (k === 'status') !== (this.subresource === 'status');
  }

  private object(a: JsonObject, b: JsonObject, s: StructSpec | undefined, skip: ReadonlySet<string> | undefined, top = false): void {
    // b has no member a lacks when the members defined on both sides are all of b's: b[k]
    // may find an inherited property, but that is not a JSON value and gives up in value()
    let both = 0;
    for (const k of Object.keys(a)) {
      if (top ? this.skipTop(k) : skip?.has(k)) continue;
      if (k === '__proto__') throw BAIL;
      const va = a[k];
      if (va === undefined) continue;
      const vb = b[k];
      if (vb === undefined) throw BAIL; // removed
      both++;
      if (va !== vb) this.member(k, va, vb, s, top);
    }
    for (const k of Object.keys(b)) {
      if (top ? this.skipTop(k) : skip?.has(k)) continue;
      if (k === '__proto__') throw BAIL;
      if (b[k] !== undefined) both--;
    }
    if (both !== 0) throw BAIL; // added
  }

  /** Two different defined values of member k. */
  private member(k: string, va: unknown, vb: unknown, s: StructSpec | undefined, top: boolean): void {
    const field = fieldOf(s, k);
    this.path.push(fieldPE(k));
    if (top && k === 'metadata') {
      if (!isObject(va) || !isObject(vb)) throw BAIL;
      this.object(va, vb, structOf(field), STRIPPED_META);
    } else {
      this.value(va, vb, field);
    }
    this.path.pop();
  }

  private readonly keyPEs = new Map<ItemKey, PathElement>();

  private leaf(): void {
    this.changed.push(
      this.path.map((pe) => {
        if (typeof pe === 'string') return pe;
        let k = this.keyPEs.get(pe);
        if (k === undefined) this.keyPEs.set(pe, (k = keyPE(pe)));
        return k;
      }),
    );
  }

  /** Equal values report nothing; any other difference is the general algorithm's. */
  private sameOrBail(va: unknown, vb: unknown): void {
    if (!deepEqual(va, vb)) throw BAIL;
  }

  private value(va: unknown, vb: unknown, field: FieldSpec | undefined): void {
    if (isScalar(va) || isScalar(vb)) {
      if (!isScalar(va) || !isScalar(vb)) throw BAIL;
      if (va !== vb) this.leaf();
      return;
    }
    if (Array.isArray(va) || Array.isArray(vb)) {
      if (!Array.isArray(va) || !Array.isArray(vb)) throw BAIL;
      const type = field?.list?.ssa ?? 'atomic';
      if (type === 'atomic') {
        if (!deepEqual(va, vb)) this.leaf();
        return;
      }
      if (type !== 'map' || va.length !== vb.length || va.length === 0) return this.sameOrBail(va, vb);
      // the same items (by key) in the same order, each key once
      const keys: ItemKey[] = [];
      for (let i = 0; i < va.length; i++) {
        const ka = itemKey(va[i], field);
        const kb = itemKey(vb[i], field);
        if (ka === undefined || kb === undefined || !sameKey(ka, kb)) return this.sameOrBail(va, vb);
        keys.push(ka);
      }
      if (keys.length > 16) {
        if (new Set(keys.map(keyPE)).size !== keys.length) return this.sameOrBail(va, vb);
      } else {
        for (let i = 1; i < keys.length; i++) for (let j = 0; j < i; j++) if (sameKey(keys[i]!, keys[j]!)) return this.sameOrBail(va, vb);
      }
      const s = structOf(field);
      for (let i = 0; i < va.length; i++) {
        this.path.push(keys[i]!);
        this.object(va[i] as JsonObject, vb[i] as JsonObject, s, undefined);
        this.path.pop();
      }
      return;
    }
    if (!isObject(va) || !isObject(vb)) throw BAIL;
    if (isEmptyDU(va) || isEmptyDU(vb) || field?.atomic) {
      // empty objects are leaves (an empty one against a non-empty one adds or removes fields)
      if (deepEqual(va, vb)) return;
      if (!field?.atomic) throw BAIL;
      this.leaf();
      return;
    }
    this.object(va, vb, structOf(field), undefined);
  }
}

/** True when `path` is a member of the set a (canonical) FieldsV1 object encodes. */
function ownsPath(fieldsV1: JsonObject, path: readonly PathElement[]): boolean {
  let n: unknown = fieldsV1;
  for (const pe of path) {
    n = own(n as JsonObject, pe);
    if (!isObject(n)) return false;
  }
  for (const k in n as JsonObject) if (Object.prototype.hasOwnProperty.call(n, k)) return k === '.' || own(n as JsonObject, '.') !== undefined;
  return true;
}

/** managerId(a) === managerId(b) for entries with string members (Apply ignores apiVersion). */
function sameManager(a: Omit<Entry, 'fieldsV1'>, b: Omit<Entry, 'fieldsV1'>): boolean {
  return a.manager === b.manager && a.operation === b.operation && (a.operation === 'Apply' || a.apiVersion === b.apiVersion) && (a.subresource ?? '') === (b.subresource ?? '');
}

interface Entry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time?: string;
  subresource?: string;
  fieldsV1: JsonObject;
}

/**
 * recordUpdate's result entries for an update of `old` to `updated` by `manager` with prior
 * entries `base`, when the fast path applies; undefined otherwise.
 */
export function ownedUpdateEntries(
  gvk: GVK,
  old: KubeObject,
  updated: KubeObject,
  base: readonly ManagedFieldsEntry[],
  manager: string,
  apiVersion: string,
  now: string,
  subresource: string | undefined,
): ManagedFieldsEntry[] | undefined {
  if (!isObject(old) || !isObject(updated) || base.length === 0) return undefined;
  // cheap checks first: the writer has an entry already (a first write adds one), then the
  // walk (which gives up on added or removed fields), then the rest of the entries
  const selfEntry = { manager, operation: 'Update' as const, apiVersion, subresource: subresource || undefined };
  let hasSelf = false;
  for (const e of base) {
    if (isObject(e) && e.manager === manager && e.operation === 'Update' && e.apiVersion === apiVersion && (e.subresource || undefined) === selfEntry.subresource) hasSelf = true;
  }
  if (!hasSelf) return undefined;
  const diff = new LeafDiff(subresource);
  try {
    diff.top(old as JsonObject, updated as JsonObject, rootStruct(gvk));
  } catch (err) {
    if (err === BAIL) return undefined;
    throw err;
  }
  // the entries must come out of decode+encode as they are (but for the writer's time)
  const entries: Entry[] = [];
  let self: Entry | undefined;
  for (const e of base) {
    if (!isObject(e)) return undefined;
    const raw = e.fieldsV1;
    if (!isObject(raw) || !isCanonicalFieldsV1(raw, true) || isEmptyDU(raw)) return undefined;
    // as decodeManagedFields reads an entry; anything but strings goes the general way
    const em = e.manager ?? '';
    const ev = e.apiVersion ?? '';
    if (typeof em !== 'string' || typeof ev !== 'string') return undefined;
    const m: Entry = { manager: em, operation: e.operation === 'Apply' ? 'Apply' : 'Update', apiVersion: ev, fieldsV1: raw };
    if (e.time) {
      if (typeof e.time !== 'string') return undefined;
      m.time = e.time;
    }
    if (e.subresource) {
      if (typeof e.subresource !== 'string') return undefined;
      m.subresource = e.subresource;
    }
    for (const o of entries) if (sameManager(o, m)) return undefined; // merged by decodeManagedFields
    const mine = sameManager(m, selfEntry);
    if (mine) self = m;
    // each changed field is the writer's, and no one else's
    for (const p of diff.changed) if (ownsPath(raw, p) !== mine) return undefined;
    entries.push(m);
  }
  if (diff.changed.length > 0) {
    if (!self) return undefined;
    if (now) self.time = now;
    else delete self.time;
  }
  entries.sort(compareManagers);
  return entries.map((m) => {
    const e: ManagedFieldsEntry = { manager: m.manager, operation: m.operation, apiVersion: m.apiVersion };
    if (m.time) e.time = m.time;
    e.fieldsType = 'FieldsV1';
    e.fieldsV1 = m.fieldsV1;
    if (m.subresource) e.subresource = m.subresource;
    return e;
  });
}

/** True when a (canonical) FieldsV1 object has a node at `path`: the set has a member at or below it. */
function hasNodeAt(fieldsV1: JsonObject, path: readonly PathElement[]): boolean {
  let n: unknown = fieldsV1;
  for (const pe of path) {
    n = own(n as JsonObject, pe);
    if (!isObject(n)) return false;
  }
  return true;
}

/**
 * recordUpdate's result entries for a write by a manager with no entry yet (a kubelet's first
 * pod status, a controller's first status of a new object) when no other manager loses a
 * field to it: then every other entry stays as it is and the writer's entry holds what it
 * added or changed. `took` and `touched` are takenFieldsV1 of the scoped objects. Undefined
 * when that is not the case (the general algorithm decides).
 */
export function newManagerEntries(
  base: readonly ManagedFieldsEntry[],
  manager: string,
  apiVersion: string,
  now: string,
  subresource: string | undefined,
  diff: () => { took: JsonObject | undefined; touched: PathElement[][] },
): ManagedFieldsEntry[] | undefined {
  if (base.length === 0) return undefined;
  const selfEntry = { manager, operation: 'Update' as const, apiVersion, subresource: subresource || undefined };
  const entries: Entry[] = [];
  for (const e of base) {
    if (!isObject(e)) return undefined;
    const raw = e.fieldsV1;
    if (!isObject(raw) || isEmptyDU(raw)) return undefined;
    const em = e.manager ?? '';
    const ev = e.apiVersion ?? '';
    if (typeof em !== 'string' || typeof ev !== 'string') return undefined;
    const m: Entry = { manager: em, operation: e.operation === 'Apply' ? 'Apply' : 'Update', apiVersion: ev, fieldsV1: raw };
    if (e.time) {
      if (typeof e.time !== 'string') return undefined;
      m.time = e.time;
    }
    if (e.subresource) {
      if (typeof e.subresource !== 'string') return undefined;
      m.subresource = e.subresource;
    }
    if (sameManager(m, selfEntry)) return undefined; // the writer has an entry
    for (const o of entries) if (sameManager(o, m)) return undefined; // merged by decodeManagedFields
    entries.push(m);
  }
  for (const m of entries) if (!isCanonicalFieldsV1(m.fieldsV1, true)) return undefined;
  const { took, touched } = diff();
  for (const m of entries) for (const p of touched) if (hasNodeAt(m.fieldsV1, p)) return undefined;
  if (took) {
    const self: Entry = { manager, operation: 'Update', apiVersion, fieldsV1: took };
    if (now) self.time = now;
    if (subresource) self.subresource = subresource;
    entries.push(self);
  }
  entries.sort(compareManagers);
  return entries.map((m) => {
    const e: ManagedFieldsEntry = { manager: m.manager, operation: m.operation, apiVersion: m.apiVersion };
    if (m.time) e.time = m.time;
    e.fieldsType = 'FieldsV1';
    e.fieldsV1 = m.fieldsV1;
    if (m.subresource) e.subresource = m.subresource;
    return e;
  });
}
