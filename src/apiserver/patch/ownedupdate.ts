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
import { compareManagers, isCanonicalFieldsV1, itemKey, managerId, STRIPPED_META } from './managedfields.js';
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

class LeafDiff {
  /** changed leaf paths (each a member of compareObjects' `modified`; nothing added or removed) */
  readonly changed: PathElement[][] = [];
  private readonly path: PathElement[] = [];

  constructor(private readonly subresource: string | undefined) {}

  /** Walk two top-level objects (the scoped comparison of recordUpdate). */
  top(a: JsonObject, b: JsonObject, s: StructSpec | undefined): void {
    const status = this.subresource === 'status';
    for (const k of Object.keys(a)) {
      if (k === 'apiVersion' || k === 'kind' || (k === 'status') !== status) continue;
      this.member(k, a[k], own(b, k), s, true);
    }
    for (const k of Object.keys(b)) {
      if (k === 'apiVersion' || k === 'kind' || (k === 'status') !== status) continue;
      if (own(a, k) === undefined && b[k] !== undefined) throw BAIL;
    }
  }

  private object(a: JsonObject, b: JsonObject, s: StructSpec | undefined, skip: ReadonlySet<string> | undefined): void {
    for (const k of Object.keys(a)) {
      if (skip?.has(k)) continue;
      this.member(k, a[k], own(b, k), s, false);
    }
    for (const k of Object.keys(b)) {
      if (skip?.has(k)) continue;
      if (own(a, k) === undefined && b[k] !== undefined) throw BAIL;
    }
  }

  private member(k: string, va: unknown, vb: unknown, s: StructSpec | undefined, top: boolean): void {
    if (k === '__proto__') throw BAIL;
    if (va === undefined && vb === undefined) return;
    if (va === undefined || vb === undefined) throw BAIL; // added or removed
    if (va === vb) return; // the same value (or the same object): nothing differs below
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

  private leaf(): void {
    this.changed.push([...this.path]);
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
      if (deepEqual(va, vb)) return;
      if (type !== 'map' || va.length !== vb.length || va.length === 0) throw BAIL;
      const seen = new Set<string>();
      const pes: string[] = [];
      for (let i = 0; i < va.length; i++) {
        const ka = itemKey(va[i], field);
        const kb = itemKey(vb[i], field);
        if (ka === undefined || kb === undefined) throw BAIL;
        const pe = keyPE(ka);
        if (pe !== keyPE(kb) || seen.has(pe)) throw BAIL;
        seen.add(pe);
        pes.push(pe);
      }
      const s = structOf(field);
      for (let i = 0; i < va.length; i++) {
        this.path.push(pes[i]!);
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
  // the entries must come out of decode+encode as they are (but for the writer's time)
  const entries: Entry[] = [];
  const ids = new Set<string>();
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
    const id = managerId(m);
    if (ids.has(id)) return undefined;
    ids.add(id);
    entries.push(m);
  }
  const diff = new LeafDiff(subresource);
  try {
    diff.top(old as JsonObject, updated as JsonObject, rootStruct(gvk));
  } catch (err) {
    if (err === BAIL) return undefined;
    throw err;
  }
  if (diff.changed.length > 0) {
    const selfId = managerId({ manager, operation: 'Update', apiVersion, subresource });
    let self: Entry | undefined;
    for (const m of entries) {
      const mine = managerId(m) === selfId;
      if (mine) self = m;
      for (const p of diff.changed) if (ownsPath(m.fieldsV1, p) !== mine) return undefined;
    }
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
