// One watch on the store per resource; lists and watches are served from memory
// (like kube-apiserver's cacher). Events keep a bounded ring for resuming watches;
// older resumes fall back to the store, which answers 410 once history is compacted.
import type { KubeObject } from '../api/types.js';
import type { KV, Store, WriteOpts } from '../storage/types.js';
import type { Logger } from '../util/logger.js';

export interface CacheEntry {
  /** namespace/name, or name for cluster-scoped */
  key: string;
  /** the object with its resourceVersion (parsed from json; treat as read-only) */
  readonly obj: KubeObject;
  /**
   * The same for a one-time read (a table row, say): the parsed object if one is held, else
   * a parse that is not kept. (A kept parse lives until V8's next full collection: the table
   * of a 150,000-pod list held every pod parsed, half a GiB, at once.)
   */
  objOnce(): KubeObject;
  rev: number;
  /** the object's JSON with its resourceVersion */
  json: string;
  /** labels and selectable fields, for label/field selectors (computed once) */
  selectable?(fieldsOf: (obj: KubeObject) => Record<string, string>): Selectable;
}

export interface Selectable {
  labels: Record<string, string> | undefined;
  fields: Record<string, string>;
}

/**
 * An entry keeps its JSON; the parsed object is held only weakly (memory for 150,000 pods
 * stays close to the JSON size), while labels and selectable fields are kept, so that
 * selectors never need a parse.
 */
class LazyEntry implements CacheEntry {
  private parsed: WeakRef<KubeObject> | undefined;
  constructor(
    readonly key: string,
    readonly rev: number,
    readonly json: string,
    private sel?: Selectable,
  ) {}
  get obj(): KubeObject {
    let o = this.parsed?.deref();
    if (!o) {
      o = JSON.parse(this.json) as KubeObject;
      this.parsed = new WeakRef(o);
    }
    return o;
  }
  objOnce(): KubeObject {
    return this.parsed?.deref() ?? (JSON.parse(this.json) as KubeObject);
  }
  selectable(fieldsOf: (obj: KubeObject) => Record<string, string>): Selectable {
    if (!this.sel) {
      const o = this.objOnce(); // only its labels and fields stay
      this.sel = { labels: o.metadata.labels, fields: fieldsOf(o) };
    }
    return this.sel;
  }
}

/** Stored JSON (top-level keys apiVersion, kind, metadata first) plus the revision as resourceVersion. */
export function withResourceVersion(stored: string, rev: number): string {
  const i = stored.indexOf('"metadata":{');
  if (i < 0) throw new Error('stored object has no metadata');
  const at = i + '"metadata":{'.length;
  const sep = stored[at] === '}' ? '' : ',';
  return `${stored.slice(0, at)}"resourceVersion":"${rev}"${sep}${stored.slice(at)}`;
}

/** The inverse of withResourceVersion: the stored JSON of a cached entry (= storedJson(entry.obj)). */
export function storedJsonOfEntry(e: CacheEntry): string {
  const json = e.json;
  const head = '"metadata":{"resourceVersion":"';
  const i = json.indexOf('"metadata":{');
  if (i < 0 || !json.startsWith(head, i)) return storedJsonFallback(e.obj);
  const start = i + '"metadata":{'.length;
  let end = json.indexOf('"', i + head.length) + 1;
  if (json[end] === ',') end++;
  return json.slice(0, start) + json.slice(end);
}

function storedJsonFallback(obj: KubeObject): string {
  const { resourceVersion: _rv, ...meta } = obj.metadata;
  const { apiVersion, kind, metadata: _m, ...rest } = obj;
  return JSON.stringify({ apiVersion, kind, metadata: meta, ...rest });
}

/**
 * What the registry knew when it encoded a value for the store: the text it encoded (so the
 * cache need not decode the bytes again) and the object's labels and selectable fields (so
 * that selectors need no parse of the new entry). Travels with the write as its memo (see
 * WriteOpts), which the store passes on in the write's watch event.
 */
class WriteHint {
  constructor(
    readonly text: string,
    readonly sel: Selectable | undefined,
  ) {}
}

/** Bytes and write options to store `stored` (storedJson of an object) with a hint for the cache. */
export function encodeStored(stored: string, sel?: Selectable): { value: Buffer; opts: WriteOpts } {
  // handed over: the registry never touches these bytes again, the store need not copy them
  return { value: Buffer.from(stored, 'utf8'), opts: { handOver: true, memo: new WriteHint(stored, sel) } };
}

function textOf(value: Uint8Array): string {
  return Buffer.isBuffer(value) ? value.toString('utf8') : Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
}

export function entryFromKV(kv: KV, key: string, rev = kv.modRevision): CacheEntry {
  const hint = kv.memo instanceof WriteHint ? kv.memo : undefined;
  return new LazyEntry(key, rev, withResourceVersion(hint ? hint.text : textOf(kv.value), kv.modRevision), hint?.sel);
}

export type CacheEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface CacheEvent {
  type: CacheEventType;
  entry: CacheEntry;
  prev?: CacheEntry;
  rev: number;
}

export type WatchListener = (ev: CacheEvent) => void;

