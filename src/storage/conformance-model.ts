// Randomized cases of the shared Store suite: a seeded mix of writes is mirrored in a
// plain in-memory model, then reads at past revisions and watch replays are compared
// with it, before and after a compaction in the middle of the history.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dec, enc, EventReader, withStore, type StoreFactory } from './conformance-util.js';
import { StoreConflictError, type KV, type Store } from './types.js';

type Snapshot = Map<string, string>;

interface History {
  revisions: number[];
  /** state of the prefix right after each revision in `revisions` */
  snapshots: Map<number, Snapshot>;
  events: { rev: number; desc: string }[];
}

/** xorshift32: deterministic, so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
}

async function randomHistory(store: Store, p: string, seed: number, ops: number): Promise<History> {
  const rand = rng(seed);
  const live = new Map<string, KV>();
  const state: Snapshot = new Map();
  const h: History = { revisions: [], snapshots: new Map(), events: [] };
  const names = Array.from({ length: 12 }, (_, i) => `${p}${['a', 'b/', 'b/x', 'c'][i % 4]}${i}`);
  for (let i = 0; i < ops; i++) {
    const key = names[Math.floor(rand() * names.length)]!;
    const cur = live.get(key);
    const v = `v${i}`;
    let kv: KV;
    try {
      if (!cur) kv = await store.create(key, enc(v));
      else if (rand() < 0.7) kv = await store.update(key, enc(v), cur.modRevision);
      else kv = await store.delete(key, cur.modRevision);
    } catch (err) {
      if (err instanceof StoreConflictError) assert.fail(`unexpected conflict: ${err.message}`);
      throw err;
    }
    const deleted = cur !== undefined && dec(kv.value) !== v;
    if (deleted) {
      live.delete(key);
      state.delete(key);
      h.events.push({ rev: kv.modRevision, desc: `DELETE ${key} ${dec(kv.value)}` });
    } else {
      live.set(key, kv);
      state.set(key, v);
      h.events.push({ rev: kv.modRevision, desc: `PUT ${key} ${v}` });
    }
    h.revisions.push(kv.modRevision);
    h.snapshots.set(kv.modRevision, new Map(state));
  }
  return h;
}

function expected(snap: Snapshot, prefix: string): string[] {
  return [...snap].filter(([k]) => k.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${v}`);
}

async function listPaged(store: Store, prefix: string, revision: number, limit: number): Promise<string[]> {
  const out: string[] = [];
  let startAfter: string | undefined;
  for (;;) {
    const page = await store.list(prefix, { revision, limit, startAfter });
    assert.equal(page.revision, revision);
    out.push(...page.items.map((kv) => `${kv.key}=${dec(kv.value)}`));
    if (page.items.length > 0) startAfter = page.items[page.items.length - 1]!.key;
    if (!page.more) return out;
    assert.ok(page.items.length > 0);
  }
}

async function checkReads(store: Store, p: string, h: History, fromIndex: number): Promise<void> {
  for (let i = fromIndex; i < h.revisions.length; i += 3) {
    const rev = h.revisions[i]!;
    const snap = h.snapshots.get(rev)!;
    for (const prefix of [p, `${p}b/`, `${p}b/x`]) {
      const want = expected(snap, prefix);
      const all = await store.list(prefix, { revision: rev });
      assert.deepEqual(all.items.map((kv) => `${kv.key}=${dec(kv.value)}`), want, `list ${prefix} @${rev}`);
      assert.deepEqual(await listPaged(store, prefix, rev, 2), want, `paged list ${prefix} @${rev}`);
    }
  }
}

async function checkReplay(store: Store, p: string, h: History, fromRev: number): Promise<void> {
  const want = h.events.filter((e) => e.rev > fromRev).map((e) => e.desc);
  const w = new EventReader(store.watch(p, fromRev));
  try {
    const got = (await w.take(want.length)).map((e) => `${e.type} ${e.kv.key} ${dec(e.kv.value)}`);
    assert.deepEqual(got, want, `replay from ${fromRev}`);
    await w.expectQuiet(20);
  } finally {
    w.close();
  }
}

export function registerModelConformance(factory: StoreFactory): void {
  describe('randomized history', () => {
    for (const seed of [7, 1234]) {
      it(`reads at past revisions and replays match a model (seed ${seed})`, withStore(factory, async (store, p) => {
        const h = await randomHistory(store, p, seed, 150);
        await checkReads(store, p, h, 0);
        for (const i of [0, 40, 120]) await checkReplay(store, p, h, h.revisions[i]!);
        const mid = h.revisions[75]!;
        await store.compact(mid);
        const compacted = await store.compactedRevision();
        const firstKept = h.revisions.findIndex((r) => r >= compacted);
        await checkReads(store, p, h, firstKept);
        await checkReplay(store, p, h, compacted);
        const now = await store.list(p);
        assert.deepEqual(
          now.items.map((kv) => `${kv.key}=${dec(kv.value)}`),
          expected(h.snapshots.get(h.revisions[h.revisions.length - 1]!)!, p),
        );
      }));
    }
  });
}
