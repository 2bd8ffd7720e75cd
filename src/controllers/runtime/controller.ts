// Controller base: informer handlers enqueue keys, N workers take keys from the queue and
// call reconcile(key), which re-reads everything from the informer caches. The outcome goes
// through handleOutcome, the single retry policy. A key is never reconciled by two workers.
import type { KubeObject } from '../../api/types.js';
import { objectKey } from '../../client/informer.js';
import { EventRecorder } from '../../client/events.js';
import type { RestClient } from '../../client/rest.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { SharedInformers } from './informers.js';
import { handleOutcome, type Result } from './result.js';

export interface ControllerContext {
  client: RestClient;
  clock: Clock;
  log: Logger;
  informers: SharedInformers;
  /** per-controller tunables (kube-controller-manager flags); unset fields take defaults */
  settings?: ControllerSettings;
}

/** Tunables of single controllers; each controller reads its own fields. */
export interface ControllerSettings {
  /** node lifecycle: a node whose Lease and status go unrenewed this long is marked Unknown (--node-monitor-grace-period, 40 s) */
  nodeMonitorGracePeriodMs?: number;
  /** node lifecycle: how often every node's health is checked (--node-monitor-period, 5 s) */
  nodeMonitorPeriodMs?: number;
  /** pod GC: terminated pods kept before the oldest are deleted (--terminated-pod-gc-threshold, 12500; 0 disables) */
  terminatedPodGCThreshold?: number;
  /** pod GC: how often it runs (20 s) and how long a missing node is waited for (40 s) */
  podGCPeriodMs?: number;
  podGCQuarantineMs?: number;
}

export abstract class Controller {
  readonly queue = new WorkQueue<string>();
  protected readonly log: Logger;
  protected readonly recorder: EventRecorder;
  protected readonly client: RestClient;
  protected readonly clock: Clock;

  constructor(
    readonly name: string,
    protected readonly ctx: ControllerContext,
    readonly workers = 5,
  ) {
    this.log = ctx.log.child({ controller: name });
    this.client = ctx.client;
    this.clock = ctx.clock;
    // kube-controller-manager writes a controller's events through that controller's client,
    // rate limited (--kube-api-qps 20 / --kube-api-burst 30, shared with its other writes).
    // Here the events alone get the scheduler's 50/s with bursts of 100: a flood of events (a
    // ReplicaSet creating hundreds of pods) waits for tokens (at most 1,000 queued, drained
    // within 20 s) instead of competing with the writes it reports on; a handful goes out at once.
    this.recorder = new EventRecorder(ctx.client, name, ctx.clock, this.log, undefined, { qps: 50, burst: 100 });
  }

  /** Bring the object behind key to its desired state; throw to retry with back-off. */
  abstract reconcile(key: string): Promise<Result>;

  enqueue(objOrKey: KubeObject | string): void {
    this.queue.add(typeof objOrKey === 'string' ? objOrKey : objectKey(objOrKey));
  }

  enqueueAfter(objOrKey: KubeObject | string, ms: number): void {
    this.queue.addAfter(typeof objOrKey === 'string' ? objOrKey : objectKey(objOrKey), ms);
  }

  /** Wait for the caches, then run the workers until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    // a stop before the caches fill must not leave run() waiting for them forever
    await Promise.race([this.ctx.informers.waitForSync(), aborted(signal)]);
    if (signal.aborted) return;
    signal.addEventListener('abort', () => this.queue.shutdown(), { once: true });
    this.log.debug({ workers: this.workers }, 'controller started');
    await Promise.all(Array.from({ length: this.workers }, () => this.worker()));
  }

  private async worker(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      let outcome: Result | Error;
      try {
        outcome = await this.reconcile(key);
      } catch (err) {
        outcome = err instanceof Error ? err : new Error(String(err));
      }
      handleOutcome(this.queue, key, outcome, this.log, this.name);
      this.queue.done(key);
    }
  }
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
