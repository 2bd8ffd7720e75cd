// Watch and compaction cases of the shared Store suite (see conformance.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  dec,
  enc,
  EventReader,
  expectRejects,
  expectWatchCompacted,
  summarize,
  withStore,
  type StoreFactory,
} from './conformance-util.js';
import { StoreCompactedError, type WatchEvent } from './types.js';

export function registerWatchConformance(factory: StoreFactory): void {
  describe('watch', () => registerWatch(factory));
  describe('compaction', () => registerCompaction(factory));
}

function assertOrdered(evs: WatchEvent[]): void {
  for (let i = 0; i < evs.length; i++) {
    assert.equal(evs[i]!.revision, evs[i]!.kv.modRevision);
    if (i > 0) assert.ok(evs[i]!.revision > evs[i - 1]!.revision, 'events out of revision order');
  }
}

function registerWatch(factory: StoreFactory): void {
  it('watch from the current revision sees live events only', withStore(factory, async (store, p) => {
    await store.create(`${p}before`, enc('x'));
    const w = new EventReader(store.watch(p, await store.currentRevision()));
    try {
      await w.expectQuiet(50);
      const c = await store.create(`${p}a`, enc('1'));
      const u = await store.update(`${p}a`, enc('2'), c.modRevision);
      const d = await store.delete(`${p}a`);
      const evs = await w.take(3);
      assert.deepEqual(summarize(evs), [`PUT ${p}a 1`, `PUT ${p}a 2`, `DELETE ${p}a 2`]);
      assert.deepEqual(evs.map((e) => e.revision), [c.modRevision, u.modRevision, d.modRevision]);
      assert.equal(evs[0]!.prevKv, undefined);
      assert.equal(evs[0]!.kv.createRevision, c.modRevision);
      assert.equal(evs[1]!.kv.createRevision, c.modRevision);
      await w.expectQuiet(50);
    } finally {
      w.close();
    }
  }));

  it('prevKv on update and last value on DELETE', withStore(factory, async (store, p) => {
    const w = new EventReader(store.watch(p, await store.currentRevision()));
    try {
      const c = await store.create(`${p}a`, enc('first'));
      const u = await store.update(`${p}a`, enc('second'), c.modRevision);
      const d = await store.delete(`${p}a`, u.modRevision);
      const [, upd, del] = await w.take(3);
      assert.ok(upd!.prevKv, 'update event carries prevKv');
      assert.equal(dec(upd!.prevKv.value), 'first');
      assert.equal(upd!.prevKv.modRevision, c.modRevision);
      assert.equal(upd!.prevKv.createRevision, c.createRevision);
      assert.equal(del!.type, 'DELETE');
      assert.equal(dec(del!.kv.value), 'second');
      assert.equal(del!.kv.modRevision, d.modRevision);
      assert.equal(del!.kv.createRevision, c.createRevision);
      assert.ok(del!.prevKv, 'delete event carries prevKv');
      assert.equal(dec(del!.prevKv.value), 'second');
      assert.equal(del!.prevKv.modRevision, u.modRevision);
    } finally {
      w.close();
    }
  }));

  it('watch from a past revision replays, then goes live, with no gap or duplicate', withStore(factory, async (store, p) => {
    const first = await store.create(`${p}k0`, enc('0'));
    for (let i = 1; i < 5; i++) await store.create(`${p}k${i}`, enc(String(i)));
    const mid = await store.currentRevision();
    const u = await store.update(`${p}k0`, enc('0b'), first.modRevision);
    for (let i = 5; i < 10; i++) await store.create(`${p}k${i}`, enc(String(i)));
    await store.delete(`${p}k1`);
    const w = new EventReader(store.watch(p, mid));
    try {
      const replayed = await w.take(7);
      assert.deepEqual(summarize(replayed), [
        `PUT ${p}k0 0b`,
        ...[5, 6, 7, 8, 9].map((i) => `PUT ${p}k${i} ${i}`),
        `DELETE ${p}k1 1`,
      ]);
      assert.equal(replayed[0]!.revision, u.modRevision);
      assert.equal(dec(replayed[0]!.prevKv!.value), '0');
      assert.equal(replayed[0]!.prevKv!.modRevision, first.modRevision);
      assert.equal(dec(replayed[6]!.prevKv!.value), '1');
      assertOrdered(replayed);
      const live = await store.create(`${p}live`, enc('L'));
      const [ev] = await w.take(1);
      assert.equal(ev!.revision, live.modRevision);
      await w.expectQuiet(50);
    } finally {
      w.close();
    }
  }));

  it('watch from 0 replays all history when nothing is compacted', withStore(factory, async (store, p) => {
    const a = await store.create(`${p}a`, enc('1'));
    await store.update(`${p}a`, enc('2'), a.modRevision);
    if ((await store.compactedRevision()) > 0) {
      await expectWatchCompacted(store, p, 0);
      return;
    }
    const w = new EventReader(store.watch(p, 0));
    try {
      assert.deepEqual(summarize(await w.take(2)), [`PUT ${p}a 1`, `PUT ${p}a 2`]);
      await w.expectQuiet(50);
    } finally {
      w.close();
    }
  }));

  it('replay and live events interleave correctly under concurrent writes', withStore(factory, async (store, p) => {
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 50; i++) writes.push(store.create(`${p}pre${i}`, enc('x')));
    await Promise.all(writes);
    const from = await store.currentRevision();
    const more: Promise<{ modRevision: number }>[] = [];
    for (let i = 0; i < 200; i++) {
      more.push(store.create(`${p}k${i}`, enc(String(i))));
      if (i === 100) await more[50];
    }
    const w = new EventReader(store.watch(p, from));
    try {
      const kvs = await Promise.all(more);
      const evs = await w.take(200);
      assertOrdered(evs);
      assert.deepEqual(
        evs.map((e) => e.revision),
        kvs.map((kv) => kv.modRevision).sort((x, y) => x - y),
      );
      await w.expectQuiet(50);
    } finally {
      w.close();
    }
  }));

  it('watch prefix isolation', withStore(factory, async (store, p) => {
    const rev = await store.currentRevision();
    const wa = new EventReader(store.watch(`${p}a/`, rev));
    const wall = new EventReader(store.watch(p, rev));
    try {
      await store.create(`${p}b/1`, enc('b'));
      await store.create(`${p}ab`, enc('ab'));
      await store.create(`${p}a/1`, enc('a'));
      await store.create(`${p}a`, enc('bare'));
      assert.deepEqual(summarize(await wa.take(1)), [`PUT ${p}a/1 a`]);
      await wa.expectQuiet(50);
      assert.deepEqual(summarize(await wall.take(4)).length, 4);
    } finally {
      wa.close();
      wall.close();
    }
  }));

  it('close ends the iteration', withStore(factory, async (store, p) => {
    const w = new EventReader(store.watch(p, await store.currentRevision()));
    const ended = w.ended();
    w.close();
    assert.equal(await ended, true);
    await store.create(`${p}a`, enc('1'));
  }));

  it('for await over a watcher works and stops on close', withStore(factory, async (store, p) => {
    const watcher = store.watch(p, await store.currentRevision());
    const got: string[] = [];
    const loop = (async () => {
      for await (const ev of watcher) {
        got.push(ev.kv.key);
        if (got.length === 3) watcher.close();
      }
    })();
    for (let i = 0; i < 3; i++) await store.create(`${p}${i}`, enc('x'));
    await loop;
    assert.deepEqual(got, [`${p}0`, `${p}1`, `${p}2`]);
  }));
}

