// Pod workers: one per pod UID, each running its pod's lifecycle as a state machine. Events
// (informer, PLEG, timers) only mark a worker dirty; its loop runs one step at a time, so a
// pod is never synced twice at once while different pods proceed in parallel.
//
//   SYNC ──────────▶ TERMINATING ─────────────▶ TERMINATED
//   syncPod on every     deletionTimestamp set,      containers stopped, sandbox stopped.
//   change, PLEG event   pod gone from the API,      deleted pod: RemovePodSandbox, cgroups and
//   and resync; status   activeDeadlineSeconds       dirs removed, DELETE (grace 0, uid
//   written on change    passed, or phase terminal   precondition); worker gone with the object.
//                        ─▶ killPod (preStop,        terminal pod still in the API: containers and
//                        SIGTERM, grace, SIGKILL)    logs stay until it is deleted.
import { ApiError } from '../api/errors.js';
import type { RestClient } from '../client/rest.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { ProbeResults } from './probes.js';
import type { PodListing, PodRuntimeState } from './runtime.js';
import { computePodStatus, type StatusInput, type Waiting } from './status.js';
import type { StatusManager } from './statusmanager.js';
import type { PodSyncer } from './sync.js';
import { cleanupPod, killPod, type TerminateDeps } from './terminate.js';
import { trace, traceDone, traceForget } from './trace.js';
import type { Pod } from './types.js';

export type WorkerPhase = 'sync' | 'terminating' | 'terminated';
type Terminal = NonNullable<StatusInput['terminal']>;

interface Worker {
  uid: string;
  phase: WorkerPhase;
  /** the pod as the API has it now; undefined once it is gone */
  pod: Pod | undefined;
  lastPod: Pod | undefined;
  terminal?: Terminal;
  dirty: boolean;
  running: boolean;
  /** when (performance.now()) the last sync of this pod ended: a runtime listing begun later shows what it did */
  syncedAt?: number;
  timer?: NodeJS.Timeout;
  cleaned: boolean;
  /** grace for killing a pod that is gone, when its source said (static pods) */
  goneGrace?: number;
}

export interface WorkersDeps {
  syncer: PodSyncer;
  terminate: TerminateDeps;
  status: StatusManager;
  client: RestClient;
  probes: ProbeResults;
  clock: Clock;
  log: Logger;
  nodeIP: () => string;
  /** periodic resync of running pods (ConfigMap edits, deadlines) */
  resyncMs: number;
  /** grace for containers of pods that vanished from the API */
  orphanGraceSeconds: number;
  /**
   * The pod's part of the PLEG's last runtime listing if it began after `since` (-Infinity:
   * before any sync of this worker; only the pod's worker makes its sandboxes and containers).
   */
  listingSince?: (uid: string, since: number) => PodListing | undefined | Promise<PodListing | undefined>;
  /** the pod's runtime state after a sync that left nothing to do: the PLEG need not report it again */
  settled?: (uid: string, state: PodRuntimeState) => void;
}

const isTerminalPhase = (p: unknown) => p === 'Succeeded' || p === 'Failed';

/**
 * Nothing to do until the runtime changes: one ready sandbox, no init containers, every container
 * of the spec running (its latest instance), nothing waiting, and nothing else in the runtime.
 */
export function settled(pod: Pod, state: PodRuntimeState, waiting: ReadonlyMap<string, Waiting>): boolean {
  if (waiting.size || pod.spec.initContainers?.length) return false;
  if (state.sandboxes.length !== 1 || state.sandboxes[0]!.state !== 'SANDBOX_READY') return false;
  if (state.containers.length !== pod.spec.containers.length) return false;
  return pod.spec.containers.every((c) => state.containers.some((x) => x.name === c.name && x.kind === 'app' && x.state === 'CONTAINER_RUNNING'));
}

/** Two versions of a pod that differ in status (and resourceVersion) only. */
export function onlyStatusChanged(a: Pod, b: Pod): boolean {
  const am = a.metadata;
  const bm = b.metadata;
  return (
    am.deletionTimestamp === bm.deletionTimestamp &&
    am.deletionGracePeriodSeconds === bm.deletionGracePeriodSeconds &&
    JSON.stringify(am.labels) === JSON.stringify(bm.labels) &&
    JSON.stringify(am.annotations) === JSON.stringify(bm.annotations) &&
    JSON.stringify(a.spec) === JSON.stringify(b.spec)
  );
}

