// Killing and cleaning up a pod. killPod: preStop hooks (exec), then StopContainer with what is
// left of the grace period (SIGTERM, SIGKILL when it runs out), app containers before sidecars,
// then StopPodSandbox (network torn down). cleanupPod: RemovePodSandbox (removes the containers),
// the pod's cgroups, mounts and its directory (logs included: containerd leaves them).
import type { EventRecorder } from '../client/events.js';
import type { CriClient } from '../cri/client.js';
import { CriNotFoundError } from '../cri/errors.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { podCgroupParent, removePodCgroups } from './cgroups.js';
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
}

const MIN_GRACE_AFTER_HOOK_S = 2;

async function ignoreNotFound(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!(err instanceof CriNotFoundError)) throw err;
  }
}

/** Stops every running container of the pod and its sandboxes. pod may be the last known spec. */
export async function killPod(d: TerminateDeps, uid: string, pod: Pod | undefined, graceSeconds: number, signal?: AbortSignal): Promise<PodRuntimeState> {
  const state = await d.runtime.podState(uid, signal);
  const running = state.containers.filter((c) => c.state === 'CONTAINER_RUNNING' || c.state === 'CONTAINER_CREATED');
  const start = d.clock.now();
  const stopOne = async (id: string, name: string) => {
    const spec = pod && [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].find((c) => c.name === name);
    const hook = spec?.lifecycle?.preStop;
    if (pod) void d.recorder.event(pod, 'Normal', 'Killing', `Stopping container ${name}`, fieldPath(pod, name));
    if (hook?.exec?.command?.length && graceSeconds > 0) {
      const res = await d.cri.execSync(id, hook.exec.command, graceSeconds, { signal }).catch((err: Error) => ({ exitCode: -1, stderr: Buffer.from(err.message) }));
      if (res.exitCode !== 0 && pod) void d.recorder.event(pod, 'Warning', 'FailedPreStopHook', `PreStopHook failed: exit ${res.exitCode}: ${res.stderr.toString().slice(0, 200)}`, fieldPath(pod, name));
    } else if (hook?.sleep?.seconds && graceSeconds > 0) {
      await new Promise((r) => setTimeout(r, Math.min(hook.sleep!.seconds, graceSeconds) * 1000));
    }
    const used = Math.floor((d.clock.now() - start) / 1000);
    const left = graceSeconds <= 0 ? 0 : hook ? Math.max(MIN_GRACE_AFTER_HOOK_S, graceSeconds - used) : graceSeconds;
    await ignoreNotFound(d.cri.stopContainer(id, left, { signal }));
  };
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
    await ignoreNotFound(d.cri.stopPodSandbox(s.id, { signal }));
    await ignoreNotFound(d.cri.removePodSandbox(s.id, { signal }));
  }
  for (const c of state.containers) await ignoreNotFound(d.cri.removeContainer(c.id, { signal }));
  d.runtime.forget(state.containers.map((c) => c.id), state.sandboxes.map((s) => s.id));
  const errs = removePodCgroups(podCgroupParent(d.cgroupRoot, uid));
  if (errs.length) d.log.warn({ uid, errs }, 'pod cgroups not removed');
  await tearDownPodDir(d.podDir(uid), d.log);
}
