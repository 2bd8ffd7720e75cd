// Killing and cleaning up a pod. killContainer: the Killing event, the preStop hook (exec,
// httpGet or sleep, cut off when the grace period ends), then StopContainer with what is left of
// the grace period (at least 2 s: SIGTERM, SIGKILL when it runs out). killPod: every container,
// app containers before sidecars, then StopPodSandbox (network torn down). cleanupPod:
// RemovePodSandbox (removes the containers), the pod's cgroups, mounts and its directory (logs
// included: containerd leaves them).
import type { EventRecorder } from '../client/events.js';
import type { CriClient } from '../cri/client.js';
import { CriNotFoundError } from '../cri/errors.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { podCgroupParent, removePodCgroups } from './cgroups.js';
import { hasHandler, runHandler } from './prober/hooks.js';
import type { PodRuntimeState, RuntimeView } from './runtime.js';
import { fieldPath } from './sync.js';
import type { Pod } from './types.js';
import { tearDownPodDir } from './volumes/index.js';

export interface TerminateDeps {
  cri: CriClient;
  runtime: RuntimeView;
  recorder: EventRecorder;
  clock: Clock;
  log: Logger;
  podDir: (uid: string) => string;
  cgroupRoot: string;
  /** the pod IP of hostNetwork pods, for httpGet hooks */
  nodeIP?: () => string;
}

/** Containers always get this long after SIGTERM, hook or not (as the kubelet). */
const MIN_GRACE_S = 2;

async function ignoreNotFound(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!(err instanceof CriNotFoundError)) throw err;
  }
}

export interface KillOptions {
  gracePeriodSeconds: number;
  /** the Killing event's message (default "Stopping container NAME") */
  message?: string;
  podIP: string;
  signal?: AbortSignal;
}

/** Runs the preStop hook for at most the grace period; returns when it ended or the time ran out. */
async function preStop(d: TerminateDeps, pod: Pod, name: string, id: string, o: KillOptions): Promise<void> {
  const spec = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].find((c) => c.name === name);
  const hook = spec?.lifecycle?.preStop;
  if (!spec || !hasHandler(hook) || o.gracePeriodSeconds <= 0) return;
  const cut = new AbortController();
  const timer = setTimeout(() => cut.abort(), o.gracePeriodSeconds * 1000);
  const onAbort = () => cut.abort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const msg = await runHandler(d.cri, hook, { pod, container: spec, containerId: id, podIP: o.podIP }, cut.signal);
    // a hook cut off by the grace period is no failure of its own: SIGTERM follows
    if (msg !== undefined && !cut.signal.aborted) {
      d.log.info({ pod: pod.metadata.name, container: name, msg }, 'preStop hook failed');
      void d.recorder.event(pod, 'Warning', 'FailedPreStopHook', 'PreStopHook failed', fieldPath(pod, name));
    }
  } finally {
    clearTimeout(timer);
    o.signal?.removeEventListener('abort', onAbort);
  }
}

/** Stops one container: Killing event, preStop, StopContainer with the rest of the grace period. */
export async function killContainer(d: TerminateDeps, pod: Pod | undefined, c: { id: string; name: string }, o: KillOptions): Promise<void> {
  const start = d.clock.now();
  if (pod) {
    void d.recorder.event(pod, 'Normal', 'Killing', o.message ?? `Stopping container ${c.name}`, fieldPath(pod, c.name));
    await preStop(d, pod, c.name, c.id, o);
  }
  const used = Math.floor((d.clock.now() - start) / 1000);
  const left = o.gracePeriodSeconds <= 0 ? 0 : Math.max(MIN_GRACE_S, o.gracePeriodSeconds - used);
  await ignoreNotFound(d.cri.stopContainer(c.id, left, { signal: o.signal }));
}

/** Stops every running container of the pod and its sandboxes. pod may be the last known spec. */
export async function killPod(d: TerminateDeps, uid: string, pod: Pod | undefined, graceSeconds: number, signal?: AbortSignal): Promise<PodRuntimeState> {
  const state = await d.runtime.podState(uid, signal);
  const running = state.containers.filter((c) => c.state === 'CONTAINER_RUNNING' || c.state === 'CONTAINER_CREATED');
  const sandbox = state.sandboxes.find((s) => s.state === 'SANDBOX_READY');
  const podIP = pod?.spec.hostNetwork ? (d.nodeIP?.() ?? '') : (sandbox?.ip ?? '');
  const stopOne = (id: string, name: string) => killContainer(d, pod, { id, name }, { gracePeriodSeconds: graceSeconds, podIP, signal });
  // app containers first, then init containers (sidecars)
  await Promise.all(running.filter((c) => c.kind === 'app').map((c) => stopOne(c.id, c.name)));
  await Promise.all(running.filter((c) => c.kind === 'init').map((c) => stopOne(c.id, c.name)));
  for (const s of state.sandboxes) if (s.state === 'SANDBOX_READY') await ignoreNotFound(d.cri.stopPodSandbox(s.id, { signal }));
  return d.runtime.podState(uid, signal);
}

/** Removes everything the runtime and the kubelet hold for the pod. */
export async function cleanupPod(d: TerminateDeps, uid: string, signal?: AbortSignal): Promise<void> {
  const state = await d.runtime.podState(uid, signal);
  for (const s of state.sandboxes) {
    // a NOTREADY sandbox was stopped already (killPod, or its pause died): stopping it again
    // would run the CNI DEL chain once more (four plugin execs); RemovePodSandbox stops what still runs
    if (s.state !== 'SANDBOX_NOTREADY') await ignoreNotFound(d.cri.stopPodSandbox(s.id, { signal }));
    await ignoreNotFound(d.cri.removePodSandbox(s.id, { signal }));
  }
  for (const c of state.containers) await ignoreNotFound(d.cri.removeContainer(c.id, { signal }));
  d.runtime.forget(state.containers.map((c) => c.id), state.sandboxes.map((s) => s.id));
  const errs = removePodCgroups(podCgroupParent(d.cgroupRoot, uid));
  if (errs.length) d.log.warn({ uid, errs }, 'pod cgroups not removed');
  await tearDownPodDir(d.podDir(uid), d.log);
}
