// Restart and image-pull back-off, as the kubelet's flowcontrol.Backoff: 10 s doubling to 5 min
// per key; an entry untouched for longer than the reset window (10 min of running) starts over.
import type { Clock } from '../util/clock.js';

export const BACKOFF_INITIAL_MS = 10_000;
export const BACKOFF_MAX_MS = 300_000;
export const BACKOFF_RESET_MS = 600_000;

interface Entry {
  delayMs: number;
  /** when the current back-off ends */
  until: number;
  /** the exit this entry already accounted for */
  seen: string;
}

export class Backoff {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly clock: Clock,
    readonly initialMs = BACKOFF_INITIAL_MS,
    readonly maxMs = BACKOFF_MAX_MS,
  ) {}

  /**
   * A failure identified by `event` (e.g. a container's id) happened at `at` after running for
   * `ranMs`: counts it once, and returns the time the next attempt may start (the first failure
   * may restart at once, as the kubelet does).
   */
  failure(key: string, event: string, at: number, ranMs: number): number {
    const e = this.entries.get(key);
    if (e && e.seen === event) return e.until;
    if (!e || ranMs >= BACKOFF_RESET_MS) {
      this.entries.set(key, { delayMs: this.initialMs, until: at, seen: event });
      return at;
    }
    const until = at + e.delayMs;
    this.entries.set(key, { delayMs: Math.min(e.delayMs * 2, this.maxMs), until, seen: event });
    return until;
  }

  /** The delay of the current back-off window for messages ("back-off 20s"). */
  currentDelayMs(key: string): number {
    const e = this.entries.get(key);
    return e ? Math.max(0, e.delayMs / 2) : 0;
  }

  inBackoff(key: string): boolean {
    const e = this.entries.get(key);
    return !!e && this.clock.now() < e.until;
  }

  remainingMs(key: string): number {
    const e = this.entries.get(key);
    return e ? Math.max(0, e.until - this.clock.now()) : 0;
  }

  /** Image pulls: every failure backs off (the first for the initial delay). */
  pullFailed(key: string): void {
    const e = this.entries.get(key);
    const delay = e ? Math.min(e.delayMs * 2, this.maxMs) : this.initialMs;
    this.entries.set(key, { delayMs: delay, until: this.clock.now() + delay, seen: '' });
  }

  forget(key: string): void {
    this.entries.delete(key);
  }

  /** Drop every key that starts with prefix (a pod's uid). */
  forgetPrefix(prefix: string): void {
    for (const k of this.entries.keys()) if (k.startsWith(prefix)) this.entries.delete(k);
  }
}
