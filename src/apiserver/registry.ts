// Generic REST storage for one resource: the read-modify-write rules every kind shares
// (uid, generateName, resourceVersion preconditions, validation, finalizers, graceful
// deletion), on top of the Store for writes and the WatchCache for reads.
import { randomUUID, randomInt } from 'node:crypto';
import { ApiError, type ResourceRef } from '../api/errors.js';
import type { KubeObject } from '../api/types.js';
import { gvkOf, type ResourceInfo } from '../api/resources.js';
import { StoreConflictError, type Store } from '../storage/types.js';
import type { Clock } from '../util/clock.js';
import { WatchCache, encodeStored, storedJsonOfEntry, type CacheEntry, type Selectable } from './watchcache.js';
import { kindHooks } from './hooks.js';
import { prepareForCreate, prepareForUpdate, prepareForStatusUpdate } from './strategy.js';
import { recordUpdate } from './patch/apply.js';
import { storedAndReplyJson, withoutMembers } from './storedjson.js';
import { podLayout, rememberPodLayout } from './handlers/bindingjson.js';

export interface WriteOptions {
  dryRun?: boolean;
  /** skip defaulting+validation (internal writes that only touch metadata) */
  trusted?: boolean;
  subresource?: string;
  /** record this write in managedFields (operation Update) for this field manager, after defaulting */
  manager?: string;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: string;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export interface DeleteResult {
  obj: KubeObject;
  /** true when the object is gone from storage; false when it stays (graceful, finalizers) */
  removed: boolean;
}

export interface ListQuery {
  namespace: string;
  labelSelector?: string | null;
  fieldSelector?: string | null;
  limit?: number;
  continueToken?: string | null;
}

export interface ListPage {
  entries: CacheEntry[];
  rev: number;
  continueToken?: string;
  remaining?: number;
}

const NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

/** How often a create draws a new generated name after a collision (upstream: 7). */
const GENERATE_NAME_RETRIES = 7;

export function randomSuffix(n = 5): string {
  let s = '';
  for (let i = 0; i < n; i++) s += NAME_CHARS[randomInt(NAME_CHARS.length)];
  return s;
}

/** Stored form: JSON without resourceVersion (the store's revision is injected on read), apiVersion, kind and metadata first. */
export function encodeObject(obj: KubeObject): Uint8Array {
  return Buffer.from(storedJson(obj), 'utf8');
}

export function storedJson(obj: KubeObject): string {
  const { resourceVersion: _rv, ...meta } = obj.metadata;
  const { apiVersion, kind, metadata: _m, ...rest } = obj;
  return JSON.stringify({ apiVersion, kind, metadata: meta, ...rest });
}

export class ResourceRegistry {
  readonly ref: ResourceRef;
  readonly storePrefix: string;
  /** admission step run on a valid new object before it is stored (e.g. service IP allocation) */
  admitCreate?: (obj: KubeObject) => void;

  /** The random part of generated names (tests replace it to force collisions). */
  nameSuffix: () => string = randomSuffix;

  constructor(
    readonly ri: ResourceInfo,
    private readonly store: Store,
    readonly cache: WatchCache,
    private readonly clock: Clock,
  ) {
    this.ref = { group: ri.group, resource: ri.resource };
    this.storePrefix = cache.prefix;
  }

  static prefixFor(ri: ResourceInfo): string {
    return `/registry/${ri.group || 'core'}/${ri.resource}/`;
  }

  cacheKey(namespace: string, name: string): string {
    return this.ri.namespaced ? `${namespace}/${name}` : name;
  }

  private storeKey(namespace: string, name: string): string {
    return this.storePrefix + this.cacheKey(namespace, name);
  }

  /**
   * Labels and selectable fields of an object about to be stored, for its cache entry (the
   * same as read from the stored JSON: label values are strings, fields are String()s of
   * JSON values). Undefined when a label value is not a string (the entry parses then).
   */
  private selectableOf(obj: KubeObject): Selectable | undefined {
    const labels = obj.metadata.labels as Record<string, unknown> | undefined;
    let copy: Record<string, string> | undefined;
    if (labels !== undefined) {
      if (labels === null || typeof labels !== 'object' || Array.isArray(labels)) return undefined;
      copy = {};
      for (const k of Object.keys(labels)) {
        const v = labels[k];
        if (typeof v !== 'string') return undefined;
        copy[k] = v;
      }
    }
    return { labels: copy, fields: kindHooks.fields(this.ri.kind, obj) };
  }

