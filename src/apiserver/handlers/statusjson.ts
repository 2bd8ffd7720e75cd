// Status writes as text: the stored object with its status and its managedFields replaced,
// spliced into the cached JSON, instead of decoding the whole body, parsing the stored object,
// defaulting, validating and serialising all of it again (bindingjson.ts does the same for
// pods/binding). A pod's status write (the sim's PUT, the node agent's merge PATCH) and the
// controllers' ReplicaSet and Deployment status PUTs then parse and serialise only the status
// and the metadata. (Pods are the example below; KINDS lists the kinds this path takes.)
//
// What the general path (resource.ts handleUpdate / patch.ts handlePatch -> registry.ts
// updateForReply) does with a pods/status write, and why the text path gives the same:
//  - decode: the PUT body must be the cached JSON with only the status value different (so
//    the same resourceVersion, metadata, spec, key order): everything but the status is then
//    text the server serialised from an object that was decoded and validated, which has no
//    duplicate keys, unknown fields or type errors. The status alone is checked here as the
//    decoder would check it, and anything the decoder would report (a type error, an unknown
//    field, a duplicate key) sends the request down the general path, which reports it.
//  - prepareForStatusUpdate: the new object is the stored one with the new status (qosClass
//    kept when the status leaves it out) and the body's managedFields, which equal the stored.
//  - defaults: a pod's defaults look at its spec only, which is the stored (defaulted) spec.
//  - recordUpdate: for a status write it looks only at the status of both objects and the
//    managedFields; it runs here on exactly those.
//  - validation: a status-only change is validated as validateObjectMetaUpdate of the
//    metadata, which is the stored metadata; it runs here too, and errors go the general way.
//  - deletion (a pod being deleted whose write may remove it), dry runs, Table answers: the
//    general path.
//  - serialisation: the stored JSON is the cached JSON without resourceVersion, with the
//    managedFields and status values replaced by their JSON.stringify (the key order of the
//    object path is the stored order); the answer is that with the new resourceVersion last in
//    metadata, as JSON.stringify of the object path's result has it.
//
// Exactly when it is taken (anything else: the general path, with nothing written or sent):
//  - the kind is in KINDS, no dryRun, no Table answer asked for;
//  - the cached JSON is {"apiVersion":..,"kind":..,"metadata":{"resourceVersion":..,..},..}
//    with a non-empty managedFields array in metadata, an object status after metadata and no
//    repeated top-level key; its metadata has no deletionTimestamp and no "__proto__" member,
//    and passes validateObjectMetaUpdate;
//  - PUT: a JSON body equal to the cached JSON but for the status value (resourceVersion
//    included, so a stale one goes the general way and gets its 409), with or without the
//    managedFields member; the status an object, provably without repeated keys, without type
//    errors or unknown fields;
//  - merge PATCH: {"status":{...}} and optionally "metadata":{"uid":U} with U the stored uid;
//    the patched status without type errors or unknown fields; a write that loses a race goes
//    the general way (which retries, as it would have);
//  - the new status has no "__proto__" member and recordUpdate keeps managedFields non-empty.
// The equivalence test (statusjson.test.ts) runs both paths on many writes and compares the
// answers, the stored objects and the watch events byte for byte.
import type { GVK, KubeObject } from '../../api/types.js';
import { findTypeErrors, findUnknownFields, jsonHasNoDuplicateKeys } from '../../api/schema/strict.js';
import { validateObjectMetaUpdate } from '../../api/validation/index.js';
import { objectFields } from '../../api/fields.js';
import { recordUpdate } from '../patch/apply.js';
import { applyMergePatch } from '../patch/mergepatch.js';
import { noDuplicateKeysWithEscapes } from '../decode.js';
import { find, members } from './bindingjson.js';
import type { CacheEntry, Selectable } from '../watchcache.js';
import { ApiError } from '../../api/errors.js';
import { mediaType, sendRawJson, wantsTable } from '../http.js';
import type { RequestContext } from './context.js';
import { gvkOf } from '../../api/resources.js';
import { fieldManagerOf, warningHeaders } from './common.js';

type Rec = Record<string, unknown>;

const POD: GVK = { group: '', version: 'v1', kind: 'Pod' };

const isPlain = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Switch for tests (the equivalence test runs the general path with it off), and a count of the writes answered. */
export const statusText = { enabled: true, taken: 0 };

