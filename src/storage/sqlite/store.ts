// SqliteStore: the Store contract on one SQLite file (see schema.ts for the layout).
// Single writer process: revisions are assigned in JS by the group committer; reads run
// synchronously on the same connection and see the last durable state: while an fsync is
// due, the rows committed after the durable revision are hidden (read as of that revision).
// Revisions: an empty store has currentRevision 0; the first write gets revision 1.
// Watches are served in-process: replay from the log, then fan-out after each commit.
import { closeSync, fdatasync } from 'node:fs';
import { realClock, type Clock } from '../../util/clock.js';
import {
  StoreCompactedError,
  StoreFutureRevisionError,
  type KV,
  type ListOptions,
  type ListResult,
  type Store,
  type WatchEvent,
  type Watcher,
  type WriteOpts,
} from '../types.js';
import { Compactor } from './compactor.js';
import { compareKeys, toBuffer, upperBound } from './keys.js';
import { countAtRevision, listAtRevision, type KeyRange } from './list-at.js';
import { openDurableDb, openWal, type Db } from './pragmas.js';
import { initSchema, Statements, type LogRow } from './schema.js';
import { StoreWatcher, type ReplayPage } from './watcher.js';
import { GroupCommitter, rowToKv } from './writer.js';

export interface SqliteStoreOptions {
  clock?: Clock;
  /** history younger than this is never compacted automatically (default 5 min) */
  retentionMs?: number;
  /** how often automatic compaction runs (default 60 s; 0 disables it) */
  compactIntervalMs?: number;
  /** max writes per transaction (default 256) */
  maxBatch?: number;
  /** live events a watcher may buffer before it is ended with WatchOverflowError (default 100 000) */
  watchBufferLimit?: number;
  /** revisions per compaction transaction (default 10 000) */
  compactChunk?: number;
  /** errors from background work (automatic compaction, a failed fsync); default: ignored */
  onError?: (err: Error) => void;
  /** tests: interpose on the fdatasync of the WAL that makes commits durable */
  wrapSync?: (sync: SyncFn) => SyncFn;
}

/** Makes everything committed so far durable; calls done once, asynchronously. */
export type SyncFn = (done: (err: Error | null) => void) => void;

const REPLAY_PAGE = 1000;

export function openSqliteStore(path: string, opts: SqliteStoreOptions = {}): SqliteStore {
  const db = openDurableDb(path, 'caller');
  let wal: number | undefined;
  try {
    initSchema(db, path);
    wal = openWal(path);
    return new SqliteStore(db, opts, wal);
  } catch (err) {
    if (wal !== undefined) closeSync(wal);
    db.close();
    throw err;
  }
}

export class SqliteStore implements Store {
  private readonly st: Statements;
  private readonly writer: GroupCommitter;
  private readonly compactor: Compactor;
  private readonly clock: Clock;
  private readonly retentionMs: number;
  private readonly bufferLimit: number;
  private readonly onError: (err: Error) => void;
  /** watchers grouped by prefix, for fan-out */
  private readonly watchers = new Map<string, Set<StoreWatcher>>();
  private readonly timer: NodeJS.Timeout | undefined;
  private closed = false;
  private closing: Promise<void> | undefined;

  /** Use openSqliteStore. */
  constructor(private readonly db: Db, opts: SqliteStoreOptions, private readonly wal: number) {
    this.clock = opts.clock ?? realClock;
    this.retentionMs = opts.retentionMs ?? 5 * 60_000;
    this.bufferLimit = opts.watchBufferLimit ?? 100_000;
    this.onError = opts.onError ?? (() => undefined);
    this.st = new Statements(db);
    const compacted = this.st.getMeta.get('compacted') ?? 0;
    this.compactor = new Compactor(db, this.st, {
      chunk: opts.compactChunk ?? 10_000,
      compacted,
      onAdvance: (rev) => this.failWatchersBehind(rev),
    });
    this.writer = new GroupCommitter(db, this.st, {
      maxBatch: opts.maxBatch ?? 256,
      clock: this.clock,
      revision: Math.max(this.st.maxRevision.get() ?? 0, compacted),
      lastTs: this.st.maxCommitTs.get() ?? 0,
      onCommit: (events) => this.fanOut(events),
      sync: (opts.wrapSync ?? ((f) => f))((done) => fdatasync(wal, done)),
      onSyncError: this.onError,
    });
    const interval = opts.compactIntervalMs ?? 60_000;
    if (interval > 0) {
      this.timer = setInterval(() => {
        this.autoCompact().catch((err: unknown) => this.onError(err as Error));
      }, interval);
      this.timer.unref();
    }
  }