function registerCompaction(factory: StoreFactory): void {
  it('compaction makes older revisions unavailable but keeps live keys', withStore(factory, async (store, p) => {
    const a = await store.create(`${p}a`, enc('a1'));
    const b = await store.create(`${p}b`, enc('b1'));
    await store.update(`${p}b`, enc('b2'), b.modRevision);
    const gone = await store.create(`${p}gone`, enc('g'));
    await store.delete(`${p}gone`, gone.modRevision);
    const target = await store.currentRevision();
    await store.create(`${p}c`, enc('c1'));
    await store.compact(target);
    const compacted = await store.compactedRevision();
    assert.ok(compacted >= target, `compactedRevision ${compacted} < ${target}`);

    await expectWatchCompacted(store, p, a.modRevision - 1);
    await expectRejects(store.list(p, { revision: a.modRevision }), StoreCompactedError);

    const now = await store.list(p);
    assert.deepEqual(now.items.map((kv) => `${kv.key.slice(p.length)}=${dec(kv.value)}`), ['a=a1', 'b=b2', 'c=c1']);
    assert.equal((await store.get(`${p}a`))!.modRevision, a.modRevision);

    const atBoundary = await store.list(p, { revision: compacted });
    assert.deepEqual(atBoundary.items.map((kv) => dec(kv.value)), compacted >= target + 1 ? ['a1', 'b2', 'c1'] : ['a1', 'b2']);

    const w = new EventReader(store.watch(p, compacted));
    try {
      const live = await store.update(`${p}a`, enc('a2'), a.modRevision);
      const evs = await w.take(compacted >= target + 1 ? 1 : 2);
      const last = evs[evs.length - 1]!;
      assert.equal(last.revision, live.modRevision);
      assert.equal(dec(last.prevKv!.value), 'a1');
    } finally {
      w.close();
    }
  }));

  it('a key written only before the compaction boundary keeps its value and history links', withStore(factory, async (store, p) => {
    const a = await store.create(`${p}a`, enc('a1'));
    const a2 = await store.update(`${p}a`, enc('a2'), a.modRevision);
    await store.compact(a2.modRevision);
    const got = await store.get(`${p}a`);
    assert.equal(dec(got!.value), 'a2');
    assert.equal(got!.createRevision, a.createRevision);
    const w = new EventReader(store.watch(p, await store.compactedRevision()));
    try {
      const del = await store.delete(`${p}a`);
      const [ev] = await w.take(1);
      assert.equal(ev!.type, 'DELETE');
      assert.equal(dec(ev!.kv.value), 'a2');
      assert.equal(ev!.revision, del.modRevision);
    } finally {
      w.close();
    }
  }));
}