  private get isPod(): boolean {
    return this.ri.kind === 'Pod' && this.ri.group === '';
  }

  /**
   * selectableOf, and for a pod the layout of its stored JSON (see bindingjson.ts), kept with
   * that object: it travels with the write to the new cache entry, so pods/binding finds the
   * spans of the entry's JSON without scanning it.
   */
  private selectableWithLayout(obj: KubeObject, enc: ReturnType<typeof storedAndReplyJson>): Selectable | undefined {
    const sel = this.selectableOf(obj);
    const layout = sel && enc?.spans ? podLayout(obj, enc.stored, enc.spans) : undefined;
    if (layout) rememberPodLayout(sel!, layout);
    return sel;
  }

  get(namespace: string, name: string): CacheEntry {
    const e = this.cache.get(this.cacheKey(namespace, name));
    if (!e) throw ApiError.notFound(this.ref, name);
    return e;
  }

  tryGet(namespace: string, name: string): CacheEntry | undefined {
    return this.cache.get(this.cacheKey(namespace, name));
  }

  list(q: ListQuery): ListPage {
    const sel = kindHooks.selectors(this.ri.kind, q.labelSelector ?? null, q.fieldSelector ?? null);
    let all = this.cache.list();
    const rev = this.cache.rev;
    let startAfter = '';
    if (q.continueToken) {
      const tok = decodeContinue(q.continueToken);
      startAfter = tok.start;
    }
    const nsPrefix = this.ri.namespaced && q.namespace ? q.namespace + '/' : '';
    const out: CacheEntry[] = [];
    const limit = q.limit && q.limit > 0 ? q.limit : Infinity;
    let lo = 0;
    if (nsPrefix || startAfter) lo = lowerBound(all, startAfter > nsPrefix ? startAfter : nsPrefix, startAfter > nsPrefix);
    let i = lo;
    let more = false;
    for (; i < all.length; i++) {
      const e = all[i]!;
      if (nsPrefix && !e.key.startsWith(nsPrefix)) break;
      if (!matches(this.ri.kind, e, sel)) continue;
      if (out.length >= limit) {
        more = true;
        break;
      }
      out.push(e);
    }
    const page: ListPage = { entries: out, rev };
    if (more) {
      page.continueToken = encodeContinue({ rv: rev, start: out[out.length - 1]!.key });
      if (!sel.label && !sel.field) {
        let rem = 0;
        for (let j = i; j < all.length; j++) {
          if (nsPrefix && !all[j]!.key.startsWith(nsPrefix)) break;
          rem++;
        }
        page.remaining = rem;
      }
    }
    all = [];
    return page;
  }

