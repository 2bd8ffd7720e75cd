// One probe worker per container and probe kind, as the kubelet's. Every periodSeconds (and at
// once when triggered) doProbe takes one step:
//
//   no container yet ─▶ wait          new container id ─▶ result := initial value, resume
//   on hold (failed liveness/startup, kill pending) ─▶ wait for the next container
//   container not running ─▶ result failure; stop for good if it exited under restartPolicy Never
//   pod being deleted ─▶ liveness/startup: success, stop (a quiet shutdown)
//   within initialDelaySeconds ─▶ wait
//   startup probes run until the container has started; the others only after
//   probe ─▶ same result as last time: run+1, else run=1; the result is recorded once the run
//            reaches failureThreshold / successThreshold; a recorded liveness/startup failure
//            puts the worker on hold (the pod worker kills the container)
//
// Initial values: readiness failure (not ready until probed), liveness success, startup unknown.
import type { Clock } from '../../util/clock.js';
import type { ContainerSpec, Pod } from '../types.js';
import type { ProbeRunner } from './runner.js';
import { kindTitle, ProbeError, timing, type ProbeKind, type ProbeSpec } from './types.js';

export type Result = 'success' | 'failure' | 'unknown';

export interface ContainerView {
  id: string;
  running: boolean;
  /** it ran and exited (a created container that never ran is neither) */
  exited: boolean;
  /** ms since the epoch */
  startedAt: number;
}

export interface PodView {
  pod: Pod;
  podIP: string;
  /** the newest instance of the worker's container, if there is one */
  container?: ContainerView;
  /** that instance passed its startup probe, or has none */
  started: boolean;
}

export interface WorkerEnv {
  clock: Clock;
  run: ProbeRunner;
  /** the pod and container as the pod worker last saw them; undefined: pod unknown */
  view(): PodView | undefined;
  set(containerId: string, r: Result): void;
  remove(containerId: string): void;
  event(type: 'Normal' | 'Warning', reason: string, message: string): void;
  /** the worker ended (stopped or done) */
  exited?(): void;
}

export const INITIAL_RESULT: Readonly<Record<ProbeKind, Result>> = { readiness: 'failure', liveness: 'success', startup: 'unknown' };

export class ProbeWorker {
  containerId = '';
  onHold = false;
  private lastResult: Result | undefined;
  private resultRun = 0;
  private stopped = false;
  private triggered = false;
  private wake: (() => void) | undefined;

  constructor(
    readonly kind: ProbeKind,
    readonly container: ContainerSpec,
    readonly spec: ProbeSpec,
    private readonly env: WorkerEnv,
  ) {}

  /** One step; false when the worker has nothing left to do. */
  async doProbe(): Promise<boolean> {
    const v = this.env.view();
    if (!v) return true;
    const c = v.container;
    if (!c) return true;
    if (c.id !== this.containerId) {
      if (this.containerId) this.env.remove(this.containerId);
      this.containerId = c.id;
      this.env.set(c.id, INITIAL_RESULT[this.kind]);
      this.onHold = false; // a new container: probe again
      this.lastResult = undefined;
      this.resultRun = 0;
    }
    if (this.onHold) return true;
    if (!c.running) {
      this.env.set(c.id, 'failure');
      return !c.exited || (v.pod.spec.restartPolicy ?? 'Always') !== 'Never';
    }
    if (v.pod.metadata.deletionTimestamp && this.kind !== 'readiness') {
      this.env.set(c.id, 'success');
      return false;
    }
    const t = timing(this.spec);
    if (Math.floor((this.env.clock.now() - c.startedAt) / 1000) < t.initialDelayS) return true;
    if (v.started ? this.kind === 'startup' : this.kind !== 'startup') return true;

    const title = kindTitle(this.kind);
    let result: Result;
    try {
      const o = await this.env.run(this.spec, { pod: v.pod, container: this.container, containerId: c.id, podIP: v.podIP });
      if (this.stopped) return false;
      if (o.result === 'failure') this.env.event('Warning', 'Unhealthy', `${title} probe failed: ${o.output}`);
      else if (o.result === 'warning') this.env.event('Warning', 'ProbeWarning', `${title} probe warning: ${o.output}`);
      result = o.result === 'failure' ? 'failure' : 'success';
    } catch (err) {
      if (!(err instanceof ProbeError)) throw err;
      // the probe could not run: say so, keep the last result
      if (!this.stopped) this.env.event('Warning', 'Unhealthy', `${title} probe errored: ${err.message}`);
      return true;
    }

    if (this.lastResult === result) this.resultRun++;
    else {
      this.lastResult = result;
      this.resultRun = 1;
    }
    if ((result === 'failure' && this.resultRun < t.failure) || (result === 'success' && this.resultRun < t.success)) return true;
    this.env.set(c.id, result);
    if (this.kind !== 'readiness' && result === 'failure') {
      // the container is to be killed: no more probing of it
      this.onHold = true;
      this.resultRun = 0;
    }
    return true;
  }

  /** Probes every periodSeconds until stopped or done; firstDelayMs spreads workers after a kubelet start. */
  async run(firstDelayMs = 0): Promise<void> {
    const periodMs = timing(this.spec).periodS * 1000;
    try {
      if (firstDelayMs > 0) await this.wait(firstDelayMs);
      while (!this.stopped) {
        const t0 = Date.now();
        const keep = await this.doProbe();
        if (!keep || this.stopped) break;
        await this.wait(periodMs - (Date.now() - t0));
      }
    } finally {
      if (this.containerId) this.env.remove(this.containerId);
      this.env.exited?.();
    }
  }

  /** Probe now instead of at the next period. */
  trigger(): void {
    this.triggered = true;
    this.wake?.();
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  private wait(ms: number): Promise<void> {
    if (this.triggered || this.stopped) {
      this.triggered = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        this.triggered = false;
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      timer.unref?.();
      this.wake = done;
    });
  }
}
