// Server-side apply and Update-operation ownership tracking (metadata.managedFields),
// following k8s.io/apiserver's field manager and structured-merge-diff semantics.
import { ApiError } from '../../api/errors.js';
import type { GVK, KubeObject, ManagedFieldsEntry, StatusCause } from '../../api/types.js';
import { FieldSet, pathToString, type FieldPath } from './fieldpath.js';
import { clone, deepEqual, isObject, sortedJson, type JsonObject } from './json.js';
import {
  compareObjects,
  computeFieldSet,
  decodeManagedFields,
  encodeManagedFields,
  managerId,
  objectApiVersion,
  scopeToSubresource,
  takenFieldsV1,
  type Comparison,
  type Manager,
} from './managedfields.js';
import { mergeApplied, pruneDropped } from './ssamerge.js';
import { createdFieldsV1 } from './createfields.js';
import { newManagerEntries, ownedUpdateEntries } from './ownedupdate.js';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const BEFORE_FIRST_APPLY = 'before-first-apply';

export interface ApplyArgs {
  gvk: GVK;
  live: KubeObject | undefined;
  applied: KubeObject;
  manager: string;
  force: boolean;
  now: string;
  subresource?: string;
}

export interface UpdateArgs {
  gvk: GVK;
  old: KubeObject | undefined;
  updated: KubeObject;
  manager: string;
  now: string;
  subresource?: string;
  /** skip the fast path of ownedupdate.ts (tests compare both) */
  general?: boolean;
}

interface Conflict {
  manager: Manager;
  path: FieldPath;
}

/** How upstream names a manager in conflict messages. */
function printManager(m: Manager): string {
  let s = JSON.stringify(m.manager);
  if (m.subresource) s += ` with subresource ${JSON.stringify(m.subresource)}`;
  if (m.operation === 'Update') s += ` using ${m.apiVersion}`;
  return s;
}

/** 409 Conflict in kube-apiserver's wording. */
export function conflictError(conflicts: readonly { manager: Manager; path: FieldPath }[]): ApiError {
  const sorted = [...conflicts].sort((a, b) => (a.manager.manager < b.manager.manager ? -1 : a.manager.manager > b.manager.manager ? 1 : 0));
  const causes: StatusCause[] = sorted.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${printManager(c.manager)}`, field: pathToString(c.path) }));
  let message: string;
  if (sorted.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${printManager(sorted[0].manager)}: ${pathToString(sorted[0].path)}`;
  } else {
    const byManager = new Map<string, { m: Manager; paths: FieldPath[] }>();
    for (const c of sorted) {
      const id = printManager(c.manager);
      const e = byManager.get(id) ?? { m: c.manager, paths: [] };
      e.paths.push(c.path);
      byManager.set(id, e);
    }
    const lines: string[] = [];
    for (const { m, paths } of byManager.values()) {
      lines.push(`conflicts with ${printManager(m)}:`);
      for (const p of paths) lines.push(`- ${pathToString(p)}`);
    }
    message = `Apply failed with ${sorted.length} conflicts: ${lines.join('\n')}`;
  }
  return new ApiError(409, 'Conflict', message, { causes });
}

/**
 * The top-level part of an object a write through `subresource` may own (see
 * scopeToSubresource): comparing only that part gives the same scoped result, since the
 * field walk of one top-level member does not depend on the others.
 */
function scopeObject(o: unknown, subresource: string | undefined): unknown {
  if (!isObject(o)) return o;
  if (subresource === 'status') return o.status === undefined ? {} : { status: o.status };
  if (o.status === undefined) return o;
  const { status: _status, ...rest } = o;
  return rest;
}

function scopedCompare(gvk: GVK, a: unknown, b: unknown, subresource: string | undefined, dropUndefined = false): Comparison {
  const c = compareObjects(gvk, scopeObject(a, subresource), scopeObject(b, subresource), dropUndefined);
  return {
    added: scopeToSubresource(c.added, subresource),
    removed: scopeToSubresource(c.removed, subresource),
    modified: scopeToSubresource(c.modified, subresource),
  };
}

/** Remove changed fields from every manager but `self`; report the ones that conflict. */
function takeOwnership(managers: Map<string, Manager>, self: string, cmp: Comparison): Conflict[] {
  const changed = cmp.modified.union(cmp.added);
  const conflicts: Conflict[] = [];
  for (const [id, m] of managers) {
    if (id === self) continue;
    const lost = m.set.intersection(changed);
    for (const path of lost.paths()) conflicts.push({ manager: m, path });
    // a set that loses nothing stays the same instance (encodeManagedFields can reuse its FieldsV1)
    if (lost.isEmpty() && !m.set.isEmpty() && m.set.intersection(cmp.removed).isEmpty()) continue;
    const next = m.set.difference(changed).difference(cmp.removed);
    if (next.isEmpty()) managers.delete(id);
    else managers.set(id, { ...m, set: next });
  }
  return conflicts;
}