export class WatchCache {
  private readonly items = new Map<string, CacheEntry>();
  private sorted: CacheEntry[] | undefined;
  private readonly ring: CacheEvent[] = [];
  private ringStart = 0; // all events with rev > ringStartRev are in the ring
  private ringStartRev = 0;
  private readonly listeners = new Set<WatchListener>();
  private waiters: { rev: number; resolve: () => void }[] = [];
  rev = 0;
  private readyPromise: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    /** store key prefix, e.g. /registry/core/pods/ */
    readonly prefix: string,
    private readonly log: Logger,
    private readonly capacity = 20000,
  ) {}

  /** Load everything, then follow the store until signal aborts. Resolves once loaded. */
  start(signal: AbortSignal): Promise<void> {
    if (!this.readyPromise) this.readyPromise = this.run(signal);
    return this.readyPromise;
  }

  private async run(signal: AbortSignal): Promise<void> {
    const res = await this.store.list(this.prefix);
    for (const kv of res.items) {
      const e = this.entryOf(kv);
      this.items.set(e.key, e);
    }
    this.rev = res.revision;
    this.ringStartRev = res.revision;
    void this.follow(res.revision, signal);
  }

  private async follow(fromRev: number, signal: AbortSignal): Promise<void> {
    let from = fromRev;
    while (!signal.aborted) {
      const w = this.store.watch(this.prefix, from);
      const onAbort = () => w.close();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        for await (const ev of w) {
          this.apply(ev.type === 'DELETE' ? 'DELETED' : 'PUT', ev.kv);
          from = ev.revision;
        }
      } catch (err) {
        if (signal.aborted) return;
        this.log.warn({ err, prefix: this.prefix }, 'watch cache lost its store watch; re-listing');
        await this.relist();
        from = this.rev;
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
      if (!signal.aborted) await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Rebuild from a fresh list, emitting the differences as events. */
  private async relist(): Promise<void> {
    const res = await this.store.list(this.prefix);
    const seen = new Set<string>();
    for (const kv of res.items) {
      const e = this.entryOf(kv);
      seen.add(e.key);
      const cur = this.items.get(e.key);
      if (!cur || cur.rev !== e.rev) this.apply('PUT', kv);
    }
    for (const [k, cur] of [...this.items]) {
      if (!seen.has(k)) this.emit({ type: 'DELETED', entry: new LazyEntry(cur.key, res.revision, cur.json), prev: cur, rev: res.revision }, k, undefined);
    }
    this.advance(res.revision);
  }

  private entryOf(kv: KV): CacheEntry {
    return entryFromKV(kv, kv.key.slice(this.prefix.length));
  }

  private apply(kind: 'PUT' | 'DELETED', kv: KV): void {
    const e = this.entryOf(kv);
    const prev = this.items.get(e.key);
    if (kind === 'DELETED') {
      this.emit({ type: 'DELETED', entry: e, prev, rev: kv.modRevision }, e.key, undefined);
    } else {
      this.emit({ type: prev ? 'MODIFIED' : 'ADDED', entry: e, prev, rev: kv.modRevision }, e.key, e);
    }
  }

  private emit(ev: CacheEvent, key: string, next: CacheEntry | undefined): void {
    if (next) this.items.set(key, next);
    else this.items.delete(key);
    this.sorted = undefined;
    this.ring.push(ev);
    if (this.ring.length - this.ringStart > this.capacity) {
      this.ringStartRev = this.ring[this.ringStart]!.rev;
      this.ringStart++;
      if (this.ringStart > 4096) {
        this.ring.splice(0, this.ringStart);
        this.ringStart = 0;
      }
    }
    for (const l of this.listeners) {
      try {
        l(ev);
      } catch (err) {
        this.log.error({ err }, 'watch listener failed');
      }
    }
    this.advance(ev.rev);
  }

  private advance(rev: number): void {
    if (rev > this.rev) this.rev = rev;
    if (this.waiters.length === 0) return;
    const still: typeof this.waiters = [];
    for (const w of this.waiters) (w.rev <= this.rev ? w.resolve() : still.push(w));
    this.waiters = still;
  }

  /** Resolves once the cache has seen revision rev (the revision of a write to this resource). */
  waitFor(rev: number, timeoutMs = 5000): Promise<void> {
    if (rev <= this.rev) return Promise.resolve();
    return new Promise((resolve) => {
      const w = { rev, resolve };
      this.waiters.push(w);
      setTimeout(() => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) {
          this.waiters.splice(i, 1);
          resolve();
        }
      }, timeoutMs).unref();
    });
  }

  /**
   * Make the cache current with the store's global revision (writes to other resources
   * advance it without events here). Used when a client names a revision we have not seen.
   */
  async syncToStore(): Promise<void> {
    const cur = await this.store.currentRevision();
    await new Promise((r) => setImmediate(r));
    if (cur > this.rev) this.advance(cur);
  }

  get(key: string): CacheEntry | undefined {
    return this.items.get(key);
  }

  /** All entries sorted by key (namespace, then name). */
  list(): CacheEntry[] {
    if (!this.sorted) this.sorted = [...this.items.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return this.sorted;
  }

  get size(): number {
    return this.items.size;
  }

  /** Events with rev > fromRev, or undefined when the ring no longer reaches back that far. */
  eventsSince(fromRev: number): CacheEvent[] | undefined {
    if (fromRev < this.ringStartRev) return undefined;
    const out: CacheEvent[] = [];
    for (let i = this.ringStart; i < this.ring.length; i++) {
      const ev = this.ring[i]!;
      if (ev.rev > fromRev) out.push(ev);
    }
    return out;
  }

  subscribe(l: WatchListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}
