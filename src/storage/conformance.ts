// The shared Store test suite: every backend (SQLite, etcd, ...) must pass it unchanged.
// It relies only on the contract in types.ts: each test gets a fresh store from the
// factory and works under its own unique key prefix, asserting revisions only relative
// to each other, so it also runs against a shared backend.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  dec,
  enc,
  expectConflict,
  expectRejects,
  withStore,
  type StoreFactory,
} from './conformance-util.js';
import { registerModelConformance } from './conformance-model.js';
import { registerWatchConformance } from './conformance-watch.js';
import { StoreFutureRevisionError } from './types.js';

export type { StoreFactory } from './conformance-util.js';

export function runStoreConformance(name: string, factory: StoreFactory): void {
  describe(`Store conformance: ${name}`, () => {
    describe('crud', () => registerCrud(factory));
    describe('list and count', () => registerList(factory));
    describe('concurrency', () => registerConcurrency(factory));
    registerWatchConformance(factory);
    registerModelConformance(factory);
  });
}

function registerCrud(factory: StoreFactory): void {
  it('create then get', withStore(factory, async (store, p) => {
    const before = await store.currentRevision();
    const kv = await store.create(`${p}a`, enc('one'));
    assert.equal(kv.key, `${p}a`);
    assert.equal(dec(kv.value), 'one');
    assert.ok(kv.modRevision > before);
    assert.equal(kv.createRevision, kv.modRevision);
    const got = await store.get(`${p}a`);
    assert.ok(got);
    assert.equal(dec(got.value), 'one');
    assert.equal(got.modRevision, kv.modRevision);
    assert.equal(got.createRevision, kv.createRevision);
    assert.equal(await store.get(`${p}missing`), undefined);
    assert.ok((await store.currentRevision()) >= kv.modRevision);
  }));

  it('values are opaque bytes', withStore(factory, async (store, p) => {
    const all = new Uint8Array(256).map((_, i) => i);
    await store.create(`${p}bin`, all);
    await store.create(`${p}empty`, new Uint8Array(0));
    assert.deepEqual([...(await store.get(`${p}bin`))!.value], [...all]);
    assert.equal((await store.get(`${p}empty`))!.value.length, 0);
  }));

  it('create of an existing key conflicts with kind exists', withStore(factory, async (store, p) => {
    const kv = await store.create(`${p}a`, enc('one'));
    const err = await expectConflict(store.create(`${p}a`, enc('two')), 'exists');
    assert.equal(err.key, `${p}a`);
    assert.equal(dec((await store.get(`${p}a`))!.value), 'one');
    if (err.current) assert.equal(err.current.modRevision, kv.modRevision);
  }));

  it('update with the current revision', withStore(factory, async (store, p) => {
    const kv = await store.create(`${p}a`, enc('one'));
    const up = await store.update(`${p}a`, enc('two'), kv.modRevision);
    assert.ok(up.modRevision > kv.modRevision);
    assert.equal(up.createRevision, kv.createRevision);
    assert.equal(dec(up.value), 'two');
    const got = await store.get(`${p}a`);
    assert.equal(dec(got!.value), 'two');
    assert.equal(got!.modRevision, up.modRevision);
    assert.equal(got!.createRevision, kv.createRevision);
  }));

  it('update with a stale revision conflicts with kind revision', withStore(factory, async (store, p) => {
    const kv = await store.create(`${p}a`, enc('one'));
    const up = await store.update(`${p}a`, enc('two'), kv.modRevision);
    const err = await expectConflict(store.update(`${p}a`, enc('three'), kv.modRevision), 'revision');
    if (err.current) {
      assert.equal(err.current.modRevision, up.modRevision);
      assert.equal(dec(err.current.value), 'two');
    }
    assert.equal(dec((await store.get(`${p}a`))!.value), 'two');
  }));

  it('update of a missing key conflicts with kind notFound', withStore(factory, async (store, p) => {
    await expectConflict(store.update(`${p}nope`, enc('x'), 1), 'notFound');
    assert.equal(await store.get(`${p}nope`), undefined);
  }));

  it('delete returns the last value at the deletion revision', withStore(factory, async (store, p) => {
    const kv = await store.create(`${p}a`, enc('one'));
    const up = await store.update(`${p}a`, enc('last'), kv.modRevision);
    const del = await store.delete(`${p}a`, up.modRevision);
    assert.equal(dec(del.value), 'last');
    assert.equal(del.key, `${p}a`);
    assert.equal(del.createRevision, kv.createRevision);
    assert.ok(del.modRevision > up.modRevision);
    assert.equal(await store.get(`${p}a`), undefined);
    assert.ok((await store.currentRevision()) >= del.modRevision);
  }));

  it('delete without an expected revision', withStore(factory, async (store, p) => {
    await store.create(`${p}a`, enc('one'));
    const del = await store.delete(`${p}a`);
    assert.equal(dec(del.value), 'one');
    assert.equal(await store.get(`${p}a`), undefined);
  }));

  it('delete conflicts: missing key and stale revision', withStore(factory, async (store, p) => {
    await expectConflict(store.delete(`${p}missing`), 'notFound');
    await expectConflict(store.delete(`${p}missing`, 5), 'notFound');
    const kv = await store.create(`${p}a`, enc('one'));
    await store.update(`${p}a`, enc('two'), kv.modRevision);
    await expectConflict(store.delete(`${p}a`, kv.modRevision), 'revision');
    assert.equal(dec((await store.get(`${p}a`))!.value), 'two');
    await store.delete(`${p}a`);
    await expectConflict(store.delete(`${p}a`), 'notFound');
  }));

  it('re-create after delete starts a new incarnation', withStore(factory, async (store, p) => {
    const first = await store.create(`${p}a`, enc('one'));
    const del = await store.delete(`${p}a`);
    const again = await store.create(`${p}a`, enc('two'));
    assert.ok(again.createRevision > del.modRevision);
    assert.equal(again.createRevision, again.modRevision);
    assert.notEqual(again.createRevision, first.createRevision);
  }));

  it('revisions are global and strictly increasing across keys', withStore(factory, async (store, p) => {
    const revs: number[] = [];
    const a = await store.create(`${p}a`, enc('1'));
    revs.push(a.modRevision);
    revs.push((await store.create(`${p}b`, enc('1'))).modRevision);
    revs.push((await store.update(`${p}a`, enc('2'), a.modRevision)).modRevision);
    await expectConflict(store.create(`${p}b`, enc('x')), 'exists');
    revs.push((await store.delete(`${p}b`)).modRevision);
    revs.push((await store.create(`${p}c`, enc('1'))).modRevision);
    for (let i = 1; i < revs.length; i++) assert.ok(revs[i]! > revs[i - 1]!, `revisions ${revs.join(',')}`);
    assert.ok((await store.currentRevision()) >= revs[revs.length - 1]!);
  }));
}

