// syncPod: compare the pod spec with what the runtime holds for the pod (found by labels) and
// take the next steps. Re-entrant: calling it again with nothing changed does nothing, so it
// runs after every event, every PLEG change and periodically. Order of a pod's start:
//   volumes ─▶ sandbox (network, IP) ─▶ init containers one by one (each exits 0; sidecars keep
//   running) ─▶ app containers; exited containers restart by restartPolicy with back-off.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EventRecorder } from '../client/events.js';
import type { CriClient } from '../cri/client.js';
import { CriError } from '../cri/errors.js';
import type { Image, PodSandboxConfig } from '../cri/types.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { Backoff } from './backoff.js';
import { podCgroupParent } from './cgroups.js';
import { containerConfig, etcHostsContent, sandboxConfig } from './containers.js';
import { containerEnv, type NodeAllocatable } from './env.js';
import type { ImageManager } from './images.js';
import { ContainerConfigError, type ObjectSource } from './objects.js';
import { hasHandler, runHandler } from './prober/hooks.js';
import type { ProbeResults } from './probes.js';
import { latestByName, type ContainerInfo, type PodListing, type PodRuntimeState, type RuntimeView, type SandboxInfo } from './runtime.js';
import type { Waiting } from './status.js';
import { killContainer } from './terminate.js';
import { trace, traced } from './trace.js';
import { isSidecar, podDesc, type ContainerSpec, type Pod } from './types.js';
import { setUpVolumes, VolumeError, type MountedVolume } from './volumes/index.js';
import type { StartGate, StartHold } from './startgate.js';

export interface SyncDeps {
  cri: CriClient;
  runtime: RuntimeView;
  images: ImageManager;
  recorder: EventRecorder;
  objects: ObjectSource;
  clock: Clock;
  log: Logger;
  nodeIP: () => string;
  allocatable: () => NodeAllocatable;
  podDir: (uid: string) => string;
  cgroupRoot: string;
  /** liveness/startup verdicts (a container that failed is killed and restarted) */
  probes?: ProbeResults;
  /** the runtime handler of sandboxes with port mappings (hostPort); others use the default handler */
  hostPortRuntimeHandler?: string;
  /** how many pods' sandbox and container starts run at once (default: no limit) */
  startGate?: StartGate;
}

export interface SyncOptions {
  /** the pod's part of a runtime listing begun after this kubelet last acted on the pod: no need to list again */
  listing?: PodListing;
}

/** A container this sync started (its status is read once at the end). */
interface Started {
  id: string;
  sandboxId: string;
  kind: 'init' | 'app';
}

export interface SyncResult {
  state: PodRuntimeState;
  waiting: Map<string, Waiting>;
  /** sync again after this long (back-off ends, pull retry) */
  requeueAfterMs?: number;
}

const CONFIG_RETRY_MS = 2000;

export function fieldPath(pod: Pod, name: string): string {
  const inInit = (pod.spec.initContainers ?? []).some((c) => c.name === name);
  return `spec.${inInit ? 'initContainers' : 'containers'}{${name}}`;
}

function shouldRestart(pod: Pod, c: ContainerInfo): boolean {
  const p = pod.spec.restartPolicy ?? 'Always';
  return p === 'Always' || (p === 'OnFailure' && c.exitCode !== 0);
}

export class PodSyncer {
  readonly restartBackoff: Backoff;
  /** per pod uid: the /etc/hosts content written (rewritten only when it changes) */
  private readonly hostsWritten = new Map<string, string>();

  constructor(private readonly d: SyncDeps) {
    this.restartBackoff = new Backoff(d.clock);
  }

  /** The pod is gone (its directory too): its image pull back-offs and written files go with it. */
  forgetImagePulls(uid: string): void {
    this.d.images.forgetPod(uid);
    this.hostsWritten.delete(uid);
    this.d.startGate?.forget(uid);
  }

