// Bounded concurrency for API writes: at most `limit` tasks run at once; the rest wait in
// FIFO order. Keeps thousands of simulated nodes from opening thousands of requests at once.
export class Limiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  get inFlight(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Run task when a slot is free; resolves or rejects with the task's outcome. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  /** Wait for a free slot (back-pressure for producers), then hand it to task without awaiting it. */
  async submit(task: () => Promise<void>, onError: (err: unknown) => void): Promise<void> {
    await this.acquire();
    void task()
      .catch(onError)
      .finally(() => this.release());
  }

  /** Resolves when nothing runs or waits. */
  idle(): Promise<void> {
    if (this.running === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private acquire(): Promise<void> {
    if (this.running < this.limit) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((r) => this.waiting.push(r));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) {
      next(); // the slot passes straight to the next task
      return;
    }
    this.running--;
    if (this.running === 0) {
      const ws = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of ws) w();
    }
  }
}