function registerList(factory: StoreFactory): void {
  it('list returns the prefix only, in key order', withStore(factory, async (store, p) => {
    for (const k of ['b', 'a/2', 'a/1', 'c', 'ab']) await store.create(`${p}${k}`, enc(k));
    const last = await store.create(`${p}zz`, enc('zz'));
    const all = await store.list(p);
    assert.deepEqual(all.items.map((kv) => kv.key.slice(p.length)), ['a/1', 'a/2', 'ab', 'b', 'c', 'zz']);
    assert.equal(all.more, false);
    assert.ok(all.revision >= last.modRevision);
    const sub = await store.list(`${p}a/`);
    assert.deepEqual(sub.items.map((kv) => dec(kv.value)), ['a/1', 'a/2']);
    const none = await store.list(`${p}nothing/`);
    assert.equal(none.items.length, 0);
    assert.equal(none.more, false);
  }));

  it('list items carry revisions', withStore(factory, async (store, p) => {
    const kv = await store.create(`${p}a`, enc('1'));
    const up = await store.update(`${p}a`, enc('2'), kv.modRevision);
    const [item] = (await store.list(p)).items;
    assert.equal(item!.modRevision, up.modRevision);
    assert.equal(item!.createRevision, kv.createRevision);
    assert.equal(dec(item!.value), '2');
  }));

  it('list paginates with limit and startAfter', withStore(factory, async (store, p) => {
    const keys = Array.from({ length: 25 }, (_, i) => `${p}k${String(i).padStart(2, '0')}`);
    await Promise.all(keys.map((k) => store.create(k, enc(k))));
    const seen: string[] = [];
    let startAfter: string | undefined;
    const sizes: number[] = [];
    for (;;) {
      const page = await store.list(p, { limit: 10, startAfter });
      sizes.push(page.items.length);
      seen.push(...page.items.map((kv) => kv.key));
      if (page.remaining !== undefined) assert.equal(page.remaining, keys.length - seen.length);
      assert.equal(page.more, seen.length < keys.length);
      if (!page.more) break;
      startAfter = page.items[page.items.length - 1]!.key;
    }
    assert.deepEqual(sizes, [10, 10, 5]);
    assert.deepEqual(seen, keys);
    const limitZero = await store.list(p, { limit: 0 });
    assert.equal(limitZero.items.length, 25);
    const exact = await store.list(p, { limit: 25 });
    assert.equal(exact.items.length, 25);
    assert.equal(exact.more, false);
    const tail = await store.list(p, { startAfter: `${p}k20` });
    assert.deepEqual(tail.items.map((kv) => kv.key), keys.slice(21));
  }));

  it('list at an older revision', withStore(factory, async (store, p) => {
    const a = await store.create(`${p}a`, enc('a1'));
    await store.create(`${p}b`, enc('b1'));
    const d = await store.create(`${p}d`, enc('d1'));
    const rev = d.modRevision;
    await store.update(`${p}a`, enc('a2'), a.modRevision);
    await store.delete(`${p}b`);
    await store.create(`${p}c`, enc('c1'));
    await store.delete(`${p}d`);
    await store.create(`${p}d`, enc('d2'));
    const old = await store.list(p, { revision: rev });
    assert.equal(old.revision, rev);
    assert.deepEqual(old.items.map((kv) => `${kv.key.slice(p.length)}=${dec(kv.value)}`), ['a=a1', 'b=b1', 'd=d1']);
    assert.equal(old.items[0]!.modRevision, a.modRevision);
    const page1 = await store.list(p, { revision: rev, limit: 2 });
    assert.deepEqual(page1.items.map((kv) => dec(kv.value)), ['a1', 'b1']);
    assert.equal(page1.more, true);
    if (page1.remaining !== undefined) assert.equal(page1.remaining, 1);
    const page2 = await store.list(p, { revision: rev, limit: 2, startAfter: `${p}b` });
    assert.deepEqual(page2.items.map((kv) => dec(kv.value)), ['d1']);
    assert.equal(page2.more, false);
    const now = await store.list(p);
    assert.deepEqual(now.items.map((kv) => `${kv.key.slice(p.length)}=${dec(kv.value)}`), ['a=a2', 'c=c1', 'd=d2']);
  }));

  it('list at a future revision fails', withStore(factory, async (store, p) => {
    await store.create(`${p}a`, enc('1'));
    const cur = await store.currentRevision();
    await expectRejects(store.list(p, { revision: cur + 1000 }), StoreFutureRevisionError);
  }));

  it('count', withStore(factory, async (store, p) => {
    assert.equal(await store.count(p), 0);
    for (const k of ['x/1', 'x/2', 'xy', 'y']) await store.create(`${p}${k}`, enc(k));
    assert.equal(await store.count(p), 4);
    assert.equal(await store.count(`${p}x/`), 2);
    assert.equal(await store.count(`${p}x`), 3);
    await store.delete(`${p}x/1`);
    assert.equal(await store.count(`${p}x/`), 1);
  }));
}

