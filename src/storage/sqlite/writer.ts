// Group commit: writes queued in the same event-loop turn(s) are applied in ONE
// transaction, flushed from setImmediate or as soon as the queue reaches maxBatch.
// Each op is checked on its own against the state left by the ops before it; a
// conflicting op writes nothing and rejects, the others proceed.
// Durability is asynchronous: a transaction commits to the WAL without an fsync
// (synchronous=NORMAL), then one fdatasync of the WAL, run off the event loop, makes every
// transaction committed before it durable at once. Only then are the batches' promises
// settled and their watch events fanned out: nothing is acknowledged or shown before it is
// on disk. Transactions committed while an fsync runs wait for the next one, so under load
// many batches share one fsync and the event loop never blocks on the disk. The store's
// reads hide what is committed but not yet durable (revision() is the durable revision).
import type { Clock } from '../../util/clock.js';
import { StoreConflictError, type KV, type WatchEvent } from '../types.js';
import type { Db } from './pragmas.js';
import type { KvRow, Statements } from './schema.js';

export type WriteOp =
  | { kind: 'create'; key: string; value: Buffer; memo?: unknown }
  | { kind: 'update'; key: string; value: Buffer; expected: number; memo?: unknown }
  | { kind: 'delete'; key: string; expected: number | undefined };

interface Pending {
  op: WriteOp;
  resolve: (kv: KV) => void;
  reject: (err: unknown) => void;
}

interface Applied {
  kv: KV;
  event: WatchEvent;
}

export function rowToKv(r: KvRow): KV {
  return { key: r.key, value: r.value, createRevision: r.create_revision, modRevision: r.revision };
}

export interface GroupCommitterOptions {
  maxBatch: number;
  clock: Clock;
  /** last committed revision found on disk */
  revision: number;
  /** newest commit timestamp found on disk (commit times never go backwards) */
  lastTs: number;
  /** called when commits become durable, with their events in revision order */
  onCommit: (events: WatchEvent[], revision: number) => void;
  /**
   * Makes every transaction committed so far durable (fdatasync of the WAL); calls done once,
   * asynchronously, with its error or null.
   */
  sync: (done: (err: Error | null) => void) => void;
  /** the sync failed: the writer refuses all further writes (called once) */
  onSyncError?: (err: Error) => void;
}

/** A committed batch waiting for the fsync that makes it durable. */
interface Unsynced {
  batch: Pending[];
  out: (Applied | StoreConflictError)[];
  /** the revision committed with this batch (its last write's, or the one before it) */
  rev: number;
}

export class GroupCommitter {
  private queue: Pending[] = [];
  private immediate: NodeJS.Immediate | undefined;
  private flushing = false;
  private closed = false;
  /** last revision committed to SQLite (writes are checked against it) */
  private committed: number;
  /** last revision known to be on disk (what readers see) */
  private durable: number;
  private readonly unsynced: Unsynced[] = [];
  private syncing = false;
  private failure: Error | undefined;
  private drained: (() => void)[] = [];
  private lastTs: number;
  private readonly runBatch: (batch: Pending[], out: (Applied | StoreConflictError)[]) => number;

  constructor(db: Db, private readonly st: Statements, private readonly opts: GroupCommitterOptions) {
    this.committed = opts.revision;
    this.durable = opts.revision;
    this.lastTs = opts.lastTs;
    this.runBatch = db
      .transaction((batch: Pending[], out: (Applied | StoreConflictError)[]): number => {
        let rev = this.committed;
        for (const p of batch) {
          const r = this.apply(p.op, rev + 1);
          if (!(r instanceof StoreConflictError)) rev++;
          out.push(r);
        }
        if (rev > this.committed) st.insertCommit.run(rev, this.nextTs());
        return rev;
      })
      .immediate;
  }

  /** Last durable revision: every write up to it is on disk and acknowledged. */
  revision(): number {
    return this.durable;
  }

  /** Last revision committed to SQLite, durable or not (above revision() while an fsync is due). */
  committedRevision(): number {
    return this.committed;
  }