  async get(key: string): Promise<KV | undefined> {
    this.checkOpen();
    const r = this.st.getCurrent.get(key);
    const durable = this.writer.revision();
    if (this.writer.committedRevision() > durable) {
      // the key as of the durable revision: the row its first later write replaced, if any
      const ch = this.st.firstChangeAfter.get(durable, key);
      if (ch) {
        const old = ch.prev_revision > 0 ? this.st.logRow.get(ch.prev_revision) : undefined;
        return old ? rowToKv(old) : undefined;
      }
    }
    return r ? rowToKv(r) : undefined;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.checkOpen();
    const committed = this.writer.revision(); // durable
    const requested = opts.revision ?? 0;
    if (requested > committed) throw new StoreFutureRevisionError(requested, committed);
    const compacted = this.compactor.revision();
    if (requested > 0 && requested < compacted) throw new StoreCompactedError(requested, compacted);
    const hiding = this.writer.committedRevision() > committed; // rows above the durable revision exist
    const past = requested > 0 && requested < committed;
    const atRev = past ? requested : committed;
    const limit = opts.limit !== undefined && opts.limit > 0 ? opts.limit : -1;
    const upper = upperBound(prefix);
    const after = opts.startAfter !== undefined && compareKeys(opts.startAfter, prefix) >= 0;
    const range: KeyRange = { lower: after ? opts.startAfter! : prefix, lowerOp: after ? 1 : 0, upper };
    if (past || hiding) {
      const { rows, remaining } = listAtRevision(this.st, range, atRev, limit);
      return { items: rows.map(rowToKv), revision: atRev, more: remaining > 0, remaining };
    }
    const rows = this.st.listCurrent[range.lowerOp].all(range.lower, upper, limit);
    let remaining = 0;
    if (limit > 0 && rows.length === limit) remaining = this.st.countCurrent[1].get(rows[limit - 1]!.key, upper)!;
    return { items: rows.map(rowToKv), revision: committed, more: remaining > 0, remaining };
  }

  async count(prefix: string): Promise<number> {
    this.checkOpen();
    const durable = this.writer.revision();
    if (this.writer.committedRevision() > durable) return countAtRevision(this.st, { lower: prefix, lowerOp: 0, upper: upperBound(prefix) }, durable);
    return this.st.countCurrent[0].get(prefix, upperBound(prefix)) ?? 0;
  }

  // Writes are validated before queueing: a malformed op must not fail its whole batch.
  create(key: string, value: Uint8Array, opts?: WriteOpts): Promise<KV> {
    const bad = invalidKey(key) ?? invalidValue(value);
    if (bad) return Promise.reject(bad);
    return this.writer.enqueue({ kind: 'create', key, value: copy(value, opts), memo: opts?.memo });
  }

  update(key: string, value: Uint8Array, expectedRevision: number, opts?: WriteOpts): Promise<KV> {
    const bad = invalidKey(key) ?? invalidValue(value) ?? invalidRevision(expectedRevision);
    if (bad) return Promise.reject(bad);
    return this.writer.enqueue({ kind: 'update', key, value: copy(value, opts), expected: expectedRevision, memo: opts?.memo });
  }

  delete(key: string, expectedRevision?: number): Promise<KV> {
    const bad = invalidKey(key) ?? (expectedRevision === undefined ? undefined : invalidRevision(expectedRevision));
    if (bad) return Promise.reject(bad);
    return this.writer.enqueue({ kind: 'delete', key, expected: expectedRevision });
  }

  watch(prefix: string, fromRevision: number): Watcher {
    this.checkOpen();
    const compacted = this.compactor.revision();
    if (fromRevision < compacted) throw new StoreCompactedError(fromRevision, compacted);
    const w = new StoreWatcher(
      prefix,
      fromRevision,
      (p, afterRev) => this.readReplay(p, afterRev),
      this.bufferLimit,
      (ended) => this.removeWatcher(ended),
      this.writer.revision(),
    );
    let set = this.watchers.get(prefix);
    if (!set) this.watchers.set(prefix, (set = new Set()));
    set.add(w);
    return w;
  }

  async currentRevision(): Promise<number> {
    this.checkOpen();
    return this.writer.revision();
  }

  async compactedRevision(): Promise<number> {
    this.checkOpen();
    return this.compactor.revision();
  }

  async compact(revision: number): Promise<void> {
    this.checkOpen();
    const committed = this.writer.revision();
    if (revision > committed) throw new StoreFutureRevisionError(revision, committed);
    await this.compactor.compactTo(revision);
  }