  /** Normalise, default and validate a new object; returns it ready to store. */
  prepareCreate(namespace: string, input: KubeObject, opts: WriteOptions = {}): KubeObject {
    let obj = input;
    let meta = obj.metadata ?? (obj.metadata = {});
    if (this.ri.namespaced) {
      if (meta.namespace && meta.namespace !== namespace) {
        throw ApiError.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta.namespace = namespace;
    } else {
      delete meta.namespace;
    }
    if (!meta.name && meta.generateName) meta.name = meta.generateName + this.nameSuffix();
    obj.apiVersion = this.ri.group ? `${this.ri.group}/${this.ri.version}` : this.ri.version;
    obj.kind = this.ri.kind;
    meta.uid = randomUUID();
    meta.creationTimestamp = this.clock.nowRFC3339();
    obj.metadata = meta = withoutMembers(meta, 'resourceVersion', 'deletionTimestamp', 'deletionGracePeriodSeconds');
    prepareForCreate(this.ri, obj);
    if (!opts.trusted) {
      kindHooks.defaults(gvkOf(this.ri), obj);
      if (opts.manager) obj = recordUpdate({ gvk: gvkOf(this.ri), old: undefined, updated: obj, manager: opts.manager, now: this.clock.nowRFC3339() });
      const errs = kindHooks.validate(gvkOf(this.ri), obj);
      if (!meta.name && !errs.some((e) => e.field === 'metadata.name')) {
        throw ApiError.invalid(this.ri.kind, this.ri.group, '', [...errs]);
      }
      if (errs.length) throw ApiError.invalid(this.ri.kind, this.ri.group, meta.name ?? '', errs);
    }
    if (!meta.name) throw ApiError.badRequest('name or generateName is required');
    this.admitCreate?.(obj);
    return obj;
  }

  async create(namespace: string, obj: KubeObject, opts: WriteOptions = {}): Promise<KubeObject> {
    return (await this.createForReply(namespace, obj, opts)).obj;
  }

  /** create, also giving JSON.stringify of the result when it comes for free (from the stored form). */
  async createForReply(namespace: string, obj: KubeObject, opts: WriteOptions = {}): Promise<{ obj: KubeObject; json?: string }> {
    const generated = !obj.metadata?.name && !!obj.metadata?.generateName;
    const prepared = this.prepareCreate(namespace, obj, opts);
    // A generated name that is already taken is drawn again, as the upstream API server does
    // (up to 7 retries): with 5 random characters, 5,000 pods of one ReplicaSet collide about
    // one run in two.
    for (let attempt = 0; ; attempt++) {
      const name = prepared.metadata.name!;
      const retry = generated && attempt < GENERATE_NAME_RETRIES;
      if (opts.dryRun) {
        if (!this.tryGet(namespace, name)) return { obj: prepared };
        if (!retry) throw ApiError.alreadyExists(this.ref, name);
      } else {
        try {
          const enc = storedAndReplyJson(prepared, this.isPod);
          const w = encodeStored(enc ? enc.stored : storedJson(prepared), this.selectableWithLayout(prepared, enc));
          const kv = await this.store.create(this.storeKey(namespace, name), w.value, w.opts);
          await this.cache.waitFor(kv.modRevision);
          prepared.metadata.resourceVersion = String(kv.modRevision);
          return { obj: prepared, json: enc?.reply(kv.modRevision) };
        } catch (err) {
          if (!(err instanceof StoreConflictError)) throw err;
          if (!retry) throw ApiError.alreadyExists(this.ref, name);
        }
      }
      prepared.metadata.name = prepared.metadata.generateName + this.nameSuffix();
    }
  }

  /**
   * Validate an update of `cur` to `next` and store it with cur's revision as precondition.
   * next.metadata.resourceVersion, when set, must equal the current one.
   */
  async update(namespace: string, name: string, next: KubeObject, cur: CacheEntry, opts: WriteOptions = {}, owned = false): Promise<KubeObject> {
    return (await this.updateForReply(namespace, name, next, cur, opts, owned)).obj;
  }

  /** update, also giving JSON.stringify of the result when it comes for free (from the stored form). */
  async updateForReply(
    namespace: string,
    name: string,
    next: KubeObject,
    cur: CacheEntry,
    opts: WriteOptions = {},
    owned = false,
    /** cur.obj, when the caller holds it already */
    current?: KubeObject,
  ): Promise<{ obj: KubeObject; json?: string }> {
    const old = current ?? cur.obj;
    const rv = next.metadata?.resourceVersion;
    if (rv && rv !== old.metadata.resourceVersion) throw ApiError.conflict(this.ref, name);
    // owned: the caller hands over a private copy (guaranteedUpdate), no need to clone it again
    let obj: KubeObject = owned ? next : structuredClone(next);
    obj.metadata = obj.metadata ?? {};
    if (obj.metadata.name && obj.metadata.name !== name) {
      throw ApiError.badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
    }
    obj.apiVersion = old.apiVersion;
    obj.kind = old.kind;
    // server-owned metadata
    obj.metadata.name = name;
    if (this.ri.namespaced) obj.metadata.namespace = namespace;
    obj.metadata.uid = old.metadata.uid;
    obj.metadata.creationTimestamp = old.metadata.creationTimestamp;
    if (old.metadata.deletionTimestamp) {
      obj.metadata.deletionTimestamp = old.metadata.deletionTimestamp;
      obj.metadata.deletionGracePeriodSeconds = old.metadata.deletionGracePeriodSeconds;
    } else {
      obj.metadata = withoutMembers(obj.metadata, 'deletionTimestamp', 'deletionGracePeriodSeconds');
    }
    // defaults first, as the decoder does upstream, so that a write spelling out (or leaving
    // out) defaulted fields compares equal in prepareForUpdate's generation check
    if (!opts.trusted && opts.subresource !== 'status') kindHooks.defaults(gvkOf(this.ri), obj);
    if (opts.subresource === 'status') {
      obj = prepareForStatusUpdate(this.ri, obj, old);
    } else {
      prepareForUpdate(this.ri, obj, old, opts.subresource);
    }
    if (!opts.trusted) {
      kindHooks.defaults(gvkOf(this.ri), obj);
      if (opts.manager) obj = recordUpdate({ gvk: gvkOf(this.ri), old, updated: obj, manager: opts.manager, now: this.clock.nowRFC3339(), subresource: opts.subresource || undefined });
      const errs = kindHooks.validate(gvkOf(this.ri), obj, old);
      if (errs.length) throw ApiError.invalid(this.ri.kind, this.ri.group, name, errs);
    }
    // an object being deleted whose last finalizer went away is removed
    if (obj.metadata.deletionTimestamp && !finalizersOf(this.ri.kind, obj).length && (this.ri.kind !== 'Pod' || obj.metadata.deletionGracePeriodSeconds === 0)) {
      if (opts.dryRun) return { obj };
      return { obj: (await this.remove(namespace, name, cur)).obj };
    }
    if (opts.dryRun) {
      // nothing is stored: the object keeps the current resourceVersion (kubectl diff shows none changing)
      obj.metadata.resourceVersion = old.metadata.resourceVersion;
      return { obj };
    }
    obj.metadata = withoutMembers(obj.metadata, 'resourceVersion');
    const both = storedAndReplyJson(obj, this.isPod);
    const enc = both ? both.stored : storedJson(obj);
    // no-op writes do not bump resourceVersion (old is JSON.parse(cur.json), so cur.json is its JSON)
    if (enc === storedJsonOfEntry(cur)) return { obj: old, json: cur.json };
    try {
      const w = encodeStored(enc, this.selectableWithLayout(obj, both));
      const kv = await this.store.update(this.storeKey(namespace, name), w.value, cur.rev, w.opts);
      await this.cache.waitFor(kv.modRevision);
      obj.metadata.resourceVersion = String(kv.modRevision);
      return { obj, json: both?.reply(kv.modRevision) };
    } catch (err) {
      if (err instanceof StoreConflictError) {
        if (err.kind === 'notFound') throw ApiError.notFound(this.ref, name);
        throw ApiError.conflict(this.ref, name);
      }
      throw err;
    }
  }

  /**
   * (pods/binding, sched) Store `stored`, the storedJson of cur's successor computed by the
   * caller, with cur's revision as precondition; sel is the successor's labels and fields.
   * Only for trusted writes that change nothing defaults, validation, admission or
   * managedFields look at. Returns the new revision; conflicts throw as update's do.
   */
  async updateStored(namespace: string, name: string, cur: CacheEntry, stored: string, sel: Selectable | undefined): Promise<number> {
    try {
      const w = encodeStored(stored, sel);
      const kv = await this.store.update(this.storeKey(namespace, name), w.value, cur.rev, w.opts);
      await this.cache.waitFor(kv.modRevision);
      return kv.modRevision;
    } catch (err) {
      if (err instanceof StoreConflictError) {
        if (err.kind === 'notFound') throw ApiError.notFound(this.ref, name);
        throw ApiError.conflict(this.ref, name);
      }
      throw err;
    }
  }

  /**
   * Read-modify-write with retries on conflict (as GuaranteedUpdate): fn gets the current
   * object (a private copy) and returns the desired one. If fn sets a resourceVersion it
   * acts as a precondition and conflicts are not retried. With readOnlyCurrent, fn gets the
   * cached object itself, which it must not modify (nor return anything sharing a part of it
   * that the update could modify): that saves a parse when fn copies anyway.
   */
  async guaranteedUpdate(
    namespace: string,
    name: string,
    fn: (cur: KubeObject | undefined) => KubeObject | Promise<KubeObject>,
    opts: WriteOptions & { createIfMissing?: boolean; readOnlyCurrent?: boolean } = {},
  ): Promise<{ obj: KubeObject; created: boolean; json?: string }> {
    for (let attempt = 0; ; attempt++) {
      const cur = this.tryGet(namespace, name);
      if (!cur && !opts.createIfMissing) throw ApiError.notFound(this.ref, name);
      // a private copy: parsing the cached JSON gives the same object as cloning cur.obj. The
      // cached object, when fn only reads it, is also the update's old object (one parse).
      const current = cur ? (opts.readOnlyCurrent ? cur.obj : (JSON.parse(cur.json) as KubeObject)) : undefined;
      const desired = await fn(current);
      // a resourceVersion set by fn is a precondition (update may consume the object, so read it first)
      const precondition = cur ? desired.metadata?.resourceVersion : undefined;
      try {
        if (!cur) {
          desired.metadata.name = name;
          return { ...(await this.createForReply(namespace, desired, opts)), created: true };
        }
        if (opts.readOnlyCurrent && current === desired) throw new Error('guaranteedUpdate: fn returned the read-only current object');
        return { ...(await this.updateForReply(namespace, name, desired, cur, opts, true, opts.readOnlyCurrent ? current : undefined)), created: false };
      } catch (err) {
        const retriable = err instanceof ApiError && (err.reason === 'Conflict' || (err.reason === 'AlreadyExists' && !cur));
        if (!retriable || attempt >= 8 || (cur ? precondition : desired.metadata.resourceVersion)) throw err;
        await new Promise((r) => setTimeout(r, attempt * 5));
      }
    }
  }

  async delete(namespace: string, name: string, opts: DeleteOptions = {}): Promise<DeleteResult> {
    for (let attempt = 0; ; attempt++) {
      const cur = this.get(namespace, name);
      const obj = cur.obj;
      const pre = opts.preconditions;
      if (pre?.uid && pre.uid !== obj.metadata.uid) {
        throw ApiError.conflict(this.ref, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${obj.metadata.uid}`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== obj.metadata.resourceVersion) {
        throw ApiError.conflict(this.ref, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${obj.metadata.resourceVersion}`);
      }
      try {
        return await this.deleteOnce(namespace, name, cur, opts);
      } catch (err) {
        if (err instanceof ApiError && err.reason === 'Conflict' && attempt < 8 && !pre) continue;
        throw err;
      }
    }
  }

  private async deleteOnce(namespace: string, name: string, cur: CacheEntry, opts: DeleteOptions): Promise<DeleteResult> {
    const obj = structuredClone(cur.obj);
    const graceful = this.gracePeriod(obj, opts);
    // Foreground/Orphan propagation: the garbage collector finishes the deletion and drops the finalizer
    const gcFinalizer = opts.propagationPolicy === 'Foreground' ? 'foregroundDeletion' : opts.propagationPolicy === 'Orphan' ? 'orphan' : undefined;
    if (gcFinalizer && !obj.metadata.deletionTimestamp) {
      const other = gcFinalizer === 'orphan' ? 'foregroundDeletion' : 'orphan';
      obj.metadata.finalizers = [...(obj.metadata.finalizers ?? []).filter((f) => f !== gcFinalizer && f !== other), gcFinalizer];
    }
    const hasFinalizers = finalizersOf(this.ri.kind, obj).length > 0;
    if (this.ri.kind === 'Namespace' && hasFinalizers && !obj.metadata.deletionTimestamp) obj.status = { ...(obj.status ?? {}), phase: 'Terminating' };
    if (graceful > 0 || hasFinalizers) {
      const now = this.clock.now();
      const alreadyDeleting = !!obj.metadata.deletionTimestamp;
      if (graceful > 0) {
        const curGrace = obj.metadata.deletionGracePeriodSeconds;
        if (!alreadyDeleting || curGrace === undefined || graceful < curGrace) {
          obj.metadata.deletionTimestamp = new Date(now + graceful * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
          obj.metadata.deletionGracePeriodSeconds = graceful;
        }
      } else if (!alreadyDeleting) {
        obj.metadata.deletionTimestamp = this.clock.nowRFC3339();
        obj.metadata.deletionGracePeriodSeconds = 0;
      } else if (this.ri.kind === 'Pod' && !hasFinalizers) {
        return this.remove(namespace, name, cur, opts.dryRun);
      } else if (this.ri.kind === 'Pod' && obj.metadata.deletionGracePeriodSeconds !== 0) {
        // grace 0 on a pod held by finalizers: it goes as soon as they do
        obj.metadata.deletionTimestamp = this.clock.nowRFC3339();
        obj.metadata.deletionGracePeriodSeconds = 0;
      }
      if (opts.dryRun) return { obj, removed: false };
      if (sameStored(obj, cur.obj)) return { obj: cur.obj, removed: false };
      const stored = await this.writeRaw(namespace, name, obj, cur);
      return { obj: stored, removed: false };
    }
    return this.remove(namespace, name, cur, opts.dryRun);
  }

  /** Pods bound to a node terminate gracefully; everything else goes at once. */
  private gracePeriod(obj: KubeObject, opts: DeleteOptions): number {
    if (this.ri.kind !== 'Pod') return 0;
    if (!obj.spec?.nodeName) return 0;
    const phase = obj.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return 0;
    const g = opts.gracePeriodSeconds ?? obj.spec?.terminationGracePeriodSeconds ?? 30;
    return Math.max(0, g);
  }

  private async remove(namespace: string, name: string, cur: CacheEntry, dryRun?: boolean): Promise<DeleteResult> {
    if (dryRun) return { obj: cur.obj, removed: true };
    try {
      const kv = await this.store.delete(this.storeKey(namespace, name), cur.rev);
      await this.cache.waitFor(kv.modRevision);
      const obj = structuredClone(cur.obj);
      obj.metadata.resourceVersion = String(kv.modRevision);
      return { obj, removed: true };
    } catch (err) {
      if (err instanceof StoreConflictError) {
        if (err.kind === 'notFound') throw ApiError.notFound(this.ref, name);
        throw ApiError.conflict(this.ref, name);
      }
      throw err;
    }
  }

  /** Store obj as is (no validation), with cur's revision as precondition. */
  async writeRaw(namespace: string, name: string, obj: KubeObject, cur: CacheEntry): Promise<KubeObject> {
    try {
      const w = encodeStored(storedJson(obj), this.selectableOf(obj));
      const kv = await this.store.update(this.storeKey(namespace, name), w.value, cur.rev, w.opts);
      await this.cache.waitFor(kv.modRevision);
      const out = structuredClone(obj);
      out.metadata.resourceVersion = String(kv.modRevision);
      return out;
    } catch (err) {
      if (err instanceof StoreConflictError) {
        if (err.kind === 'notFound') throw ApiError.notFound(this.ref, name);
        throw ApiError.conflict(this.ref, name);
      }
      throw err;
    }
  }
}

/** Finalizers that hold an object being deleted (namespaces also wait on spec.finalizers). */
export function finalizersOf(kind: string, obj: KubeObject): string[] {
  const meta = obj.metadata.finalizers ?? [];
  return kind === 'Namespace' ? [...meta, ...((obj.spec?.finalizers as string[] | undefined) ?? [])] : meta;
}

function sameStored(a: KubeObject, b: KubeObject): boolean {
  return storedJson(a) === storedJson(b);
}

export function matches(kind: string, e: CacheEntry | KubeObject, sel: ReturnType<typeof kindHooks.selectors>): boolean {
  if (!sel.label && !sel.field) return true;
  if ('selectable' in e && typeof e.selectable === 'function') {
    const s = (e as CacheEntry).selectable!((o: KubeObject) => kindHooks.fields(kind, o));
    if (sel.label && !sel.label.matches(s.labels)) return false;
    if (sel.field && !sel.field.matches(s.fields)) return false;
    return true;
  }
  const obj = 'json' in e && 'rev' in e ? (e as CacheEntry).obj : (e as KubeObject);
  if (sel.label && !sel.label.matches(obj.metadata.labels)) return false;
  if (sel.field && !sel.field.matches(kindHooks.fields(kind, obj))) return false;
  return true;
}

function lowerBound(arr: CacheEntry[], key: string, strictlyAfter: boolean): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const k = arr[mid]!.key;
    if (k < key || (strictlyAfter && k === key)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

interface ContinueToken {
  rv: number;
  start: string;
}

function encodeContinue(t: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: t.rv, start: t.start })).toString('base64url');
}

function decodeContinue(s: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as { rv?: unknown; start?: unknown };
    if (typeof t.rv !== 'number' || typeof t.start !== 'string') throw new Error('bad');
    return { rv: t.rv, start: t.start };
  } catch {
    throw ApiError.badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
}