function registerConcurrency(factory: StoreFactory): void {
  it('100 parallel creates get distinct revisions', withStore(factory, async (store, p) => {
    const kvs = await Promise.all(Array.from({ length: 100 }, (_, i) => store.create(`${p}k${i}`, enc(String(i)))));
    const revs = new Set(kvs.map((kv) => kv.modRevision));
    assert.equal(revs.size, 100);
    assert.equal(await store.count(p), 100);
    assert.ok((await store.currentRevision()) >= Math.max(...revs));
  }));

  it('concurrent updates with the same expected revision: exactly one wins', withStore(factory, async (store, p) => {
    const kv = await store.create(`${p}a`, enc('0'));
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => store.update(`${p}a`, enc(`v${i}`), kv.modRevision)),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    assert.equal(won.length, 1);
    for (const r of results) {
      if (r.status === 'rejected') assert.equal((r.reason as { kind?: string }).kind, 'revision');
    }
    const winner = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof store.update>>>).value;
    const got = await store.get(`${p}a`);
    assert.equal(got!.modRevision, winner.modRevision);
    assert.equal(dec(got!.value), dec(winner.value));
  }));

  it('concurrent create of one key: exactly one wins', withStore(factory, async (store, p) => {
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => store.create(`${p}a`, enc(`${i}`))));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  }));

  it('a failed write does not disturb the others in flight', withStore(factory, async (store, p) => {
    const kv = await store.create(`${p}a`, enc('0'));
    const [bad, good, next] = await Promise.allSettled([
      store.update(`${p}a`, enc('bad'), kv.modRevision + 12345),
      store.update(`${p}a`, enc('good'), kv.modRevision),
      store.create(`${p}b`, enc('b')),
    ]);
    assert.equal(bad.status, 'rejected');
    assert.equal(good.status, 'fulfilled');
    assert.equal(next.status, 'fulfilled');
    assert.equal(dec((await store.get(`${p}a`))!.value), 'good');
  }));
}
