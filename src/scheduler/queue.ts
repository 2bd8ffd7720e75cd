// The scheduling queue, as kube-scheduler's: an active queue ordered by priority (then
// arrival), a back-off queue for pods whose attempt just failed (1 s doubling to 10 s),
// and an unschedulable pool whose pods move back when the cluster changes in a way
// that may make them fit (node added or changed, pod deleted) or after 5 minutes.
//
//   add ──▶ active ──pop──▶ scheduling cycle ──fail──▶ unschedulable ──cluster event──▶ backoff ──▶ active
//                                   └────────── fail while a move happened ───────────▶ backoff
import type { KubeObject } from '../api/types.js';
import type { Clock } from '../util/clock.js';
import { KeyedHeap } from './heap.js';

export interface QueuedPod {
  key: string;
  pod: KubeObject;
  priority: number;
  /** when it (re-)entered the active queue */
  timestamp: number;
  /** first time it was queued */
  initialAttempt: number;
  attempts: number;
  /** plugins that rejected it last time */
  unschedulablePlugins: Set<string>;
  backoffUntil?: number;
}

export type ClusterEvent = 'NodeAdd' | 'NodeUpdate' | 'PodDelete' | 'AssignedPodAdd' | 'AssignedPodUpdate' | 'Unschedulable timeout' | 'StorageChange';

export interface QueueOptions {
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  maxInUnschedulableMs?: number;
}

export function podKey(pod: KubeObject): string {
  return `${pod.metadata.namespace}/${pod.metadata.name}`;
}

