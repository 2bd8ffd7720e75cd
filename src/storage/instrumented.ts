// A Store wrapper that reports each operation's latency in seconds (e.g. to a histogram).
// Watches are reported at creation only (they are long-lived).
import type { KV, ListOptions, ListResult, Store, Watcher, WriteOpts } from './types.js';

export type StoreObserver = (operation: string, seconds: number) => void;

export function instrumentStore(store: Store, observe: StoreObserver): Store {
  async function timed<T>(op: string, fn: () => Promise<T>): Promise<T> {
    const start = process.hrtime.bigint();
    try {
      return await fn();
    } finally {
      observe(op, Number(process.hrtime.bigint() - start) / 1e9);
    }
  }
  return {
    get: (key: string): Promise<KV | undefined> => timed('get', () => store.get(key)),
    list: (prefix: string, opts?: ListOptions): Promise<ListResult> => timed('list', () => store.list(prefix, opts)),
    count: (prefix: string): Promise<number> => timed('count', () => store.count(prefix)),
    create: (key: string, value: Uint8Array, opts?: WriteOpts): Promise<KV> => timed('create', () => store.create(key, value, opts)),
    update: (key: string, value: Uint8Array, rev: number, opts?: WriteOpts): Promise<KV> =>
      timed('update', () => store.update(key, value, rev, opts)),
    delete: (key: string, rev?: number): Promise<KV> => timed('delete', () => store.delete(key, rev)),
    watch: (prefix: string, fromRevision: number): Watcher => {
      const start = process.hrtime.bigint();
      try {
        return store.watch(prefix, fromRevision);
      } finally {
        observe('watch', Number(process.hrtime.bigint() - start) / 1e9);
      }
    },
    currentRevision: (): Promise<number> => store.currentRevision(),
    compactedRevision: (): Promise<number> => store.compactedRevision(),
    compact: (revision: number): Promise<void> => timed('compact', () => store.compact(revision)),
    close: (): Promise<void> => store.close(),
  };
}
