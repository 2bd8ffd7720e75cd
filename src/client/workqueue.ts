// Work queue with client-go's guarantees: a key is queued at most once, never processed by
// two workers at once (a key added while it is processed is re-queued when done), and
// failures come back with per-key exponential back-off.
import { ExponentialBackoff } from '../util/backoff.js';

export class WorkQueue<K = string> {
  private readonly queue: K[] = [];
  private head = 0;
  private readonly queued = new Set<K>();
  private readonly processing = new Set<K>();
  private readonly dirty = new Set<K>();
  private readonly timers = new Map<K, { timer: NodeJS.Timeout; due: number }>();
  private waiters: ((k: K | undefined) => void)[] = [];
  private shut = false;

  constructor(private readonly backoff = new ExponentialBackoff<K>()) {}

  get length(): number {
    return this.queue.length - this.head;
  }

  add(key: K): void {
    if (this.shut) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    const w = this.waiters.shift();
    if (w) {
      this.queued.delete(key);
      this.processing.add(key);
      w(key);
      return;
    }
    this.queue.push(key);
  }

  /** Add after a delay; a key already waiting keeps the sooner of the two times (client-go's delaying queue). */
  addAfter(key: K, ms: number): void {
    if (this.shut) return;
    if (ms <= 0) return this.add(key);
    const due = Date.now() + ms;
    const existing = this.timers.get(key);
    if (existing) {
      if (existing.due <= due) return;
      clearTimeout(existing.timer);
    }
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, ms);
    timer.unref?.();
    this.timers.set(key, { timer, due });
  }

  addRateLimited(key: K): void {
    this.addAfter(key, this.backoff.when(key));
  }

  forget(key: K): void {
    this.backoff.forget(key);
  }

  retries(key: K): number {
    return this.backoff.retries(key);
  }

  /** Next key to process, or undefined once shut down. Call done(key) afterwards. */
  get(): Promise<K | undefined> {
    if (this.head < this.queue.length) {
      const k = this.queue[this.head++]!;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      this.queued.delete(k);
      this.processing.add(k);
      return Promise.resolve(k);
    }
    if (this.shut) return Promise.resolve(undefined);
    return new Promise((r) => this.waiters.push(r));
  }

  done(key: K): void {
    this.processing.delete(key);
    if (this.dirty.delete(key)) this.add(key);
  }

  shutdown(): void {
    this.shut = true;
    for (const t of this.timers.values()) clearTimeout(t.timer);
    this.timers.clear();
    for (const w of this.waiters) w(undefined);
    this.waiters = [];
  }
}