/**
 * True when clone(v) would be an exact copy: only plain objects, no undefined members (clone
 * drops them) and no own "__proto__" key (clone would set the prototype instead).
 */
function cloneIsExact(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return true;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (!cloneIsExact(v[i])) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  const o = v as JsonObject;
  for (const k of Object.keys(o)) {
    const x = o[k];
    if (x === undefined || k === '__proto__' || !cloneIsExact(x)) return false;
  }
  return true;
}

function withManagedFields(obj: KubeObject, entries: ManagedFieldsEntry[]): KubeObject {
  // A fresh top level and metadata suffice when a deep clone would copy obj exactly: callers
  // own `obj` (a decoded body or a private copy) and change only those two levels.
  const out = cloneIsExact(obj) ? { ...obj } : clone(obj);
  if (entries.length > 0) out.metadata = { ...out.metadata, managedFields: entries };
  else {
    // a copy without the member rather than `delete` (which makes V8 objects slow dictionaries)
    const { managedFields: _drop, ...meta } = out.metadata;
    out.metadata = meta;
  }
  return out;
}

/** The part of an applied configuration a write through `subresource` may set. */
function scopeApplied(obj: JsonObject, subresource: string | undefined): JsonObject {
  if (subresource === 'status') return 'status' in obj ? { status: obj.status } : {};
  const { status: _status, ...rest } = obj;
  return rest;
}

/** Apply `applied` for `manager`; returns the merged object with managedFields, or throws 409. */
export function serverSideApply(args: ApplyArgs): KubeObject {
  const { gvk, live, manager, force, now, subresource } = args;
  const applied = args.applied;
  const expected = objectApiVersion(gvk, undefined);
  if (applied.apiVersion && applied.apiVersion !== expected) {
    throw ApiError.badRequest(`Incorrect version specified in apply patch. Specified patch version: ${applied.apiVersion}, expected: ${expected}`);
  }
  if (applied.metadata?.managedFields !== undefined && applied.metadata.managedFields !== null) {
    throw ApiError.badRequest('metadata.managedFields must be nil');
  }
  const liveObj: JsonObject = live ? clone(live) : { apiVersion: applied.apiVersion, kind: applied.kind, metadata: {} };
  if (isObject(liveObj.metadata)) delete liveObj.metadata.managedFields;
  const apiVersion = objectApiVersion(gvk, applied);

  const managers = decodeManagedFields(live?.metadata?.managedFields);
  if (live && managers.size === 0) {
    const m: Manager = { manager: BEFORE_FIRST_APPLY, operation: 'Update', apiVersion: objectApiVersion(gvk, live), set: scopeToSubresource(computeFieldSet(gvk, liveObj), undefined) };
    if (!m.set.isEmpty()) managers.set(managerId(m), m);
  }

  const attempt = (forced: boolean): { obj: JsonObject; managers: Map<string, Manager>; conflicts: Conflict[] } => {
    const ms = new Map(managers);
    const selfKey = managerId({ manager, operation: 'Apply', apiVersion, subresource });
    const previous = ms.get(selfKey);
    const configSet = scopeToSubresource(computeFieldSet(gvk, applied), subresource);
    let merged = mergeApplied(gvk, liveObj, scopeApplied(applied as JsonObject, subresource));
    const self: Manager = { manager, operation: 'Apply', apiVersion, set: configSet };
    if (subresource) self.subresource = subresource;
    if (previous?.time) self.time = previous.time;
    ms.set(selfKey, self);
    if (previous) {
      let owned = new FieldSet();
      for (const m of ms.values()) owned = owned.union(m.set);
      merged = pruneDropped(gvk, merged, previous.set, owned);
    }
    const cmp = scopedCompare(gvk, liveObj, merged, subresource);
    const conflicts = takeOwnership(ms, selfKey, cmp);
    if (conflicts.length > 0 && !forced) return { obj: merged, managers: ms, conflicts };
    const changed = !deepEqual(liveObj, merged);
    if (changed || !self.time) ms.set(selfKey, { ...self, time: now });
    return { obj: merged, managers: ms, conflicts: [] };
  };

  let result = attempt(force);
  if (result.conflicts.length > 0) {
    // kubectl's client-side -> server-side apply upgrade: conflicts on fields recorded in the
    // last-applied annotation are forced when the applier is "kubectl".
    const allowed = manager === 'kubectl' ? lastAppliedFields(gvk, live, subresource) : undefined;
    const remaining = allowed ? result.conflicts.filter((c) => !allowed.has(c.path)) : result.conflicts;
    if (remaining.length > 0) throw conflictError(remaining);
    result = attempt(true);
  }
  let out = result.obj as KubeObject;
  if (manager === 'kubectl' && live?.metadata?.annotations?.[LAST_APPLIED] !== undefined) {
    out = { ...out, metadata: { ...out.metadata, annotations: { ...out.metadata.annotations, [LAST_APPLIED]: buildLastApplied(applied) } } };
  }
  return withManagedFields(out, encodeManagedFields(result.managers.values()));
}