  sandboxConfigFor(pod: Pod, attempt: number): PodSandboxConfig {
    const uid = pod.metadata.uid ?? '';
    return sandboxConfig(pod, { logDirectory: this.d.podDir(uid), cgroupParent: podCgroupParent(this.d.cgroupRoot, uid), attempt });
  }

  async sync(pod: Pod, signal: AbortSignal, opts: SyncOptions = {}): Promise<SyncResult> {
    const hold = this.d.startGate?.hold(pod.metadata.uid ?? '');
    try {
      return await this.syncHeld(pod, signal, opts, hold);
    } finally {
      hold?.drop();
    }
  }

  /** sync, with the start gate's slot taken before the runtime's CPU-bound calls (hold) */
  private async syncHeld(pod: Pod, signal: AbortSignal, opts: SyncOptions, hold: StartHold | undefined): Promise<SyncResult> {
    const uid = pod.metadata.uid ?? '';
    const waiting = new Map<string, Waiting>();
    let requeue: number | undefined;
    const later = (ms: number) => (requeue = requeue === undefined ? ms : Math.min(requeue, ms));
    const t0 = this.d.clock.now();
    const marks: Record<string, number> = {};
    const mark = (what: string) => (marks[what] = this.d.clock.now() - t0);
    let state = await traced(uid, opts.listing ? 'podState(listed)' : 'podState', () => this.d.runtime.podState(uid, signal, opts.listing));
    mark('state');
    const podDir = this.d.podDir(uid);
    if (!this.hostsWritten.has(uid)) mkdirSync(podDir, { recursive: true });

    // sandbox: reuse the ready one; a pod whose containers all ran under restartPolicy Never gets no new one
    let sandbox = state.sandboxes.find((s) => s.state === 'SANDBOX_READY');
    if (!sandbox && (pod.spec.restartPolicy ?? 'Always') === 'Never' && state.containers.some((c) => c.kind === 'app')) return { state, waiting };

    let volumes: Map<string, MountedVolume>;
    try {
      trace(uid, 'volumes');
      volumes = await setUpVolumes(pod, { podDir, log: this.d.log, stamp: new Date(this.d.clock.now()).toISOString().replace(/[-:.]/g, '_'), objects: this.d.objects, node: this.d.allocatable(), podIP: sandbox?.ip ?? '', hostIP: this.d.nodeIP() });
    } catch (err) {
      if (!(err instanceof VolumeError)) throw err;
      void this.d.recorder.event(pod, 'Warning', 'FailedMount', `MountVolume.SetUp failed: ${err.message}`);
      return { state, waiting, requeueAfterMs: CONFIG_RETRY_MS };
    }

    mark('volumes');
    trace(uid, 'volumes/end');
    // images of the first containers to start, looked up while the sandbox starts (their events come in the usual order)
    const lookAhead = new Map<string, Promise<Image | null>>();
    let made: { attempt: number; config: PodSandboxConfig } | undefined;
    if (!sandbox) {
      const first = pod.spec.initContainers?.length ? pod.spec.initContainers.slice(0, 1) : pod.spec.containers;
      for (const c of first) {
        const p = this.d.images.lookAhead(c, signal);
        if (p) lookAhead.set(c.name, p);
      }
      const attempt = state.sandboxes.reduce((m, s) => Math.max(m, s.attempt + 1), 0);
      let id: string;
      try {
        made = { attempt, config: this.sandboxConfigFor(pod, attempt) };
        const config = made.config;
        const handler = config.portMappings?.length ? (this.d.hostPortRuntimeHandler ?? '') : '';
        await hold?.take(signal);
        id = await traced(uid, 'runPodSandbox', () => this.d.cri.runPodSandbox(config, handler)); // no signal: never abandon a half-made sandbox
      } catch (err) {
        if (!(err instanceof CriError)) throw err;
        void this.d.recorder.event(pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${err.details}`);
        return { state, waiting, requeueAfterMs: 5000 };
      }
      if (attempt > 0) void this.d.recorder.event(pod, 'Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.');
      const next = await traced(uid, 'sandboxStatus', () => this.d.runtime.withSandbox(state, id, signal));
      state = next ?? (await this.d.runtime.podState(uid, signal));
      sandbox = state.sandboxes.find((s) => s.state === 'SANDBOX_READY');
      if (!sandbox) return { state, waiting, requeueAfterMs: 1000 };
      mark('sandbox');
    }
    const sbConfig = made?.attempt === sandbox.attempt ? made.config : this.sandboxConfigFor(pod, sandbox.attempt);
    const podIP = pod.spec.hostNetwork ? this.d.nodeIP() : sandbox.ip;
    let etcHosts: string | undefined;
    if (!pod.spec.hostNetwork) {
      etcHosts = join(podDir, '_etc-hosts');
      const content = etcHostsContent(pod, podIP);
      if (this.hostsWritten.get(uid) !== content || !existsSync(etcHosts)) {
        writeFileSync(etcHosts, content);
        this.hostsWritten.set(uid, content);
      }
    } else this.hostsWritten.set(uid, '');
    const startedNow: Started[] = [];
    const ctx = { pod, sandbox, sbConfig, podIP, volumes, etcHosts, waiting, later, signal, started: startedNow, lookAhead, hold };
    // the state once this sync started containers: their statuses added, or everything listed again after a kill
    const restate = async (killed: boolean): Promise<PodRuntimeState> => {
      if (!killed) return traced(uid, 'containerStatus', () => this.d.runtime.withStarted(state, startedNow, signal));
      return traced(uid, 'podState', () => this.d.runtime.podState(uid, signal));
    };

    // init containers, in order
    const latest = latestByName(state.containers.filter((c) => c.kind === 'init'));
    let started = false;
    let killed = false;
    for (const c of pod.spec.initContainers ?? []) {
      const cur = latest.get(c.name);
      if (isSidecar(c)) {
        // until the pod is initialized, what follows a sidecar waits for its startup probe
        const initializing = !state.containers.some((x) => x.kind === 'app');
        let from = cur;
        if (cur?.state === 'CONTAINER_RUNNING') {
          const kill = await this.killIfUnhealthy(c, cur, ctx);
          if (kill) killed = true;
          if (!kill?.restartFrom) {
            if (initializing && this.d.probes?.started(uid, c.name, cur.id) === false) return { state: killed || startedNow.length ? await restate(killed) : state, waiting, requeueAfterMs: requeue };
            continue;
          }
          from = kill.restartFrom;
        }
        if (!(await this.startOrBackoff(c, 'init', from, ctx))) return { state: killed || startedNow.length ? await restate(killed) : state, waiting, requeueAfterMs: requeue };
        started = true;
        if (initializing && c.startupProbe) return { state: await restate(killed), waiting, requeueAfterMs: requeue };
        continue;
      }
      if (cur?.state === 'CONTAINER_EXITED' && cur.exitCode === 0) continue;
      if (cur && cur.state !== 'CONTAINER_EXITED') return { state, waiting, requeueAfterMs: requeue }; // still running
      if (cur && (pod.spec.restartPolicy ?? 'Always') === 'Never') return { state, waiting }; // failed: the pod fails
      await this.startOrBackoff(c, 'init', cur, ctx);
      return { state: await restate(killed), waiting, requeueAfterMs: requeue };
    }

    // app containers
    const apps = latestByName(state.containers.filter((c) => c.kind === 'app'));
    for (const c of pod.spec.containers) {
      let cur = apps.get(c.name);
      if (cur && cur.state !== 'CONTAINER_EXITED') {
        const kill = await this.killIfUnhealthy(c, cur, ctx);
        if (!kill) continue;
        started = killed = true; // the runtime state changed: read it again
        if (!kill.restartFrom) continue;
        cur = kill.restartFrom;
      } else if (cur && !shouldRestart(pod, cur)) continue;
      if (await this.startOrBackoff(c, 'app', cur, ctx)) started = true;
    }
    if (started) {
      this.d.startGate?.forget(uid); // a later restart queues anew
      mark('containers');
      state = await restate(killed);
      await this.pruneOld(state);
      mark('restate');
      this.d.log.debug({ pod: pod.metadata.name, ms: marks }, 'syncPod started containers');
    }
    return { state, waiting, requeueAfterMs: requeue };
  }

  /**
   * A running container that failed its liveness or startup probe is killed (Killing event,
   * preStop, the probe's grace period). undefined: left running; restartFrom: the exited
   * instance to restart from (restartPolicy is not Never).
   */
  private async killIfUnhealthy(c: ContainerSpec, cur: ContainerInfo, ctx: { pod: Pod; podIP: string; signal: AbortSignal; hold: StartHold | undefined }): Promise<{ restartFrom?: ContainerInfo } | undefined> {
    const { pod } = ctx;
    const uid = pod.metadata.uid ?? '';
    const req = cur.state === 'CONTAINER_RUNNING' ? this.d.probes?.killRequest?.(uid, c.name, cur.id) : undefined;
    if (!req) return undefined;
    ctx.hold?.drop(); // preStop and the grace period: no slot held
    const restart = isSidecar(c) || (pod.spec.restartPolicy ?? 'Always') !== 'Never';
    const grace = req.gracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
    await killContainer(this.d, pod, cur, { message: restart ? `${req.message}, will be restarted` : req.message, gracePeriodSeconds: grace, podIP: ctx.podIP, signal: ctx.signal });
    if (!restart) return {};
    const after = (await this.d.runtime.podState(uid, ctx.signal)).containers.find((x) => x.id === cur.id);
    return after?.state === 'CONTAINER_EXITED' ? { restartFrom: after } : {};
  }

  /** Starts the next attempt of c unless it is in back-off; true when a container started. */
  private async startOrBackoff(
    c: ContainerSpec,
    kind: 'init' | 'app',
    cur: ContainerInfo | undefined,
    ctx: { pod: Pod; sandbox: SandboxInfo; sbConfig: PodSandboxConfig; podIP: string; volumes: Map<string, MountedVolume>; etcHosts?: string; waiting: Map<string, Waiting>; later: (ms: number) => void; signal: AbortSignal; started: Started[]; lookAhead: Map<string, Promise<Image | null>>; hold: StartHold | undefined },
  ): Promise<boolean> {
    const { pod } = ctx;
    const uid = pod.metadata.uid ?? '';
    const fp = fieldPath(pod, c.name);
    if (cur) {
      const key = `${uid}/${c.name}`;
      const until = this.restartBackoff.failure(key, cur.id, cur.finishedAt || this.d.clock.now(), (cur.finishedAt || 0) - (cur.startedAt || 0));
      const wait = until - this.d.clock.now();
      if (wait > 0) {
        const secs = Math.round(this.restartBackoff.currentDelayMs(key) / 1000);
        const delay = secs >= 60 ? `${Math.floor(secs / 60)}m${secs % 60 ? `${secs % 60}s` : ''}` : `${secs}s`;
        ctx.waiting.set(c.name, { reason: 'CrashLoopBackOff', message: `back-off ${delay} restarting failed container=${c.name} pod=${podDesc(pod)}` });
        void this.d.recorder.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container', fp);
        ctx.later(wait);
        return false;
      }
    }
    const present = ctx.lookAhead.get(c.name);
    ctx.lookAhead.delete(c.name);
    const img = await traced(uid, 'image', () => this.d.images.ensure(pod, c, fp, ctx.signal, present, () => ctx.hold?.drop()));
    if (!img.ok) {
      ctx.waiting.set(c.name, { reason: img.reason, message: img.message });
      if (img.reason !== 'ErrImageNeverPull') ctx.later(Math.max(500, this.d.images.retryInMs(pod, c.image ?? '')));
      return false;
    }
    const attempt = cur ? cur.attempt + 1 : 0;
    let id: string;
    try {
      const env = await containerEnv(c, { pod, podIP: ctx.podIP, hostIP: this.d.nodeIP(), node: this.d.allocatable(), objects: this.d.objects });
      const cfg = containerConfig(pod, c, { kind, attempt, image: img.imageRef, env, volumes: ctx.volumes, etcHosts: ctx.etcHosts });
      for (const m of cfg.mounts ?? []) if (m.hostPath.startsWith(this.d.podDir(uid)) && !existsSync(m.hostPath)) mkdirSync(m.hostPath, { recursive: true }); // subPath dirs
      mkdirSync(join(this.d.podDir(uid), c.name), { recursive: true });
      trace(uid, 'config/end');
      await ctx.hold?.take(ctx.signal);
      id = await traced(uid, 'createContainer', () => this.d.cri.createContainer(ctx.sandbox.id, cfg, ctx.sbConfig));
    } catch (err) {
      if (err instanceof ContainerConfigError) {
        ctx.waiting.set(c.name, { reason: 'CreateContainerConfigError', message: err.message });
        void this.d.recorder.event(pod, 'Warning', 'Failed', `Error: ${err.message}`, fp);
        ctx.later(CONFIG_RETRY_MS);
        return false;
      }
      if (!(err instanceof CriError)) throw err;
      ctx.waiting.set(c.name, { reason: 'CreateContainerError', message: err.details });
      void this.d.recorder.event(pod, 'Warning', 'Failed', `Error: ${err.details}`, fp);
      ctx.later(CONFIG_RETRY_MS);
      return false;
    }
    void this.d.recorder.event(pod, 'Normal', 'Created', `Created container ${c.name}`, fp);
    try {
      await traced(uid, 'startContainer', () => this.d.cri.startContainer(id));
    } catch (err) {
      if (!(err instanceof CriError)) throw err;
      void this.d.recorder.event(pod, 'Warning', 'Failed', `Error: ${err.details}`, fp);
      ctx.later(1000);
      return false;
    }
    void this.d.runtime.trackStarted(id, podCgroupParent(this.d.cgroupRoot, uid));
    ctx.started.push({ id, sandboxId: ctx.sandbox.id, kind });
    void this.d.recorder.event(pod, 'Normal', 'Started', `Started container ${c.name}`, fp);
    const post = c.lifecycle?.postStart;
    if (hasHandler(post)) {
      ctx.hold?.drop(); // the hook may take long: the slot goes to the next pod
      const msg = await runHandler(this.d.cri, post, { pod, container: c, containerId: id, podIP: ctx.podIP }, ctx.signal);
      if (msg !== undefined) {
        // the details stay out of the event (they may carry secrets): log and waiting message
        this.d.log.info({ pod: pod.metadata.name, container: c.name, msg }, 'postStart hook failed');
        void this.d.recorder.event(pod, 'Warning', 'FailedPostStartHook', 'PostStartHook failed', fp);
        await killContainer(this.d, pod, { id, name: c.name }, { message: 'FailedPostStartHook', gracePeriodSeconds: pod.spec.terminationGracePeriodSeconds ?? 30, podIP: ctx.podIP, signal: ctx.signal });
        ctx.waiting.set(c.name, { reason: 'PostStartHookError', message: msg });
      }
    }
    return true;
  }

  /** Keep the latest two instances of each container (the current and --previous). */
  private async pruneOld(state: PodRuntimeState): Promise<void> {
    const byName = new Map<string, ContainerInfo[]>();
    for (const c of state.containers) {
      const k = `${c.kind}/${c.name}`;
      const l = byName.get(k) ?? [];
      l.push(c);
      byName.set(k, l);
    }
    for (const l of byName.values()) {
      l.sort((a, b) => b.attempt - a.attempt);
      for (const old of l.slice(2)) {
        if (old.state !== 'CONTAINER_EXITED') continue;
        await this.d.cri.removeContainer(old.id).catch(() => undefined);
        this.d.runtime.forget([old.id]);
      }
    }
  }
}
