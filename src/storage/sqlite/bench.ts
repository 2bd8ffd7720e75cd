// Store API benchmark against the raw SQLite floor (floor.ts).
//   node dist/src/storage/sqlite/bench.js [creates=100000] [concurrency=64]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { measureRawInsertRate } from './floor.js';
import { openSqliteStore } from './store.js';

export interface BenchResult {
  floorBatch1: number;
  floorBatch64: number;
  createsPerSec: number;
  updatesPerSec: number;
  listAllMs: number;
  listPagedMs: number;
  listAtOldRevisionMs: number;
  countMs: number;
  watchedEvents: number;
  compactRevisions: number;
  compactMs: number;
  compactMaxStallMs: number;
}

function ms(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function parallel(concurrency: number, total: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await op(next++);
    }),
  );
  return total / (ms(start) / 1000);
}

export async function benchmarkSqliteStore(dir: string, creates = 100_000, concurrency = 64): Promise<BenchResult> {
  const floorBatch1 = measureRawInsertRate(dir, { rows: 2_000, batch: 1 }).rowsPerSec;
  const floorBatch64 = measureRawInsertRate(dir, { rows: 64_000, batch: 64 }).rowsPerSec;
  const file = path.join(dir, `bench-${process.pid}.db`);
  const store = openSqliteStore(file, { compactIntervalMs: 0 });
  try {
    const value = Buffer.alloc(256, 120);
    const watcher = store.watch('/registry/', await store.currentRevision());
    let watched = 0;
    const consume = (async () => {
      for await (const ev of watcher) if (ev && ++watched === creates) break;
    })();
    const createsPerSec = await parallel(concurrency, creates, (i) =>
      store.create(`/registry/pods/ns${i % 10}/pod-${String(i).padStart(7, '0')}`, value),
    );
    await consume;
    const oldRev = await store.currentRevision();
    const keys = (await store.list('/registry/pods/ns0/')).items.map((kv) => kv);
    const updatesPerSec = await parallel(concurrency, keys.length, (i) =>
      store.update(keys[i]!.key, value, keys[i]!.modRevision),
    );
    let t = process.hrtime.bigint();
    const all = await store.list('/registry/pods/ns1/');
    const listAllMs = ms(t);
    if (all.items.length !== creates / 10) throw new Error(`listed ${all.items.length}`);
    t = process.hrtime.bigint();
    let startAfter: string | undefined;
    for (;;) {
      const page = await store.list('/registry/pods/ns1/', { limit: 500, startAfter });
      if (!page.more) break;
      startAfter = page.items[page.items.length - 1]!.key;
    }
    const listPagedMs = ms(t);
    t = process.hrtime.bigint();
    const old = await store.list('/registry/pods/ns0/', { revision: oldRev });
    const listAtOldRevisionMs = ms(t);
    if (old.items.length !== creates / 10) throw new Error(`listed ${old.items.length} at old revision`);
    t = process.hrtime.bigint();
    await store.count('/registry/pods/');
    const countMs = ms(t);
    // Compact everything: every update supersedes a create, so half the log goes.
    const compactRevisions = await store.currentRevision();
    let compactMaxStallMs = 0;
    let running = true;
    let last = process.hrtime.bigint();
    const tick = (): void => {
      const now = process.hrtime.bigint();
      compactMaxStallMs = Math.max(compactMaxStallMs, Number(now - last) / 1e6);
      last = now;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    t = process.hrtime.bigint();
    await store.compact(compactRevisions);
    const compactMs = ms(t);
    running = false;
    return {
      compactRevisions,
      compactMs,
      compactMaxStallMs,
      floorBatch1,
      floorBatch64,
      createsPerSec,
      updatesPerSec,
      listAllMs,
      listPagedMs,
      listAtOldRevisionMs,
      countMs,
      watchedEvents: watched,
    };
  } finally {
    await store.close();
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(file + suffix, { force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubelite-bench-'));
  const creates = Number(process.argv[2] ?? 100_000);
  const concurrency = Number(process.argv[3] ?? 64);
  benchmarkSqliteStore(dir, creates, concurrency)
    .then((r) => {
      const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
      console.log(`raw floor, 1 row/txn:            ${fmt(r.floorBatch1)} rows/s`);
      console.log(`raw floor, 64 rows/txn:          ${fmt(r.floorBatch64)} rows/s`);
      console.log(`Store.create, ${concurrency} callers:       ${fmt(r.createsPerSec)} /s`);
      console.log(`Store.update, ${concurrency} callers:       ${fmt(r.updatesPerSec)} /s`);
      console.log(`list ${creates / 10} keys:                 ${r.listAllMs.toFixed(1)} ms`);
      console.log(`list ${creates / 10} keys, pages of 500:   ${r.listPagedMs.toFixed(1)} ms`);
      console.log(`list ${creates / 10} keys at old revision: ${r.listAtOldRevisionMs.toFixed(1)} ms`);
      console.log(`count ${creates} keys:               ${r.countMs.toFixed(1)} ms`);
      console.log(`compact ${fmt(r.compactRevisions)} revisions:     ${r.compactMs.toFixed(0)} ms (longest event-loop stall ${r.compactMaxStallMs.toFixed(0)} ms)`);
      console.log(`(a watcher on /registry/ received all ${fmt(r.watchedEvents)} create events during the run)`);
    })
    .finally(() => fs.rmSync(dir, { recursive: true, force: true }));
}