export class PodWorkers {
  private readonly workers = new Map<string, Worker>();
  private stopped = false;

  constructor(private readonly d: WorkersDeps, private readonly signal: AbortSignal) {
    signal.addEventListener('abort', () => {
      this.stopped = true;
      for (const w of this.workers.values()) clearTimeout(w.timer);
    }, { once: true });
  }

  get size(): number {
    return this.workers.size;
  }

  phaseOf(uid: string): WorkerPhase | undefined {
    return this.workers.get(uid)?.phase;
  }

  /** The informer has a (new) version of the pod. */
  update(pod: Pod): void {
    const uid = pod.metadata.uid ?? '';
    let w = this.workers.get(uid);
    if (!w) {
      w = { uid, phase: 'sync', pod, lastPod: pod, dirty: false, running: false, cleaned: false };
      this.workers.set(uid, w);
      this.d.log.debug({ pod: pod.metadata.name, createdAgoMs: this.d.clock.now() - Date.parse(String(pod.metadata.creationTimestamp)) }, 'pod worker started');
    }
    const echo = w.phase === 'sync' && w.pod !== undefined && onlyStatusChanged(w.pod, pod) && this.d.status.echoes(pod);
    w.pod = pod;
    w.lastPod = pod;
    // the informer's echo of the status this kubelet wrote needs no sync (as the kubelet, which
    // syncs on spec changes only); a pod with a deadline syncs to arm its timer from startTime
    if (echo && pod.spec.activeDeadlineSeconds === undefined) return;
    this.kick(uid);
  }

  /** The pod is gone from the API (or the runtime has a pod the API does not know, or its manifest went). */
  gone(uid: string, graceSeconds?: number): void {
    let w = this.workers.get(uid);
    if (!w) {
      w = { uid, phase: 'sync', pod: undefined, lastPod: undefined, dirty: false, running: false, cleaned: false };
      this.workers.set(uid, w);
    }
    w.pod = undefined;
    w.goneGrace = graceSeconds;
    this.kick(uid);
  }

