// The prober: probe workers for every container of the pods this kubelet syncs (app containers
// and sidecars), their results by container id, and the verdicts the pod workers ask for
// (ready, started, kill). The pod worker feeds it each pod's runtime state after every sync; a
// result that changes kicks the pod worker, which writes the status or kills the container.
import type { EventRecorder } from '../../client/events.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { KillRequest, ProbeResults } from '../probes.js';
import { latestByName, type ContainerInfo, type PodRuntimeState } from '../runtime.js';
import { fieldPath } from '../sync.js';
import { isSidecar, type ContainerSpec, type Pod } from '../types.js';
import type { ProbeRunner } from './runner.js';
import { probeOf, timing, type ProbeKind } from './types.js';
import { ProbeWorker, type ContainerView, type Result, type WorkerEnv } from './worker.js';

export interface ProberDeps {
  run: ProbeRunner;
  recorder: Pick<EventRecorder, 'event'>;
  clock: Clock;
  log: Logger;
  nodeIP: () => string;
  /** a verdict about the pod changed: sync it */
  onChange: (podUID: string) => void;
}

interface PodEntry {
  pod: Pod;
  podIP: string;
  containers: Map<string, ContainerView>;
  /** by kind/container name; a worker that finished stays, so that it is not started again */
  workers: Map<string, ProbeWorker>;
}

const KINDS: readonly ProbeKind[] = ['startup', 'liveness', 'readiness'];

function viewOf(c: ContainerInfo): ContainerView {
  return { id: c.id, running: c.state === 'CONTAINER_RUNNING', exited: c.state === 'CONTAINER_EXITED', startedAt: c.startedAt || c.createdAt };
}

function specOf(pod: Pod, name: string): ContainerSpec | undefined {
  return pod.spec.containers.find((c) => c.name === name) ?? (pod.spec.initContainers ?? []).find((c) => c.name === name);
}

export class Prober implements ProbeResults {
  private readonly pods = new Map<string, PodEntry>();
  private readonly results = new Map<string, Result>();
  private readonly bornAt: number;

  constructor(private readonly d: ProberDeps, private readonly signal: AbortSignal) {
    this.bornAt = d.clock.now();
    signal.addEventListener('abort', () => {
      for (const uid of [...this.pods.keys()]) this.removePod(uid);
    }, { once: true });
  }

  /** Workers running now (finished ones excluded). */
  get activeWorkers(): number {
    let n = 0;
    for (const e of this.pods.values()) for (const w of e.workers.values()) if (!w.isStopped) n++;
    return n;
  }

  syncPod(pod: Pod, state: PodRuntimeState): void {
    if (this.signal.aborted) return;
    const uid = pod.metadata.uid ?? '';
    let e = this.pods.get(uid);
    if (!e) {
      e = { pod, podIP: '', containers: new Map(), workers: new Map() };
      this.pods.set(uid, e);
    }
    e.pod = pod;
    const sandbox = state.sandboxes.find((s) => s.state === 'SANDBOX_READY');
    e.podIP = pod.spec.hostNetwork ? this.d.nodeIP() : (sandbox?.ip ?? '');
    e.containers = new Map([...latestByName(state.containers)].map(([name, c]) => [name, viewOf(c)]));
    for (const c of [...(pod.spec.initContainers ?? []).filter(isSidecar), ...pod.spec.containers]) {
      for (const kind of KINDS) {
        const spec = probeOf(c, kind);
        const key = `${kind}/${c.name}`;
        if (!spec || e.workers.has(key)) continue;
        const w = new ProbeWorker(kind, c, spec, this.env(uid, kind, c.name));
        e.workers.set(key, w);
        // right after a kubelet start, spread the first probes of adopted containers over a period
        const periodMs = timing(spec).periodS * 1000;
        const adopted = (e.containers.get(c.name)?.startedAt ?? Infinity) < this.bornAt;
        const first = adopted && this.d.clock.now() - this.bornAt < periodMs ? Math.random() * periodMs : 0;
        w.run(first).catch((err: Error) => this.d.log.warn({ pod: pod.metadata.name, container: c.name, kind, err: err.message }, 'probe worker failed'));
      }
    }
    // a started container not ready yet is probed for readiness now, not a period later
    for (const w of e.workers.values()) {
      if (w.kind !== 'readiness' || w.isStopped) continue;
      const cv = e.containers.get(w.container.name);
      if (cv?.running && this.started(uid, w.container.name, cv.id) && !this.ready(uid, w.container.name, cv.id)) w.trigger();
    }
  }

  removePod(podUID: string): void {
    const e = this.pods.get(podUID);
    if (e) for (const w of e.workers.values()) w.stop();
    this.pods.delete(podUID);
    const prefix = `${podUID}/`;
    for (const k of [...this.results.keys()]) if (k.startsWith(prefix)) this.results.delete(k);
  }

  ready(podUID: string, containerName: string, containerId: string): boolean | undefined {
    return this.verdict(podUID, containerName, containerId, 'readiness');
  }

  started(podUID: string, containerName: string, containerId: string): boolean | undefined {
    return this.verdict(podUID, containerName, containerId, 'startup');
  }

  killRequest(podUID: string, containerName: string, containerId: string): KillRequest | undefined {
    const spec = this.pods.get(podUID) && specOf(this.pods.get(podUID)!.pod, containerName);
    if (!spec) return undefined;
    for (const kind of ['liveness', 'startup'] as const) {
      if (this.results.get(this.key(podUID, kind, containerId)) !== 'failure') continue;
      const grace = probeOf(spec, kind)?.terminationGracePeriodSeconds;
      return {
        reason: kind === 'liveness' ? 'LivenessProbe' : 'StartupProbe',
        message: `Container ${containerName} failed ${kind} probe`,
        ...(typeof grace === 'number' ? { gracePeriodSeconds: grace } : {}),
      };
    }
    return undefined;
  }

  /** no probe of that kind: true; else whether its recorded result for this container is success */
  private verdict(podUID: string, name: string, id: string, kind: ProbeKind): boolean | undefined {
    const e = this.pods.get(podUID);
    const spec = e && specOf(e.pod, name);
    if (!spec) return undefined;
    if (!probeOf(spec, kind)) return true;
    return this.results.get(this.key(podUID, kind, id)) === 'success';
  }

  private key(uid: string, kind: ProbeKind, containerId: string): string {
    return `${uid}/${kind}/${containerId}`;
  }

  private env(uid: string, kind: ProbeKind, name: string): WorkerEnv {
    return {
      clock: this.d.clock,
      run: this.d.run,
      view: () => {
        const e = this.pods.get(uid);
        if (!e) return undefined;
        const c = e.containers.get(name);
        return { pod: e.pod, podIP: e.podIP, container: c, started: !!c && this.started(uid, name, c.id) === true };
      },
      set: (id, r) => {
        if (!this.pods.has(uid)) return;
        const k = this.key(uid, kind, id);
        if (this.results.get(k) === r) return;
        this.results.set(k, r);
        this.d.onChange(uid);
      },
      remove: (id) => void this.results.delete(this.key(uid, kind, id)),
      event: (type, reason, message) => {
        const e = this.pods.get(uid);
        if (e) void this.d.recorder.event(e.pod, type, reason, message, fieldPath(e.pod, name));
      },
    };
  }
}