/**
 * The kinds whose status writes take this path: their defaults never change a status object
 * (and their spec is the stored, defaulted one), their status is not validated (a status-only
 * change gets validateObjectMetaUpdate), prepareForStatusUpdate has no rule for them beyond the
 * pod's qosClass. The equivalence test covers each.
 */
const KINDS = new Set(['/Pod', 'apps/ReplicaSet', 'apps/Deployment']);

export function statusTextKind(gvk: GVK): boolean {
  return KINDS.has(`${gvk.group}/${gvk.kind}`);
}

const apiVersionOf = (gvk: GVK): string => (gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version);
const heads = new Map<string, string>();
const headOf = (gvk: GVK): string => {
  const k = `${gvk.group}/${gvk.version}/${gvk.kind}`;
  let h = heads.get(k);
  if (h === undefined) heads.set(k, (h = `{"apiVersion":${JSON.stringify(apiVersionOf(gvk))},"kind":${JSON.stringify(gvk.kind)},"metadata":{"resourceVersion":"`));
  return h;
};

/** Where the members a status write changes sit in a cached object's JSON (with resourceVersion). */
export interface EntryLayout {
  /** the metadata value */
  metaStart: number;
  metaEnd: number;
  /** the `"resourceVersion":"N",` member (with its comma) */
  rvStart: number;
  rvEnd: number;
  /** the metadata.managedFields value */
  mfStart: number;
  mfEnd: number;
  /** the status value */
  statusStart: number;
  statusEnd: number;
}

/** The layout of a cached object's JSON, or undefined when it is not a plain case (then the general path). */
export function entryLayout(json: string, gvk: GVK = POD): EntryLayout | undefined {
  if (!json.startsWith(headOf(gvk))) return undefined;
  try {
    const top = members(json, 0);
    if (!top || top.length < 3 || top[top.length - 1]!.end !== json.length - 1) return undefined;
    const meta = top[2]!;
    if (meta.key !== 'metadata') return undefined;
    const status = find(top, 'status');
    if (!status || json.charCodeAt(status.start) !== 0x7b) return undefined;
    const keys = new Set<string>();
    for (const m of top) keys.add(m.key);
    if (keys.size !== top.length) return undefined;
    const mm = members(json, meta.start)!;
    const rv = mm[0]!;
    if (rv.key !== 'resourceVersion' || mm.length < 2) return undefined;
    const mf = find(mm, 'managedFields');
    if (!mf || json.charCodeAt(mf.start) !== 0x5b) return undefined;
    return {
      metaStart: meta.start,
      metaEnd: meta.end,
      rvStart: meta.start + 1,
      rvEnd: rv.end + 1, // the comma after it (metadata has more members)
      mfStart: mf.start,
      mfEnd: mf.end,
      statusStart: status.start,
      statusEnd: status.end,
    };
  } catch (err) {
    if (err instanceof SyntaxError) return undefined;
    throw err;
  }
}

export interface StatusWrite {
  /** the stored JSON of the written pod (without resourceVersion) */
  stored: string;
  /** where its metadata value ends (just past its "}") */
  metaEnd: number;
  /** labels and selectable fields of the written pod */
  sel: Selectable;
}

/**
 * The stored JSON of a status write on the cached pod `entry` whose new status is
 * statusOf(the stored status, the stored metadata), by `manager` at `now`; undefined when the
 * general path must decide (statusOf gives undefined, the pod is being deleted, its metadata
 * does not validate, managedFields would go away); 'unchanged' when the stored JSON would be
 * the entry's own (storedJsonOfEntry(entry)).
 */