  enqueue(op: WriteOp): Promise<KV> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error('sqlite store is closed'));
    return new Promise<KV>((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      if (this.queue.length >= this.opts.maxBatch && !this.flushing) this.flush();
      else if (!this.immediate) this.immediate = setImmediate(() => this.flush());
    });
  }

  /** Commit everything queued now (synchronously). */
  flush(): void {
    if (this.immediate) {
      clearImmediate(this.immediate);
      this.immediate = undefined;
    }
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.opts.maxBatch);
      this.commit(batch);
    }
  }

  /** Flush, refuse further writes, and resolve once everything committed is durable (or failed). */
  close(): Promise<void> {
    this.flush();
    this.closed = true;
    if (this.unsynced.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.drained.push(resolve));
  }

  private commit(batch: Pending[]): void {
    if (this.failure) {
      for (const p of batch) p.reject(this.failure);
      return;
    }
    const out: (Applied | StoreConflictError)[] = [];
    let rev: number;
    this.flushing = true;
    try {
      rev = this.runBatch(batch, out);
    } catch (err) {
      // Rolled back as a whole: nothing of this batch was written.
      for (const p of batch) p.reject(err);
      return;
    } finally {
      this.flushing = false;
    }
    this.committed = rev;
    // Conflicts wait too: they may be against a write that is not durable yet.
    this.unsynced.push({ batch, out, rev });
    this.startSync();
  }

  /** Starts an fsync for what is committed but not durable, unless one is running; settles what is durable. */
  private startSync(): void {
    if (!this.syncing && this.committed > this.durable) {
      const target = this.committed;
      this.syncing = true;
      this.opts.sync((err) => this.synced(target, err));
    }
    this.settle(); // batches of conflicts only may be settled at once
  }

  private synced(target: number, err: Error | null): void {
    this.syncing = false;
    if (err) {
      // Whether anything reached the disk is unknown: no write may be acknowledged after this.
      this.failure = new Error(`sqlite store: fsync of the write-ahead log failed, no further writes accepted: ${err.message}`);
      for (const u of this.unsynced.splice(0)) for (const p of u.batch) p.reject(this.failure);
      this.opts.onSyncError?.(this.failure);
      this.notifyDrained();
      return;
    }
    if (target > this.durable) this.durable = target;
    this.startSync(); // the next fsync starts before this one's batches are settled
  }

  /** Settles the batches at or below the durable revision, in commit order. */
  private settle(): void {
    while (this.unsynced.length > 0 && this.unsynced[0]!.rev <= this.durable) {
      const { batch, out, rev } = this.unsynced.shift()!;
      const events: WatchEvent[] = [];
      for (const r of out) if (!(r instanceof StoreConflictError)) events.push(r.event);
      if (events.length > 0) this.opts.onCommit(events, rev);
      for (let i = 0; i < batch.length; i++) {
        const r = out[i]!;
        if (r instanceof StoreConflictError) batch[i]!.reject(r);
        else batch[i]!.resolve(r.kv);
      }
    }
    if (this.unsynced.length === 0) this.notifyDrained();
  }

  private notifyDrained(): void {
    for (const d of this.drained.splice(0)) d();
  }

  private nextTs(): number {
    const now = this.opts.clock.now();
    if (now > this.lastTs) this.lastTs = now;
    return this.lastTs;
  }

  /** Apply one op at revision `rev` inside the open transaction, or report its conflict. */
  private apply(op: WriteOp, rev: number): Applied | StoreConflictError {
    const st = this.st;
    if (op.kind === 'create') {
      if (st.insertCurrentIfAbsent.run(op.key, rev).changes === 0) {
        return new StoreConflictError(op.key, 'exists', this.current(op.key));
      }
      st.insertLog.run(rev, op.key, rev, 0, 0, op.value);
      const kv: KV = { key: op.key, value: op.value, createRevision: rev, modRevision: rev };
      if (op.memo !== undefined) kv.memo = op.memo;
      return { kv, event: { type: 'PUT', kv, revision: rev } };
    }
    const cur = st.getCurrent.get(op.key);
    if (!cur) return new StoreConflictError(op.key, 'notFound');
    const prevKv = rowToKv(cur);
    if (op.expected !== undefined && cur.revision !== op.expected) {
      return new StoreConflictError(op.key, 'revision', prevKv);
    }
    if (op.kind === 'update') {
      st.insertLog.run(rev, op.key, cur.create_revision, cur.revision, 0, op.value);
      st.upsertCurrent.run(op.key, rev);
      const kv: KV = { key: op.key, value: op.value, createRevision: cur.create_revision, modRevision: rev };
      if (op.memo !== undefined) kv.memo = op.memo;
      return { kv, event: { type: 'PUT', kv, prevKv, revision: rev } };
    }
    st.insertLog.run(rev, op.key, cur.create_revision, cur.revision, 1, cur.value);
    st.deleteCurrent.run(op.key);
    const kv: KV = { key: op.key, value: cur.value, createRevision: cur.create_revision, modRevision: rev };
    return { kv, event: { type: 'DELETE', kv, prevKv, revision: rev } };
  }

  private current(key: string): KV | undefined {
    const r = this.st.getCurrent.get(key);
    return r ? rowToKv(r) : undefined;
  }
}
