// Helpers for the Store conformance suite (conformance.ts). Backend-neutral.
import assert from 'node:assert/strict';
import { StoreCompactedError, StoreConflictError, type Store, type Watcher, type WatchEvent } from './types.js';

export type StoreFactory = () => Promise<{ store: Store; cleanup: () => Promise<void> }>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const enc = (s: string): Uint8Array => encoder.encode(s);
export const dec = (v: Uint8Array): string => decoder.decode(v);

/** A key prefix no other test (or earlier run against a shared backend) uses. */
export function uniquePrefix(): string {
  return `/conformance/${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}/`;
}

/** Run `fn` against a fresh store from the factory, always cleaning up. */
export function withStore(factory: StoreFactory, fn: (store: Store, prefix: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const { store, cleanup } = await factory();
    try {
      await fn(store, uniquePrefix());
    } finally {
      await cleanup();
    }
  };
}

export async function expectConflict(
  p: Promise<unknown>,
  kind: StoreConflictError['kind'],
): Promise<StoreConflictError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof StoreConflictError, `expected StoreConflictError, got ${String(err)}`);
    assert.equal(err.kind, kind);
    return err;
  }
  assert.fail(`expected StoreConflictError(${kind}), but the write succeeded`);
}

export async function expectRejects(p: Promise<unknown>, cls: new (...args: never[]) => Error): Promise<void> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof cls, `expected ${cls.name}, got ${String(err)}`);
    return;
  }
  assert.fail(`expected ${cls.name}`);
}

/** watch() may throw synchronously or fail on the first next(); accept both. */
export async function expectWatchCompacted(store: Store, prefix: string, from: number): Promise<void> {
  let w: Watcher;
  try {
    w = store.watch(prefix, from);
  } catch (err) {
    assert.ok(err instanceof StoreCompactedError, `expected StoreCompactedError, got ${String(err)}`);
    return;
  }
  try {
    const it = w[Symbol.asyncIterator]();
    await withTimeout(it.next(), 5000, 'compacted watch did not fail');
    assert.fail('expected StoreCompactedError from watch');
  } catch (err) {
    assert.ok(err instanceof StoreCompactedError, `expected StoreCompactedError, got ${String(err)}`);
  } finally {
    w.close();
  }
}

export class TimeoutError extends Error {}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`timeout after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** Reads a watcher one event at a time; keeps at most one next() outstanding. */
export class EventReader {
  private readonly it: AsyncIterator<WatchEvent>;
  private pending: Promise<IteratorResult<WatchEvent>> | undefined;

  constructor(readonly watcher: Watcher) {
    this.it = watcher[Symbol.asyncIterator]();
  }

  private nextResult(): Promise<IteratorResult<WatchEvent>> {
    if (!this.pending) this.pending = this.it.next();
    return this.pending;
  }

  /** Await the outstanding next(); it stays outstanding only if we time out first. */
  private async settle(ms: number, what: string): Promise<IteratorResult<WatchEvent>> {
    const p = this.nextResult();
    try {
      const r = await withTimeout(p, ms, what);
      this.pending = undefined;
      return r;
    } catch (err) {
      if (!(err instanceof TimeoutError)) this.pending = undefined;
      throw err;
    }
  }

  async next(ms = 5000): Promise<WatchEvent> {
    const r = await this.settle(ms, 'waiting for a watch event');
    assert.ok(!r.done, 'watch ended unexpectedly');
    return r.value;
  }

  async take(n: number, ms = 5000): Promise<WatchEvent[]> {
    const out: WatchEvent[] = [];
    for (let i = 0; i < n; i++) out.push(await this.next(ms));
    return out;
  }

  /** Assert that nothing arrives within `ms`. */
  async expectQuiet(ms = 100): Promise<void> {
    const p = this.nextResult();
    const r = await Promise.race([p, new Promise<'quiet'>((resolve) => setTimeout(() => resolve('quiet'), ms))]);
    if (r !== 'quiet') {
      this.pending = undefined;
      assert.fail(`unexpected watch event: ${r.done ? 'end' : `${r.value.type} ${r.value.kv.key}@${r.value.revision}`}`);
    }
  }

  /** Resolves true once the iterator reports done. */
  async ended(ms = 5000): Promise<boolean> {
    const r = await this.settle(ms, 'waiting for the watch to end');
    return r.done === true;
  }

  close(): void {
    this.watcher.close();
  }
}

export function summarize(evs: WatchEvent[]): string[] {
  return evs.map((e) => `${e.type} ${e.kv.key} ${dec(e.kv.value)}`);
}