  /** Resolves once no worker is in the middle of a step (after the signal, steps end early). */
  async drain(timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    while ([...this.workers.values()].some((w) => w.running) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  }

  kick(uid: string): void {
    const w = this.workers.get(uid);
    if (!w || this.stopped) return;
    w.dirty = true;
    if (!w.running) void this.loop(w);
  }

  private after(w: Worker, ms: number): void {
    clearTimeout(w.timer);
    w.timer = setTimeout(() => this.kick(w.uid), Math.max(0, ms));
    w.timer.unref?.();
  }

  private async loop(w: Worker): Promise<void> {
    w.running = true;
    try {
      while (w.dirty && !this.stopped) {
        w.dirty = false;
        try {
          await this.step(w);
        } catch (err) {
          if (this.stopped) return;
          this.d.log.warn({ uid: w.uid, pod: w.lastPod?.metadata.name, err: (err as Error).message }, 'pod worker: step failed; retrying');
          this.after(w, 1000);
        }
      }
    } finally {
      w.running = false;
    }
  }

  private deadlineExceeded(pod: Pod): number | true | undefined {
    const ads = pod.spec.activeDeadlineSeconds;
    const st: unknown = pod.status?.startTime;
    if (typeof ads !== 'number' || typeof st !== 'string') return undefined;
    const left = Date.parse(st) + ads * 1000 - this.d.clock.now();
    return left <= 0 ? true : left;
  }

  private async step(w: Worker): Promise<void> {
    const pod = w.pod;
    if (w.phase === 'terminated') return this.finish(w);
    if (w.phase === 'sync') {
      if (!pod || pod.metadata.deletionTimestamp) w.phase = 'terminating';
      else if (isTerminalPhase(pod.status?.phase)) {
        // marked terminal by someone else (eviction): killed, and the reason kept in the final status
        w.terminal = { phase: pod.status.phase, ...(typeof pod.status.reason === 'string' ? { reason: pod.status.reason, message: pod.status.message ?? undefined } : {}) };
        w.phase = 'terminating';
      } else {
        const dl = this.deadlineExceeded(pod);
        if (dl === true) {
          w.terminal = { phase: 'Failed', reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' };
          void this.d.terminate.recorder.event(pod, 'Normal', 'DeadlineExceeded', w.terminal.message!);
          w.phase = 'terminating';
        }
      }
    }
    if (w.phase === 'sync' && pod) {
      trace(w.uid, 'sync');
      const listing = await this.d.listingSince?.(w.uid, w.syncedAt ?? -Infinity);
      let res;
      try {
        res = await this.d.syncer.sync(pod, this.signal, { listing });
      } finally {
        w.syncedAt = performance.now();
      }
      trace(w.uid, 'sync/end');
      this.d.probes.syncPod?.(pod, res.state);
      const status = this.statusOf(pod, res.state, res.waiting);
      if (isTerminalPhase(status.phase)) {
        w.terminal = { phase: status.phase as Terminal['phase'] };
        w.phase = 'terminating';
      } else {
        trace(w.uid, 'status');
        const wrote = await this.d.status.set(pod, status);
        trace(w.uid, wrote ? 'status/written' : 'status/unchanged');
        if (wrote && status.phase === 'Running') {
          this.d.log.debug({ pod: pod.metadata.name }, 'status Running written');
          traceDone(w.uid, `${pod.metadata.namespace}/${pod.metadata.name}`);
        }
        if (res.requeueAfterMs === undefined && settled(pod, res.state, res.waiting)) this.d.settled?.(w.uid, res.state);
        const dl = this.deadlineExceeded(pod);
        const next = Math.min(res.requeueAfterMs ?? this.d.resyncMs, this.d.resyncMs, typeof dl === 'number' ? dl + 10 : Infinity);
        this.after(w, next);
        return;
      }
    }
    // terminating
    traceForget(w.uid);
    clearTimeout(w.timer);
    this.d.probes.removePod?.(w.uid); // no probing of containers being stopped
    const last = w.pod ?? w.lastPod;
    const grace = !w.pod ? (w.goneGrace ?? this.d.orphanGraceSeconds) : w.pod.metadata.deletionTimestamp ? (w.pod.metadata.deletionGracePeriodSeconds ?? w.pod.spec.terminationGracePeriodSeconds ?? 30) : (w.pod.spec.terminationGracePeriodSeconds ?? 30);
    const state = await killPod(this.d.terminate, w.uid, last, grace, this.signal);
    if (w.pod) {
      let terminal = w.terminal;
      if (!terminal) {
        const failed = state.containers.some((c) => c.kind === 'app' && c.exitCode !== 0);
        terminal = { phase: failed ? 'Failed' : 'Succeeded' };
      }
      // a pod the API already reports as terminal keeps its status as written
      if (!isTerminalPhase(w.pod.status?.phase) || w.terminal?.reason) await this.d.status.set(w.pod, this.statusOf(w.pod, state, new Map(), terminal));
    }
    w.phase = 'terminated';
    w.dirty = true;
  }

  private statusOf(pod: Pod, state: PodRuntimeState, waiting: Map<string, Waiting>, terminal?: Terminal): Record<string, unknown> {
    return computePodStatus({ pod, state, waiting, hostIP: this.d.nodeIP(), probes: this.d.probes, now: this.d.clock.nowRFC3339(), terminal });
  }

  /** Terminated: a deleted pod is cleaned up and its object removed; a terminal one waits for deletion. */
  private async finish(w: Worker): Promise<void> {
    const pod = w.pod;
    if (pod && !pod.metadata.deletionTimestamp) return; // terminal, not deleted: keep containers and logs
    if (!w.cleaned) {
      await cleanupPod(this.d.terminate, w.uid, this.signal);
      this.d.syncer.restartBackoff.forgetPrefix(`${w.uid}/`);
      this.d.syncer.forgetImagePulls(w.uid);
      this.d.probes.removePod?.(w.uid);
      w.cleaned = true;
    }
    if (pod) {
      try {
        const path = `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`;
        await this.d.client.text('DELETE', path, { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, preconditions: { uid: w.uid } });
      } catch (err) {
        // 404: gone already; 409: the name belongs to a new pod now, ours is gone
        if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) throw err;
      }
      return; // the informer's DELETED event removes the worker
    }
    this.d.status.forget(w.uid);
    this.workers.delete(w.uid);
  }
}
