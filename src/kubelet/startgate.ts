// The start gate: at most N pods' runtime work (RunPodSandbox; CreateContainer + StartContainer)
// at a time, the oldest pod first.
//
// Starting a pod is CPU work in the runtime (runc, the shim, containerd, the CNI plugins: ~100 ms
// of CPU per pod on a small VM). Started all at once, N pods share the CPUs and all finish late,
// together. Through the gate, the pods that came first finish first and the later ones wait their
// turn. bench:pods on 2 cores (gate of 3, with a warm server): 10 pods/s p50 2.75x -> 1.52x the
// raw CRI floor, p99 2.3 s -> 0.75 s; 10 pods at once 1.11x -> 1.05x.
//
// A pod's sync takes a slot at its first CPU-bound runtime call (RunPodSandbox, CreateContainer)
// and keeps it to its end: a pod's steps run back to back (handing the slot over between them
// measured no better than no gate: the runtime's work of a step goes on after its call returns). The
// slot is given back while the sync waits on other things (an image pull, a postStart hook, a
// kill's grace period), so a slow pull does not hold up the pods behind it; probes, volume set-up
// and pod termination never wait for a slot.

export class StartGate {
  private free: number;
  private nextTicket = 0;
  /** waiters, oldest ticket first */
  private readonly waiting: { ticket: number; go: () => void }[] = [];
  /** per pod uid: its ticket, kept across syncs so that a pod keeps its place */
  private readonly tickets = new Map<string, number>();

  /** slots: how many may run at once; 0 or less: no limit */
  constructor(readonly slots: number) {
    this.free = slots > 0 ? slots : Infinity;
  }

  /** The pod's place in line (taken at its first call, kept until forget). */
  ticket(uid: string): number {
    let t = this.tickets.get(uid);
    if (t === undefined) this.tickets.set(uid, (t = this.nextTicket++));
    return t;
  }

  /** The pod is gone or started: a later start of it (a restart) queues anew. */
  forget(uid: string): void {
    this.tickets.delete(uid);
  }

  /**
   * Waits for a slot (the smallest ticket first) and resolves with the function that gives it
   * back. An abort while waiting leaves the line and rejects with the signal's reason.
   */
  async acquire(uid: string, signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    const ticket = this.ticket(uid);
    if (this.free > 0) this.free--;
    else await this.wait(ticket, signal);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.release();
    };
  }

  /** A holder for one sync of a pod: takes a slot at its first runtime call, keeps it to the end. */
  hold(uid: string): StartHold {
    return new StartHold(this, uid);
  }

  /** How many wait for a slot (for tests and logs). */
  queued(): number {
    return this.waiting.length;
  }

  private wait(ticket: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const at = this.waiting.indexOf(w);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(signal!.reason);
      };
      const w = {
        ticket,
        go: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      let i = this.waiting.length;
      while (i > 0 && this.waiting[i - 1]!.ticket > ticket) i--;
      this.waiting.splice(i, 0, w);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next.go();
    else this.free++;
  }
}

/**
 * One sync's slot: take() before a CPU-bound runtime call (a no-op while held), drop() before
 * waiting on anything else (an image pull, a hook, a grace period) and at the end of the sync.
 */
export class StartHold {
  private giveBack: (() => void) | undefined;

  constructor(private readonly gate: StartGate, private readonly uid: string) {}

  async take(signal?: AbortSignal): Promise<void> {
    if (!this.giveBack) this.giveBack = await this.gate.acquire(this.uid, signal);
  }

  drop(): void {
    const g = this.giveBack;
    this.giveBack = undefined;
    g?.();
  }
}

/** The default size: one more than the CPUs (runtime calls also wait on disk and on each other). */
export function defaultStartSlots(cpus: number): number {
  return Math.max(2, cpus + 1);
}
