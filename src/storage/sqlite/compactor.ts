// Compaction: drops history at or below a boundary revision, in chunks of revisions
// (one transaction each, yielding to the event loop in between) so writers are never
// blocked for long. A row goes when a later row of the same key at or below the
// boundary supersedes it, and deletion rows at or below the boundary go with the row
// they deleted. The current value of a live key is never superseded, so it stays; so
// does every row still needed to read at any revision >= the boundary.
import type { Db } from './pragmas.js';
import type { Statements } from './schema.js';

export interface CompactorOptions {
  /** revisions per transaction */
  chunk: number;
  /** compacted revision found on disk */
  compacted: number;
  /** called after each chunk commits with the new compacted revision */
  onAdvance: (compacted: number) => void;
}

export class Compactor {
  private compacted: number;
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly step: (lo: number, hi: number) => void;

  constructor(db: Db, st: Statements, private readonly opts: CompactorOptions) {
    this.compacted = opts.compacted;
    this.step = db
      .transaction((lo: number, hi: number) => {
        st.compactSuperseded.run(lo, hi);
        st.compactDeletions.run(lo, hi);
        st.compactCommits.run(hi);
        st.setMeta.run('compacted', hi);
      })
      .immediate;
  }

  revision(): number {
    return this.compacted;
  }

  /**
   * Compact up to `target`, never past `limit()` (re-evaluated before every chunk).
   * Runs are serialized; resolves when this run has finished or the compactor stopped.
   */
  compactTo(target: number, limit: () => number = () => Infinity): Promise<void> {
    const run = this.chain.then(() => this.run(target, limit));
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Stop after the chunk in progress; resolves once no chunk is running. */
  stop(): Promise<void> {
    this.stopped = true;
    return this.chain;
  }

  private async run(target: number, limit: () => number): Promise<void> {
    while (!this.stopped) {
      const hi = Math.min(target, limit(), this.compacted + this.opts.chunk);
      if (hi <= this.compacted) return;
      this.step(this.compacted, hi);
      this.compacted = hi;
      this.opts.onAdvance(hi);
      if (hi >= target) return;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
}