  /**
   * One round of time-based compaction: compact history committed more than retentionMs
   * ago, but not past a watcher still replaying history, unless that history is older than
   * twice the retention (an abandoned or hopelessly slow watcher must not hold compaction
   * back forever; it ends with StoreCompactedError). Resolves with the compacted revision.
   */
  async autoCompact(): Promise<number> {
    if (this.closed) return this.compactor.revision();
    const now = this.clock.now();
    const old = this.st.revisionAtOrBefore.get(now - this.retentionMs);
    const target = old === undefined ? undefined : Math.min(old, this.writer.revision()); // never past what is durable
    if (target !== undefined && target > this.compactor.revision()) {
      const forced = this.st.revisionAtOrBefore.get(now - 2 * this.retentionMs) ?? 0;
      await this.compactor.compactTo(target, () => Math.max(this.minReplayCursor(), forced));
    }
    return this.compactor.revision();
  }

  close(): Promise<void> {
    if (!this.closing) this.closing = this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    const synced = this.writer.close();
    this.closed = true;
    await synced; // every write acknowledged (or failed) before the file closes
    await this.compactor.stop();
    for (const set of [...this.watchers.values()]) for (const w of [...set]) w.close();
    closeSync(this.wal);
    this.db.close();
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('sqlite store is closed');
  }

  private fanOut(events: WatchEvent[]): void {
    for (const [prefix, set] of this.watchers) {
      for (const ev of events) {
        if (!ev.kv.key.startsWith(prefix)) continue;
        for (const w of set) w.push(ev);
      }
    }
  }

  private readReplay(prefix: string, afterRevision: number): ReplayPage {
    if (this.closed) throw new Error('sqlite store is closed');
    const compacted = this.compactor.revision();
    if (afterRevision < compacted) throw new StoreCompactedError(afterRevision, compacted);
    const durable = this.writer.revision();
    const rows = this.st.replay.all(afterRevision, durable, prefix, upperBound(prefix), REPLAY_PAGE);
    return { events: rows.map(rowToEvent), caughtUp: rows.length < REPLAY_PAGE, committed: durable };
  }

  private removeWatcher(w: StoreWatcher): void {
    const set = this.watchers.get(w.prefix);
    if (!set) return;
    set.delete(w);
    if (set.size === 0) this.watchers.delete(w.prefix);
  }

  private minReplayCursor(): number {
    let min = Infinity;
    for (const set of this.watchers.values()) {
      for (const w of set) {
        const c = w.replayCursor();
        if (c !== undefined && c < min) min = c;
      }
    }
    return min;
  }

  private failWatchersBehind(compacted: number): void {
    for (const set of [...this.watchers.values()]) {
      for (const w of [...set]) {
        const c = w.replayCursor();
        if (c !== undefined && c < compacted) w.fail(new StoreCompactedError(c, compacted));
      }
    }
  }
}

function rowToEvent(r: LogRow): WatchEvent {
  const kv: KV = { key: r.key, value: r.value, createRevision: r.create_revision, modRevision: r.revision };
  if (r.deleted) {
    const prevKv: KV = { ...kv, modRevision: r.prev_revision };
    return { type: 'DELETE', kv, prevKv, revision: r.revision };
  }
  if (r.prev_revision > 0 && r.prev_value !== null) {
    const prevKv: KV = { key: r.key, value: r.prev_value, createRevision: r.create_revision, modRevision: r.prev_revision };
    return { type: 'PUT', kv, prevKv, revision: r.revision };
  }
  return { type: 'PUT', kv, revision: r.revision };
}

/** Own copy of the caller's bytes (they end up in events shared with watchers), unless handed over. */
function copy(v: Uint8Array, opts: WriteOpts | undefined): Buffer {
  return opts?.handOver ? toBuffer(v) : Buffer.from(toBuffer(v));
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function invalidKey(key: unknown): Error | undefined {
  if (typeof key !== 'string' || key.length === 0) return new TypeError('storage key must be a non-empty string');
  if (LONE_SURROGATE.test(key)) return new TypeError(`storage key is not well-formed UTF-16: ${JSON.stringify(key)}`);
  return undefined;
}

function invalidValue(value: unknown): Error | undefined {
  return value instanceof Uint8Array ? undefined : new TypeError('storage value must be a Uint8Array');
}

function invalidRevision(rev: unknown): Error | undefined {
  return Number.isSafeInteger(rev) ? undefined : new TypeError(`expected revision must be an integer, got ${String(rev)}`);
}
