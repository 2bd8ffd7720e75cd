// Group commit: writes queued in the same event-loop turn(s) are applied in ONE
// transaction, flushed from setImmediate or as soon as the queue reaches maxBatch.
// Each op is checked on its own against the state left by the ops before it; a
// conflicting op writes nothing and rejects, the others proceed. Promises settle only
// after the transaction has committed (WAL + synchronous=FULL: durable).
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
  /** called synchronously after each commit with the batch's events in revision order */
  onCommit: (events: WatchEvent[], revision: number) => void;
}

export class GroupCommitter {
  private queue: Pending[] = [];
  private immediate: NodeJS.Immediate | undefined;
  private flushing = false;
  private closed = false;
  private committed: number;
  private lastTs: number;
  private readonly runBatch: (batch: Pending[], out: (Applied | StoreConflictError)[]) => number;

  constructor(db: Db, private readonly st: Statements, private readonly opts: GroupCommitterOptions) {
    this.committed = opts.revision;
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

  /** Last committed revision. */
  revision(): number {
    return this.committed;
  }

  enqueue(op: WriteOp): Promise<KV> {
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

  /** Flush, then refuse further writes. */
  close(): void {
    this.flush();
    this.closed = true;
  }

  private commit(batch: Pending[]): void {
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
    const events: WatchEvent[] = [];
    for (const r of out) if (!(r instanceof StoreConflictError)) events.push(r.event);
    if (events.length > 0) this.opts.onCommit(events, rev);
    for (let i = 0; i < batch.length; i++) {
      const r = out[i]!;
      if (r instanceof StoreConflictError) batch[i]!.reject(r);
      else batch[i]!.resolve(r.kv);
    }
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
