// One scheduler for every node's periodic work (lease renewal, and the occasional status
// report), instead of a timer per node. Node i of n is due at start + i*interval/n and then
// every interval, so renewals spread evenly; one loop sleeps until the next due slot, hands
// each due node to a bounded pool of writers and skips a node whose previous renewal is still
// in flight (that node is late, as a slow kubelet would be).
//
//   time ─▶  |n0   n1   n2   n3  |n0   n1   n2   n3  | ...   (one interval per row)
import type { SimClock } from './config.js';
import type { Limiter } from './limiter.js';

export interface RingEntry {
  stopped: boolean;
  renewing: boolean;
}

export interface RingStats {
  ticks: number;
  errors: number;
  /** renewals skipped because the previous one was still in flight */
  skipped: number;
  /** largest delay between a slot's due time and its start, in ms */
  maxLagMs: number;
}

/** Minimum sleep between batches, so thousands of nodes do not mean thousands of wake-ups. */
const MIN_SLEEP_MS = 5;

export class RenewalRing<E extends RingEntry> {
  readonly stats: RingStats = { ticks: 0, errors: 0, skipped: 0, maxLagMs: 0 };

  constructor(
    private readonly entries: readonly E[],
    private readonly intervalMs: number,
    private readonly clock: SimClock,
    private readonly limiter: Limiter,
    private readonly tick: (e: E) => Promise<void>,
    private readonly onError: (e: E, err: unknown) => void,
  ) {}

  /** Run until the signal aborts. The first slot (entry 0) is due one step after start. */
  async run(signal: AbortSignal): Promise<void> {
    const n = this.entries.length;
    if (n === 0) return;
    const step = this.intervalMs / n;
    const start = this.clock.now();
    let round = 0;
    let idx = 0;
    while (!signal.aborted) {
      const due = start + round * this.intervalMs + (idx + 1) * step;
      const now = this.clock.now();
      if (due > now) {
        await this.clock.sleep(Math.max(due - now, MIN_SLEEP_MS), signal);
        continue;
      }
      const lag = now - due;
      // a process paused for more than a whole interval: skip the rounds it missed
      if (lag > this.intervalMs) round += Math.floor(lag / this.intervalMs);
      if (lag > this.stats.maxLagMs) this.stats.maxLagMs = lag;
      const e = this.entries[idx]!;
      if (++idx === n) {
        idx = 0;
        round++;
      }
      if (e.stopped) continue;
      if (e.renewing) {
        this.stats.skipped++;
        continue;
      }
      e.renewing = true;
      await this.limiter.submit(
        async () => {
          try {
            if (signal.aborted || e.stopped) return;
            await this.tick(e);
            this.stats.ticks++;
          } finally {
            e.renewing = false;
          }
        },
        (err) => {
          this.stats.errors++;
          this.onError(e, err);
        },
      );
    }
  }
}