export function statusWrite(
  gvk: GVK,
  entry: CacheEntry,
  layout: EntryLayout,
  statusOf: (old: Rec, meta: Rec) => Rec | undefined,
  manager: string,
  now: string,
): StatusWrite | 'unchanged' | undefined {
  const json = entry.json;
  const metaText = json.slice(layout.metaStart, layout.metaEnd);
  // an own "__proto__" member makes the object path deep-clone the pod (recordUpdate), which
  // then gets validated in full: not a case for this path
  if (metaText.includes('"__proto__"')) return undefined;
  const meta = JSON.parse(metaText) as Rec;
  if (!isPlain(meta) || meta.deletionTimestamp !== undefined || !Array.isArray(meta.managedFields) || meta.managedFields.length === 0) return undefined;
  const oldStatus = JSON.parse(json.slice(layout.statusStart, layout.statusEnd)) as Rec;
  let status = statusOf(oldStatus, meta);
  if (!status) return undefined;
  // prepareForStatusUpdate: a pod's qosClass stays when the write leaves it out
  if (gvk.kind === 'Pod' && oldStatus.qosClass && !status.qosClass) status = { ...status, qosClass: oldStatus.qosClass };
  if (validateObjectMetaUpdate(meta, meta).length > 0) return undefined;
  const apiVersion = apiVersionOf(gvk);
  const old = { apiVersion, kind: gvk.kind, metadata: meta, status: oldStatus } as KubeObject;
  const updated = { apiVersion, kind: gvk.kind, metadata: meta, status } as KubeObject;
  const recorded = recordUpdate({ gvk, old, updated, manager, now, subresource: 'status' });
  const entries = recorded.metadata.managedFields;
  if (!Array.isArray(entries) || entries.length === 0) return undefined;
  const mfJson = JSON.stringify(entries);
  const statusJson = JSON.stringify(recorded.status);
  if (statusJson.includes('"__proto__"')) return undefined;
  // the stored JSON would be the entry's own (a write that changes nothing): compared by the two changed parts
  if (statusJson === json.slice(layout.statusStart, layout.statusEnd) && mfJson === json.slice(layout.mfStart, layout.mfEnd)) return 'unchanged';
  const stored =
    json.slice(0, layout.rvStart) +
    json.slice(layout.rvEnd, layout.mfStart) +
    mfJson +
    json.slice(layout.mfEnd, layout.statusStart) +
    statusJson +
    json.slice(layout.statusEnd);
  const metaEnd = layout.metaEnd - (layout.rvEnd - layout.rvStart) + mfJson.length - (layout.mfEnd - layout.mfStart);
  // labels and fields: the spec's fields are the stored ones, the status's are recomputed
  const before = entry.selectable ? entry.selectable((o) => objectFields(gvk.kind, o)) : undefined;
  if (!before) return undefined;
  const fields = objectFields(gvk.kind, { metadata: meta, status: recorded.status } as KubeObject);
  for (const k of Object.keys(fields)) if (k.startsWith('spec.')) fields[k] = before.fields[k] ?? '';
  return { stored, metaEnd, sel: { labels: before.labels, fields } };
}

/** JSON.stringify of the written pod once its resourceVersion is `rev` (the answer). */
export function statusReply(w: StatusWrite, rev: number): string {
  return `${w.stored.slice(0, w.metaEnd - 1)},"resourceVersion":${JSON.stringify(String(rev))}${w.stored.slice(w.metaEnd - 1)}`;
}

/** No type errors, unknown fields or duplicate keys (text, when given) in a status value, as the decoder checks them. */
function statusDecodesCleanly(gvk: GVK, status: Rec, text: string | undefined): boolean {
  // (duplicate keys first: the other checks do not change the object, but the proof needs it as parsed)
  if (text !== undefined && !jsonHasNoDuplicateKeys(text, status) && !noDuplicateKeysWithEscapes(text, status)) return false;
  const lite = { status };
  return findTypeErrors(gvk, lite).length === 0 && findUnknownFields(gvk, lite).length === 0;
}

/**
 * A pods/status PUT body that is the cached pod with only its status changed, with or without
 * its metadata.managedFields member (the sim's informer drops them; the object path then keeps
 * the stored ones, as for a body that repeats them): the new status, or undefined (the general
 * path decides, and reports whatever is wrong with the body).
 */
export function putStatusOf(body: string, json: string, layout: EntryLayout, gvk: GVK = POD): Rec | undefined {
  const prefix = layout.statusStart;
  const suffix = json.slice(layout.statusEnd);
  if (!body.endsWith(suffix)) return undefined;
  let at: number;
  if (body.startsWith(json.slice(0, prefix))) at = prefix;
  else {
    // the same without `,"managedFields":[...]` (never metadata's first member: resourceVersion is)
    const cut = layout.mfStart - MF_KEY.length - 1;
    if (json.charCodeAt(cut) !== 0x2c || !json.startsWith(MF_KEY, cut + 1)) return undefined;
    if (!body.startsWith(json.slice(0, cut)) || !body.startsWith(json.slice(layout.mfEnd, prefix), cut)) return undefined;
    at = cut + (prefix - layout.mfEnd);
  }
  const end = body.length - suffix.length;
  if (end <= at) return undefined;
  const text = body.slice(at, end);
  let status: unknown;
  try {
    status = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isPlain(status) || !statusDecodesCleanly(gvk, status, text)) return undefined;
  return status;
}

