// One watch: replays history from the log page by page (pulled lazily by the consumer),
// then switches to live events pushed by the store after each commit. While replaying,
// live events are ignored: the log already holds them and the next page will read them.
// The switch happens synchronously right after a page that reached the end of the log,
// so there is no gap and no duplicate.
import type { Watcher, WatchEvent } from '../types.js';

/** The watcher fell too far behind; re-watch from the last revision you processed. */
export class WatchOverflowError extends Error {
  constructor(readonly prefix: string, readonly buffered: number) {
    super(`watch on ${prefix} fell behind: more than ${buffered} events buffered`);
    this.name = 'WatchOverflowError';
  }
}

export interface ReplayPage {
  events: WatchEvent[];
  /** true when the page reached the end of committed history */
  caughtUp: boolean;
  /** committed revision at the time of the read */
  committed: number;
}

/** Reads history for a watcher; throws (e.g. StoreCompactedError) when it cannot. */
export type ReplayReader = (prefix: string, afterRevision: number) => ReplayPage;

export class StoreWatcher implements Watcher, AsyncIterator<WatchEvent> {
  /** highest revision queued or skipped; live events at or below it are dropped */
  private cursor: number;
  private replaying = true;
  private queue: (WatchEvent | undefined)[] = [];
  private head = 0;
  private failure: Error | undefined;
  private done = false;
  private waiter: { resolve: (r: IteratorResult<WatchEvent>) => void; reject: (e: unknown) => void } | undefined;

  constructor(
    readonly prefix: string,
    fromRevision: number,
    private readonly readReplay: ReplayReader,
    private readonly bufferLimit: number,
    private readonly onEnd: (w: StoreWatcher) => void,
    committed: number,
  ) {
    this.cursor = fromRevision;
    // Nothing to replay: live at once (the common watch-from-now case).
    if (fromRevision >= committed) this.replaying = false;
  }

  /** Replay position, or undefined once live (for compaction clamping). */
  replayCursor(): number | undefined {
    return this.replaying && !this.done ? this.cursor : undefined;
  }

  /** Called by the store after a commit for events whose key matches the prefix. */
  push(ev: WatchEvent): void {
    if (this.done || this.replaying || ev.revision <= this.cursor) return;
    this.cursor = ev.revision;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve({ value: ev, done: false });
      return;
    }
    if (this.queue.length - this.head >= this.bufferLimit) {
      this.fail(new WatchOverflowError(this.prefix, this.bufferLimit));
      return;
    }
    this.queue.push(ev);
  }

  /** End the watch with an error (delivered on the next next()); buffered events are dropped. */
  fail(err: Error): void {
    if (this.done) return;
    this.queue = [];
    this.head = 0;
    this.finish();
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.reject(err);
    } else {
      this.failure = err;
    }
  }

  close(): void {
    if (this.done) return;
    this.queue = [];
    this.head = 0;
    this.finish();
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<WatchEvent>> {
    const ev = this.take();
    if (ev) return Promise.resolve({ value: ev, done: false });
    if (this.failure) {
      const err = this.failure;
      this.failure = undefined;
      return Promise.reject(err);
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    if (this.replaying) {
      try {
        this.readPage();
      } catch (err) {
        this.fail(err as Error);
        return this.next();
      }
      const first = this.take();
      if (first) return Promise.resolve({ value: first, done: false });
    }
    if (this.waiter) return Promise.reject(new Error('watcher: concurrent next() calls are not supported'));
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<WatchEvent>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchEvent> {
    return this;
  }

  private readPage(): void {
    const page = this.readReplay(this.prefix, this.cursor);
    for (const ev of page.events) {
      this.queue.push(ev);
      this.cursor = ev.revision;
    }
    if (page.caughtUp) {
      this.replaying = false;
      if (page.committed > this.cursor) this.cursor = page.committed;
    }
  }

  private take(): WatchEvent | undefined {
    if (this.head >= this.queue.length) return undefined;
    const ev = this.queue[this.head];
    this.queue[this.head] = undefined;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return ev;
  }

  private finish(): void {
    this.done = true;
    this.onEnd(this);
  }
}