function lastAppliedFields(gvk: GVK, live: KubeObject | undefined, subresource: string | undefined): FieldSet | undefined {
  const raw = live?.metadata?.annotations?.[LAST_APPLIED];
  if (typeof raw !== 'string') return undefined;
  try {
    return scopeToSubresource(computeFieldSet(gvk, JSON.parse(raw)), subresource);
  } catch {
    return undefined;
  }
}

/** The annotation value kubectl-managed SSA keeps in sync: the applied object minus the annotation. */
function buildLastApplied(applied: KubeObject): string {
  const obj = clone(applied);
  if (obj.metadata?.annotations) {
    const { [LAST_APPLIED]: _drop, ...rest } = obj.metadata.annotations;
    obj.metadata = { ...obj.metadata, annotations: rest };
  }
  return sortedJson(obj) + '\n';
}

/** Record a create/update/patch by `manager` (operation Update) in `updated`'s managedFields. */
export function recordUpdate(args: UpdateArgs): KubeObject {
  const { gvk, old, updated, manager, now, subresource } = args;
  const oldEntries = old?.metadata?.managedFields;
  const newEntries = updated.metadata?.managedFields;
  // A client may rewrite managedFields: an explicit empty list resets them, other changes are taken as given.
  if (Array.isArray(newEntries) && newEntries.length === 0 && (oldEntries?.length ?? 0) > 0) return withManagedFields(updated, []);
  // (the written entries when they differ from the old ones; when they are equal they serve
  // as well, so no comparison: a status write carries the whole managedFields back)
  const base = Array.isArray(newEntries) && newEntries.length > 0 ? newEntries : oldEntries;
  if (!old && subresource === undefined && (base === undefined || base.length === 0)) {
    // create with no prior entries: one Update entry owning every field set (see createdFieldsV1)
    const fieldsV1 = createdFieldsV1(gvk, updated);
    if (!fieldsV1) return withManagedFields(updated, []);
    const e: ManagedFieldsEntry = { manager, operation: 'Update', apiVersion: objectApiVersion(gvk, updated) };
    if (now) e.time = now;
    e.fieldsType = 'FieldsV1';
    e.fieldsV1 = fieldsV1;
    return withManagedFields(updated, [e]);
  }
  const apiVersion = objectApiVersion(gvk, updated);
  if (old && base && !args.general) {
    const entries =
      ownedUpdateEntries(gvk, old, updated, base, manager, apiVersion, now, subresource) ??
      newManagerEntries(base, manager, apiVersion, now, subresource, () => takenFieldsV1(gvk, scopeObject(old, subresource), scopeObject(updated, subresource)));
    if (entries) return withManagedFields(updated, entries);
  }
  const managers = decodeManagedFields(base);
  // Compared as clones without metadata.managedFields: the field walk never reports
  // metadata.managedFields, and dropUndefined reads each object as its clone.
  const cmp = scopedCompare(gvk, old ?? {}, updated, subresource, true);
  const selfKey = managerId({ manager, operation: 'Update', apiVersion, subresource });
  // Like upstream, the operation runs as a fresh manager, then merges into the named one.
  takeOwnership(managers, '', cmp);
  const took = cmp.modified.union(cmp.added);
  if (!took.isEmpty()) {
    const kept = managers.get(selfKey)?.set ?? new FieldSet();
    const m: Manager = { manager, operation: 'Update', apiVersion, time: now, set: kept.union(took) };
    if (subresource) m.subresource = subresource;
    managers.set(selfKey, m);
  }
  return withManagedFields(updated, encodeManagedFields(managers.values()));
}