const MF_KEY = '"managedFields":';

/**
 * The new status of a JSON merge patch `{"metadata":{"uid":UID},"status":{...}}` (the node
 * agent's; the metadata part optional) of the stored pod, or undefined for any other patch.
 */
export function mergePatchStatusOf(gvk: GVK, patch: unknown): ((old: Rec, meta: Rec) => Rec | undefined) | undefined {
  if (!isPlain(patch)) return undefined;
  let statusPatch: Rec | undefined;
  let uid: unknown;
  for (const k of Object.keys(patch)) {
    const v = patch[k];
    if (k === 'status' && isPlain(v)) statusPatch = v;
    else if (k === 'metadata' && isPlain(v) && Object.keys(v).length === 1 && typeof v.uid === 'string') uid = v.uid;
    else return undefined;
  }
  if (!statusPatch) return undefined;
  return (old, meta) => {
    if (uid !== undefined && uid !== meta.uid) return undefined;
    const status = applyMergePatch(old, statusPatch) as Rec;
    return statusDecodesCleanly(gvk, status, undefined) ? status : undefined;
  };
}


/**
 * Answer a pods/status write by the text path when it applies: true when answered, false when
 * the general path must run (nothing has been written or sent then). `statusOf` as for
 * statusWrite; `conflictFallsBack`: a write that loses a race is left to the general path
 * (PATCH, which retries) instead of answering 409 (PUT, whose body named the revision).
 */
export async function writeStatusText(
  ctx: RequestContext,
  cur: CacheEntry,
  layout: EntryLayout,
  statusOf: (old: Rec, meta: Rec) => Rec | undefined,
  manager: string,
  conflictFallsBack: boolean,
): Promise<boolean> {
  const w = statusWrite(gvkOf(ctx.ri), cur, layout, statusOf, manager, ctx.clock.nowRFC3339());
  if (!w) return false;
  // a write that changes nothing is not stored (no new resourceVersion), as updateForReply does
  if (w === 'unchanged') {
    statusText.taken++;
    sendRawJson(ctx.res, 200, cur.json, warningHeaders(ctx));
    return true;
  }
  let rev: number;
  try {
    rev = await ctx.reg.updateStored(ctx.info.namespace, ctx.info.name, cur, w.stored, w.sel);
  } catch (err) {
    if (conflictFallsBack && err instanceof ApiError && err.reason === 'Conflict') return false;
    throw err;
  }
  statusText.taken++;
  sendRawJson(ctx.res, 200, statusReply(w, rev), warningHeaders(ctx));
  return true;
}

/** Whether a status write of this request may take the text path at all. */
export function statusTextApplies(ctx: RequestContext, dryRun: boolean): boolean {
  return statusText.enabled && !dryRun && statusTextKind(gvkOf(ctx.ri)) && !wantsTable(ctx.req.headers.accept);
}

/** pods/status PUT (the sim's): true when answered by the text path. */
export async function putStatusText(ctx: RequestContext, body: Buffer): Promise<boolean> {
  const mt = mediaType(ctx.req.headers['content-type']);
  if (mt !== 'application/json' && mt !== '') return false;
  const cur = ctx.reg.tryGet(ctx.info.namespace, ctx.info.name);
  if (!cur) return false;
  const gvk = gvkOf(ctx.ri);
  const layout = entryLayout(cur.json, gvk);
  if (!layout) return false;
  const status = putStatusOf(body.toString('utf8'), cur.json, layout, gvk);
  if (!status) return false;
  // (after the body is known to decode cleanly, where the general path asks too)
  const manager = fieldManagerOf(ctx);
  return writeStatusText(ctx, cur, layout, () => status, manager, false);
}

/** pods/status JSON merge PATCH (the node agent's): true when answered by the text path. */
export async function patchStatusText(ctx: RequestContext, patch: unknown, manager: string): Promise<boolean> {
  const gvk = gvkOf(ctx.ri);
  const statusOf = mergePatchStatusOf(gvk, patch);
  if (!statusOf) return false;
  const cur = ctx.reg.tryGet(ctx.info.namespace, ctx.info.name);
  if (!cur) return false;
  const layout = entryLayout(cur.json, gvk);
  if (!layout) return false;
  return writeStatusText(ctx, cur, layout, statusOf, manager, true);
}
