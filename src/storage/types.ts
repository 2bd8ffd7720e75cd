// The one storage contract. SQLite (default) and etcd implement it; storage/conformance.ts
// holds the shared test suite every implementation must pass.
//
// Model (etcd's): one global, monotonic revision. Every successful write gets the next
// revision; an object's `modRevision` is the revision of its last write and becomes
// metadata.resourceVersion. Values are opaque bytes (the API server stores JSON without
// resourceVersion, and injects it on read, as kine does).

/** Options of a create or update. */
export interface WriteOpts {
  /**
   * The caller gives `value` to the store and never modifies it again: the store may keep these
   * very bytes (in its events too) instead of a copy.
   */
  handOver?: boolean;
  /**
   * Opaque data of the writer, carried unchanged in the KV of this write and of its watch
   * event (in-process only; never stored, absent from reads). Lets an in-process watcher
   * reuse what the writer already knew about the value.
   */
  memo?: unknown;
}

export interface KV {
  key: string;
  value: Uint8Array;
  /** revision of the write that created this key (its current incarnation) */
  createRevision: number;
  /** revision of the last write of this key */
  modRevision: number;
  /** WriteOpts.memo of the write that produced this KV (write results and live watch events only) */
  memo?: unknown;
}

export interface ListOptions {
  /** max items to return; 0 or undefined = all */
  limit?: number;
  /** return keys strictly greater than this key (continuation) */
  startAfter?: string;
  /** read as of this revision (must not be compacted); default = current */
  revision?: number;
}

export interface ListResult {
  items: KV[];
  /** revision the list was read at */
  revision: number;
  /** true when more items follow the last returned key */
  more: boolean;
  /** number of items after the returned ones, when known */
  remaining?: number;
}

export type WatchEventType = 'PUT' | 'DELETE';

export interface WatchEvent {
  type: WatchEventType;
  /** for DELETE: the last value before deletion (key, createRevision as before; modRevision = deletion revision) */
  kv: KV;
  /** previous value for PUT updates (undefined on create); for DELETE same as kv.value's source */
  prevKv?: KV;
  /** revision of this event (= kv.modRevision) */
  revision: number;
}

export interface Watcher extends AsyncIterable<WatchEvent> {
  /** stop watching; the iterator ends */
  close(): void;
}

/** The write conflicted with the current state (stale revision, or key exists/absent). */
export class StoreConflictError extends Error {
  constructor(readonly key: string, readonly kind: 'exists' | 'notFound' | 'revision', readonly current?: KV) {
    super(`storage conflict on ${key}: ${kind}`);
    this.name = 'StoreConflictError';
  }
}

/** The requested revision has been compacted away. */
export class StoreCompactedError extends Error {
  constructor(readonly requested: number, readonly compacted: number) {
    super(`required revision ${requested} has been compacted (compacted revision ${compacted})`);
    this.name = 'StoreCompactedError';
  }
}

/** The requested revision is in the future. */
export class StoreFutureRevisionError extends Error {
  constructor(readonly requested: number, readonly current: number) {
    super(`required revision ${requested} is a future revision (current ${current})`);
    this.name = 'StoreFutureRevisionError';
  }
}

export interface Store {
  get(key: string): Promise<KV | undefined>;
  /** keys with this prefix in key order */
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  /** count of keys with this prefix */
  count(prefix: string): Promise<number>;
  /** fails with StoreConflictError('exists') if the key exists */
  create(key: string, value: Uint8Array, opts?: WriteOpts): Promise<KV>;
  /** expectedRevision = modRevision the caller read; fails with StoreConflictError on mismatch/absence */
  update(key: string, value: Uint8Array, expectedRevision: number, opts?: WriteOpts): Promise<KV>;
  /** deletes if modRevision matches (or expectedRevision undefined); returns the deleted kv with the deletion revision */
  delete(key: string, expectedRevision?: number): Promise<KV>;
  /**
   * Events for keys under prefix with revision > fromRevision, in revision order, then live.
   * Throws StoreCompactedError (synchronously or on first next()) if fromRevision < compactedRevision.
   */
  watch(prefix: string, fromRevision: number): Watcher;
  currentRevision(): Promise<number>;
  /** oldest revision that can still be watched from / read at */
  compactedRevision(): Promise<number>;
  /** drop history at or below revision (never the current value of a live key) */
  compact(revision: number): Promise<void>;
  close(): Promise<void>;
}
