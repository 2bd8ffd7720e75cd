// SqliteStore: the shared conformance suite plus SQLite-specific behaviour.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import type { Clock } from '../../util/clock.js';
import { runStoreConformance } from '../conformance.js';
import { dec, enc, EventReader, expectWatchCompacted } from '../conformance-util.js';
import { StoreCompactedError } from '../types.js';
import { openSqliteStore, type SyncFn } from './store.js';
import { WatchOverflowError } from './watcher.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kubelite-sqlite-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshPath = (): string => path.join(root, `s${n++}`, 'state.db');
const mkdirFor = (file: string): string => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  return file;
};

runStoreConformance('sqlite', async () => {
  const file = mkdirFor(freshPath());
  const store = openSqliteStore(file, { compactIntervalMs: 0 });
  return { store, cleanup: () => store.close() };
});

class FakeClock implements Clock {
  constructor(public t = 1_700_000_000_000) {}
  now(): number {
    return this.t;
  }
  nowRFC3339(): string {
    return new Date(this.t).toISOString();
  }
}

describe('SqliteStore specifics', () => {
  it('rejects an unusable path with a clear error', () => {
    assert.throws(() => openSqliteStore(path.join(root, 'no-such-dir', 'x', 'state.db')), /unusable/);
    const file = path.join(root, 'not-a-db');
    fs.writeFileSync(file, 'this is not a database '.repeat(100));
    assert.throws(() => openSqliteStore(file), /sqlite store/);
  });

  it('a second open of the same file fails while the first is open', async () => {
    const file = mkdirFor(freshPath());
    const store = openSqliteStore(file, { compactIntervalMs: 0 });
    try {
      assert.throws(() => openSqliteStore(file), /another process/);
    } finally {
      await store.close();
    }
    const again = openSqliteStore(file, { compactIntervalMs: 0 });
    await again.close();
  });

  it('a malformed write is rejected on its own, not with its batch', async () => {
    const store = openSqliteStore(mkdirFor(freshPath()), { compactIntervalMs: 0 });
    try {
      const [bad1, bad2, good, bad3] = await Promise.allSettled([
        store.create('', enc('x')),
        store.create('/k', 'not bytes' as unknown as Uint8Array),
        store.create('/ok', enc('x')),
        store.create('/\uD800', enc('x')),
      ]);
      assert.equal(bad1.status, 'rejected');
      assert.equal(bad2.status, 'rejected');
      assert.equal(bad3.status, 'rejected');
      assert.equal(good.status, 'fulfilled');
    } finally {
      await store.close();
    }
  });

  it('an empty store is at revision 0 and the first write gets revision 1', async () => {
    const store = openSqliteStore(mkdirFor(freshPath()), { compactIntervalMs: 0 });
    try {
      assert.equal(await store.currentRevision(), 0);
      assert.equal(await store.compactedRevision(), 0);
      assert.equal((await store.create('/a', enc('x'))).modRevision, 1);
      await assert.rejects(store.create('/a', enc('y')));
      assert.equal((await store.create('/b', enc('x'))).modRevision, 2, 'a conflict consumes no revision');
    } finally {
      await store.close();
    }
  });

  it('reopen keeps data, revision and compaction boundary', async () => {
    const file = mkdirFor(freshPath());
    let store = openSqliteStore(file, { compactIntervalMs: 0 });
    const a = await store.create('/r/a', enc('a1'));
    await store.update('/r/a', enc('a2'), a.modRevision);
    await store.create('/r/b', enc('b1'));
    const del = await store.delete('/r/b');
    await store.compact(del.modRevision); // the newest row is compacted away
    await store.close();
    await assert.rejects(store.get('/r/a'), /closed/);
    await assert.rejects(store.create('/r/c', enc('c')), /closed/);

    store = openSqliteStore(file, { compactIntervalMs: 0 });
    try {
      assert.equal(await store.currentRevision(), del.modRevision);
      assert.equal(await store.compactedRevision(), del.modRevision);
      assert.equal(dec((await store.get('/r/a'))!.value), 'a2');
      assert.equal(await store.get('/r/b'), undefined);
      assert.equal((await store.create('/r/c', enc('c'))).modRevision, del.modRevision + 1);
    } finally {
      await store.close();
    }
  });

  it('automatic compaction keeps retentionMs of history (injected clock)', async () => {
    const clock = new FakeClock();
    const store = openSqliteStore(mkdirFor(freshPath()), { clock, retentionMs: 5 * 60_000, compactIntervalMs: 10 });
    try {
      const old = await store.create('/t/a', enc('1'));
      const oldUpd = await store.update('/t/a', enc('2'), old.modRevision);
      clock.t += 4 * 60_000;
      const recent = await store.update('/t/a', enc('3'), oldUpd.modRevision);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(await store.compactedRevision(), 0, 'nothing is older than the retention yet');
      clock.t += 2 * 60_000; // first two writes are now 6 min old, the last 2 min
      await waitFor(async () => (await store.compactedRevision()) === oldUpd.modRevision);
      await expectWatchCompacted(store, '/t/', old.modRevision);
      const w = new EventReader(store.watch('/t/', oldUpd.modRevision));
      try {
        const [ev] = await w.take(1);
        assert.equal(ev!.revision, recent.modRevision);
        assert.equal(dec(ev!.prevKv!.value), '2');
      } finally {
        w.close();
      }
      assert.equal(dec((await store.get('/t/a'))!.value), '3');
    } finally {
      await store.close();
    }
  });

  it('automatic compaction waits for replaying watchers, for at most one more retention period', async () => {
    const clock = new FakeClock();
    const store = openSqliteStore(mkdirFor(freshPath()), { clock, retentionMs: 1000, compactIntervalMs: 0 });
    try {
      for (let i = 0; i < 3000; i++) void store.create(`/w/${i}`, enc('x'));
      await store.create('/w/last', enc('x'));
      const w = new EventReader(store.watch('/w/', 0));
      await w.take(10); // replay in progress: the first page (1000 events) is read
      clock.t += 1500;
      assert.equal(await store.autoCompact(), 1000, 'held back by the replaying watcher');
      const rest = await w.take(2991);
      assert.equal(rest[rest.length - 1]!.kv.key, '/w/last');
      w.close();
      assert.equal(await store.autoCompact(), 3001);
      // ... but only for up to twice the retention
      for (let i = 0; i < 3000; i++) void store.create(`/w2/${i}`, enc('x'));
      await store.create('/w2/last', enc('x'));
      const lagging = new EventReader(store.watch('/w2/', 3001));
      await lagging.take(1);
      clock.t += 1500;
      assert.equal(await store.autoCompact(), 4001);
      clock.t += 1000;
      assert.equal(await store.autoCompact(), 6002);
      await assert.rejects(lagging.next(), StoreCompactedError); // buffered events are dropped too
      // An explicit compaction ends replaying watchers that fall behind it.
      const w2 = new EventReader(store.watch('/w/', 6002));
      await store.create('/w/more', enc('x'));
      const w3 = new EventReader(store.watch('/w/', 6002));
      await store.compact(6003);
      assert.equal((await w2.take(1))[0]!.kv.key, '/w/more'); // w2 is not replaying: fine
      await assert.rejects(w3.next(), StoreCompactedError);
      w2.close();
    } finally {
      await store.close();
    }
  });

  it('a watcher whose buffer overflows is ended with WatchOverflowError', async () => {
    const store = openSqliteStore(mkdirFor(freshPath()), { compactIntervalMs: 0, watchBufferLimit: 100 });
    try {
      const slow = new EventReader(store.watch('/o/', 0));
      const fast = new EventReader(store.watch('/o/', 0));
      await slow.expectQuiet(10);
      await fast.expectQuiet(10);
      for (let round = 0; round < 6; round++) {
        const writes = [];
        for (let i = 0; i < 50; i++) writes.push(store.create(`/o/${round}/${i}`, enc('x')));
        await Promise.all(writes);
        assert.equal((await fast.take(50)).length, 50); // the fast one keeps up
      }
      assert.equal((await slow.next()).kv.key, '/o/0/0'); // was handed to the pending next()
      await assert.rejects(slow.next(), WatchOverflowError);
      assert.equal(await slow.ended(), true);
    } finally {
      await store.close();
    }
  });

  it('kill -9 loses no acknowledged write', { timeout: 60_000 }, async (t) => {
    const file = mkdirFor(freshPath());
    const script = fileURLToPath(new URL('./crash-writer.js', import.meta.url));
    const child = spawn(process.execPath, [script, file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => (out += d));
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    await waitFor(async () => out.includes('\n'), 20_000);
    await new Promise((r) => setTimeout(r, 1000));
    child.kill('SIGKILL');
    await exited;
    const acked = out.split('\n').slice(0, -1).filter((l) => l.startsWith('/'));
    assert.ok(acked.length > 1000, `only ${acked.length} writes acknowledged`);
    const store = openSqliteStore(file, { compactIntervalMs: 0 });
    try {
      const missing: string[] = [];
      for (const key of acked) if (!(await store.get(key))) missing.push(key);
      assert.deepEqual(missing.slice(0, 10), [], `${missing.length} acknowledged keys lost`);
      const count = await store.count('/crash/');
      assert.ok(count >= acked.length);
      t.diagnostic(`acknowledged ${acked.length} creates before SIGKILL; ${count} present after reopen`);
      assert.equal(await store.currentRevision(), count);
    } finally {
      await store.close();
    }
  });
});

async function waitFor(cond: () => Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('sqlite: value ownership', () => {
  it('copies the bytes of a write, unless they were handed over; memos reach the write result and its event', async () => {
    const store = openSqliteStore(mkdirFor(freshPath()), { compactIntervalMs: 0 });
    try {
      const w = store.watch('/o/', 0);
      const it = w[Symbol.asyncIterator]();
      const mine = enc('one');
      await store.create('/o/a', mine);
      mine[0] = 0x78; // the caller changes its buffer afterwards: the store is not affected
      const ev1 = (await it.next()).value!;
      assert.equal(dec(ev1.kv.value), 'one');
      assert.notEqual(ev1.kv.value, mine);
      assert.equal(dec((await store.get('/o/a'))!.value), 'one');
      const given = Buffer.from('two');
      const memo = { mine: true };
      const kv = await store.update('/o/a', given, ev1.kv.modRevision, { handOver: true, memo });
      const ev2 = (await it.next()).value!;
      assert.equal(ev2.kv.value, given, 'a handed-over value reaches watchers as the same bytes');
      assert.equal(kv.value, given);
      assert.equal(ev2.kv.memo, memo, 'the memo travels with the write');
      assert.equal(kv.memo, memo);
      assert.equal((await store.get('/o/a'))!.memo, undefined, 'reads carry no memo');
      assert.equal(dec((await store.get('/o/a'))!.value), 'two');
      w.close();
    } finally {
      await store.close();
    }
  });
});

/** A WAL sync the test releases by hand: each real fdatasync runs only when release() is called. */
class HeldSync {
  calls = 0;
  private held: (() => void)[] = [];
  fail: Error | undefined;
  readonly wrap = (real: SyncFn): SyncFn => (done) => {
    this.calls++;
    this.held.push(() => (this.fail ? setImmediate(() => done(this.fail!)) : real(done)));
  };
  get waiting(): number {
    return this.held.length;
  }
  release(): void {
    for (const h of this.held.splice(0)) h();
  }
}

const tick = () => new Promise((r) => setTimeout(r, 20));

/** Resolves 'pending' if p has not settled within a few event-loop turns. */
async function state(p: Promise<unknown>): Promise<'pending' | 'resolved' | 'rejected'> {
  return Promise.race([p.then(() => 'resolved' as const, () => 'rejected' as const), tick().then(() => 'pending' as const)]);
}

describe('sqlite: asynchronous group commit', () => {
  it('acknowledges a write and shows it to readers and watchers only once its WAL fsync returned', async () => {
    const held = new HeldSync();
    const store = openSqliteStore(mkdirFor(freshPath()), { compactIntervalMs: 0, wrapSync: held.wrap });
    try {
      const w = new EventReader(store.watch('/d/', 0));
      const c1 = store.create('/d/a', enc('one'));
      assert.equal(await state(c1), 'pending', 'not acknowledged before the fsync');
      assert.equal(held.waiting, 1);
      assert.equal(await store.get('/d/a'), undefined, 'a read does not see it');
      assert.deepEqual((await store.list('/d/')).items, []);
      assert.equal((await store.list('/d/')).revision, 0);
      assert.equal(await store.count('/d/'), 0);
      assert.equal(await store.currentRevision(), 0);
      await w.expectQuiet(50);
      held.release();
      const kv = await c1;
      assert.equal(kv.modRevision, 1);
      assert.equal(dec((await w.next()).kv.value), 'one');
      assert.equal(dec((await store.get('/d/a'))!.value), 'one');
      assert.equal(await store.currentRevision(), 1);

      // an update and a delete not yet durable: readers see the key as it was
      await held.release();
      const u = store.update('/d/a', enc('two'), 1);
      const c2 = store.create('/d/b', enc('bee'));
      await tick();
      const d = store.delete('/d/b');
      await tick();
      assert.equal(await state(u), 'pending');
      assert.equal(dec((await store.get('/d/a'))!.value), 'one');
      assert.equal((await store.get('/d/a'))!.modRevision, 1);
      assert.equal(await store.get('/d/b'), undefined);
      assert.deepEqual((await store.list('/d/')).items.map((i) => dec(i.value)), ['one']);
      assert.equal(await store.count('/d/'), 1);
      await assert.rejects(store.list('/d/', { revision: 2 }), /future|revision/i);
      // a watch from now replays nothing that is not durable, then gets it live
      const late = new EventReader(store.watch('/d/', 1));
      await late.expectQuiet(50);
      while (held.waiting > 0 || (await state(d)) === 'pending') {
        held.release();
        await tick();
      }
      await Promise.all([u, c2, d]);
      assert.deepEqual((await late.take(3)).map((e) => `${e.type} ${e.kv.key}`), ['PUT /d/a', 'PUT /d/b', 'DELETE /d/b']);
      assert.deepEqual((await w.take(3)).map((e) => e.revision), [2, 3, 4]);
      assert.equal(dec((await store.get('/d/a'))!.value), 'two');
      assert.equal(await store.count('/d/'), 1);
      w.close();
      late.close();
    } finally {
      held.release();
      await store.close();
    }
  });

  it('lets writes committed during an fsync share the next one', async () => {
    const held = new HeldSync();
    const store = openSqliteStore(mkdirFor(freshPath()), { compactIntervalMs: 0, wrapSync: held.wrap });
    try {
      const first = store.create('/g/0', enc('x'));
      await tick();
      assert.equal(held.calls, 1);
      const rest: Promise<unknown>[] = [];
      for (let i = 1; i <= 20; i++) {
        rest.push(store.create(`/g/${i}`, enc('x')));
        await new Promise((r) => setImmediate(r)); // each in its own transaction
      }
      assert.equal(held.calls, 1, 'one fsync at a time');
      held.release();
      await first;
      await tick();
      assert.equal(held.calls, 2, 'the next fsync covers every transaction committed meanwhile');
      held.release();
      await Promise.all(rest);
      assert.equal(await store.count('/g/'), 21);
    } finally {
      held.release();
      await store.close();
    }
  });

  it('answers a conflict with a write that is not durable only after that write is', async () => {
    const held = new HeldSync();
    const store = openSqliteStore(mkdirFor(freshPath()), { compactIntervalMs: 0, wrapSync: held.wrap });
    try {
      const a = store.create('/c/a', enc('1'));
      await tick();
      const again = store.create('/c/a', enc('2'));
      assert.equal(await state(again), 'pending');
      held.release();
      await a;
      await assert.rejects(again, /exists/i);
    } finally {
      held.release();
      await store.close();
    }
  });

  it('a failed fsync fails the writes it covered and every later one; reads go on', async () => {
    const held = new HeldSync();
    const errors: Error[] = [];
    const store = openSqliteStore(mkdirFor(freshPath()), { compactIntervalMs: 0, wrapSync: held.wrap, onError: (e) => errors.push(e) });
    try {
      await Promise.all([store.create('/f/ok', enc('1')), tick().then(() => held.release())]);
      held.fail = new Error('EIO: i/o error');
      const lost = store.create('/f/lost', enc('2'));
      await tick();
      held.release();
      await assert.rejects(lost, /fsync of the write-ahead log failed.*EIO/);
      await assert.rejects(store.create('/f/later', enc('3')), /no further writes/);
      assert.equal(errors.length, 1);
      assert.equal(dec((await store.get('/f/ok'))!.value), '1');
      assert.equal(await store.get('/f/lost'), undefined, 'never acknowledged, never shown');
    } finally {
      await store.close();
    }
  });

  it('close waits for the last fsync', async () => {
    const held = new HeldSync();
    const file = mkdirFor(freshPath());
    const store = openSqliteStore(file, { compactIntervalMs: 0, wrapSync: held.wrap });
    const c = store.create('/z/a', enc('1'));
    await tick();
    const closed = store.close();
    assert.equal(await state(closed), 'pending');
    held.release();
    await closed;
    await c;
    const again = openSqliteStore(file, { compactIntervalMs: 0 });
    try {
      assert.equal(dec((await again.get('/z/a'))!.value), '1');
    } finally {
      await again.close();
    }
  });
});
