// Simulated container exits, in the spirit of kwok's stages. Simulated containers never exit on
// their own; a pod annotated
//     sim.kubelite.io/exit-after: "1s"      (a Go duration: 500ms, 2s, 1m30s, ...)
//     sim.kubelite.io/exit-code: "1"        (optional, default "0")
// has all its app containers exit with that code that long after they started. Then, as the
// kubelet would: restartPolicy Never (or OnFailure with code 0) ends the pod in phase Succeeded
// (every code 0, reason Completed) or Failed (reason Error); otherwise the containers restart
// (restartCount + 1, the exit kept in lastState) and exit again after the same delay.
import type { KubeObject } from '../api/types.js';
import { containerID, type ContainerStatus } from './podstatus.js';
import { parseGoDuration } from '../util/duration.js';

export const EXIT_AFTER_ANNOTATION = 'sim.kubelite.io/exit-after';
export const EXIT_CODE_ANNOTATION = 'sim.kubelite.io/exit-code';

type Rec = Record<string, unknown>;

/** A Go duration in ms, or undefined when it does not parse. */
export const parseDuration = parseGoDuration;

export interface ExitHook {
  afterMs: number;
  code: number;
}

/** The pod's exit annotations, when present and valid. */
export function exitHook(pod: KubeObject): ExitHook | undefined {
  const a = pod.metadata.annotations ?? {};
  const after = a[EXIT_AFTER_ANNOTATION];
  if (after === undefined) return undefined;
  const afterMs = parseDuration(after.trim());
  const codeText = (a[EXIT_CODE_ANNOTATION] ?? '0').trim();
  if (afterMs === undefined || !/^\d+$/.test(codeText)) return undefined;
  return { afterMs, code: Number(codeText) };
}

function statuses(pod: KubeObject): ContainerStatus[] {
  const s: unknown = pod.status?.containerStatuses;
  return Array.isArray(s) ? (s as ContainerStatus[]) : [];
}

/** When the running containers exit: the latest start plus the delay (ms), or undefined. */
export function exitDueAt(pod: KubeObject, hook: ExitHook): number | undefined {
  let latest: number | undefined;
  for (const s of statuses(pod)) {
    const started = (s.state as { running?: { startedAt?: string } }).running?.startedAt;
    const t = started ? Date.parse(started) : NaN;
    if (Number.isNaN(t)) return undefined;
    latest = latest === undefined ? t : Math.max(latest, t);
  }
  return latest === undefined ? undefined : latest + hook.afterMs;
}

/** The status after the app containers exited with hook.code at now (RFC 3339). */
export function exitedStatus(pod: KubeObject, hook: ExitHook, now: string): Rec {
  const uid = pod.metadata.uid ?? '';
  const policy = (pod.spec?.restartPolicy as string | undefined) ?? 'Always';
  const restart = policy === 'Always' || (policy === 'OnFailure' && hook.code !== 0);
  const terminated = (s: ContainerStatus) => {
    const startedAt = (s.state as { running?: { startedAt?: string } }).running?.startedAt ?? now;
    return { exitCode: hook.code, reason: hook.code === 0 ? 'Completed' : 'Error', startedAt, finishedAt: now, containerID: s.containerID || containerID(uid, s.name) };
  };
  if (restart) {
    const containerStatuses = statuses(pod).map((s) => ({ ...s, restartCount: s.restartCount + 1, lastState: { terminated: terminated(s) }, state: { running: { startedAt: now } } }));
    return { ...(pod.status ?? {}), containerStatuses };
  }
  const phase = hook.code === 0 ? 'Succeeded' : 'Failed';
  const reason = hook.code === 0 ? 'PodCompleted' : 'PodFailed';
  const conds = (Array.isArray(pod.status?.conditions) ? pod.status.conditions : []) as { type: string; status: string; lastTransitionTime?: string; reason?: string }[];
  const conditions = conds.map((c) => {
    if (c.type === 'Ready' || c.type === 'ContainersReady') return { ...c, status: 'False', lastTransitionTime: now, reason };
    if (c.type === 'PodReadyToStartContainers') return { ...c, status: 'False', lastTransitionTime: now };
    return c;
  });
  const containerStatuses = statuses(pod).map((s) => ({ ...s, ready: false, started: false, state: { terminated: terminated(s) } }));
  return { ...(pod.status ?? {}), phase, conditions, containerStatuses };
}