export class SchedulingQueue {
  private readonly active = new KeyedHeap<QueuedPod>(
    (p) => p.key,
    (a, b) => a.priority > b.priority || (a.priority === b.priority && a.timestamp < b.timestamp),
  );
  private readonly backoff = new KeyedHeap<QueuedPod>(
    (p) => p.key,
    (a, b) => (a.backoffUntil ?? 0) < (b.backoffUntil ?? 0),
  );
  private readonly unschedulable = new Map<string, QueuedPod & { since: number }>();
  /** pods handed to a scheduling cycle and not yet done */
  private readonly inFlight = new Map<string, QueuedPod>();
  private moveCycle = 0;
  private readonly popWaiters: ((p: QueuedPod | undefined) => void)[] = [];
  private closed = false;
  private readonly initialBackoff: number;
  private readonly maxBackoff: number;
  private readonly maxUnschedulable: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly clock: Clock,
    o: QueueOptions = {},
  ) {
    this.initialBackoff = o.initialBackoffMs ?? 1000;
    this.maxBackoff = o.maxBackoffMs ?? 10_000;
    this.maxUnschedulable = o.maxInUnschedulableMs ?? 5 * 60_000;
    this.timer = setInterval(() => this.flush(), 200);
    this.timer.unref?.();
  }

  get stats(): { active: number; backoff: number; unschedulable: number; inFlight: number } {
    return { active: this.active.size, backoff: this.backoff.size, unschedulable: this.unschedulable.size, inFlight: this.inFlight.size };
  }

  private newEntry(pod: KubeObject, prev?: QueuedPod): QueuedPod {
    const now = this.clock.now();
    return {
      key: podKey(pod),
      pod,
      priority: Number(pod.spec?.priority ?? 0),
      timestamp: now,
      initialAttempt: prev?.initialAttempt ?? now,
      attempts: prev?.attempts ?? 0,
      unschedulablePlugins: prev?.unschedulablePlugins ?? new Set(),
    };
  }

  /** A new pending pod. */
  add(pod: KubeObject): void {
    const key = podKey(pod);
    if (this.inFlight.has(key)) {
      this.inFlight.get(key)!.pod = pod;
      return;
    }
    this.unschedulable.delete(key);
    this.backoff.delete(key);
    this.pushActive(this.newEntry(pod));
  }

  /** Only the pod's status changed (e.g. its nomination): keep the newest copy, move nothing (as upstream). */
  refresh(pod: KubeObject): void {
    const key = podKey(pod);
    const q = this.inFlight.get(key) ?? this.active.get(key) ?? this.backoff.get(key) ?? this.unschedulable.get(key);
    if (q) q.pod = pod;
    else this.add(pod);
  }

  /** The pending pod changed: an unschedulable pod whose spec changed gets another chance. */
  update(pod: KubeObject): void {
    const key = podKey(pod);
    const inflight = this.inFlight.get(key);
    if (inflight) {
      inflight.pod = pod;
      return;
    }
    const a = this.active.get(key) ?? this.backoff.get(key);
    if (a) {
      a.pod = pod;
      return;
    }
    const u = this.unschedulable.get(key);
    if (u) {
      this.unschedulable.delete(key);
      this.pushActive({ ...this.newEntry(pod, u), attempts: u.attempts });
      return;
    }
    this.add(pod);
  }

  delete(pod: KubeObject): void {
    const key = podKey(pod);
    this.active.delete(key);
    this.backoff.delete(key);
    this.unschedulable.delete(key);
    this.inFlight.delete(key);
  }

  private pushActive(p: QueuedPod): void {
    const w = this.popWaiters.shift();
    if (w) {
      this.inFlight.set(p.key, p);
      p.attempts++;
      w(p);
      return;
    }
    this.active.push(p);
  }

  /** The next pod to schedule (highest priority first); waits while the active queue is empty. */
  pop(): Promise<QueuedPod | undefined> {
    const p = this.active.pop();
    if (p) {
      p.attempts++;
      this.inFlight.set(p.key, p);
      return Promise.resolve(p);
    }
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((r) => this.popWaiters.push(r));
  }

  /** Synchronous pop for batch loops: undefined when nothing is active right now. */
  tryPop(): QueuedPod | undefined {
    const p = this.active.pop();
    if (!p) return undefined;
    p.attempts++;
    this.inFlight.set(p.key, p);
    return p;
  }

  /** The move cycle at the time a scheduling cycle starts (to detect moves during it). */
  get currentMoveCycle(): number {
    return this.moveCycle;
  }

  /** The pod was bound (or went away): forget it. */
  done(key: string): void {
    this.inFlight.delete(key);
  }

  /**
   * The attempt failed. If the cluster changed while it was being scheduled it goes to
   * back-off (it may fit now); otherwise it waits in the unschedulable pool.
   */
  requeueFailed(p: QueuedPod, cycleAtStart: number, plugins: Iterable<string>, error = false): void {
    if (!this.inFlight.has(p.key)) return; // deleted meanwhile
    this.inFlight.delete(p.key);
    p.unschedulablePlugins = new Set(plugins);
    if (error || this.moveCycle > cycleAtStart) {
      this.pushBackoff(p);
      return;
    }
    this.unschedulable.set(p.key, { ...p, since: this.clock.now() });
  }

  private backoffDuration(p: QueuedPod): number {
    let d = this.initialBackoff;
    for (let i = 1; i < p.attempts; i++) {
      d *= 2;
      if (d >= this.maxBackoff) return this.maxBackoff;
    }
    return d;
  }

  private pushBackoff(p: QueuedPod): void {
    p.backoffUntil = this.clock.now() + this.backoffDuration(p);
    this.backoff.push(p);
  }

  /** Something changed in the cluster: unschedulable pods get another look (after their back-off). */
  moveAllToActiveOrBackoff(_event: ClusterEvent): void {
    this.moveCycle++;
    if (this.unschedulable.size === 0) return;
    const now = this.clock.now();
    for (const [key, u] of this.unschedulable) {
      this.unschedulable.delete(key);
      const { since: _s, ...p } = u;
      const until = p.timestamp + this.backoffDuration(p); // still backing off from its last attempt?
      if (until > now) this.pushBackoff(p);
      else this.pushActive({ ...p, timestamp: now });
    }
  }

  /** Move expired back-offs to active and stale unschedulable pods back (called on a timer). */
  flush(): void {
    const now = this.clock.now();
    for (;;) {
      const top = this.backoff.peek();
      if (!top || (top.backoffUntil ?? 0) > now) break;
      this.backoff.pop();
      this.pushActive({ ...top, timestamp: now });
    }
    for (const [key, u] of this.unschedulable) {
      if (now - u.since < this.maxUnschedulable) continue;
      this.unschedulable.delete(key);
      const { since: _s, ...p } = u;
      this.pushActive({ ...p, timestamp: now });
    }
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const w of this.popWaiters) w(undefined);
    this.popWaiters.length = 0;
  }
}
