// Pod status as a kubelet with instant, never-exiting containers would report it. Pure
// functions: the controller in pods.ts decides when to write them.
//
// Timeline of a simulated pod:
//   bound (spec.nodeName set) ─▶ Running + Ready (IP, init containers Completed, containers running)
//   deletionTimestamp set     ─▶ containers terminated (exit 0) ─▶ DELETE gracePeriodSeconds=0
import { createHash } from 'node:crypto';
import type { KubeObject } from '../api/types.js';

type Rec = Record<string, unknown>;

export interface ContainerSpec {
  name: string;
  image?: string;
  restartPolicy?: string;
}

export interface Condition {
  type: string;
  status: string;
  lastProbeTime: null;
  lastTransitionTime: string;
  reason?: string;
  message?: string;
}

export interface ContainerStatus {
  name: string;
  image: string;
  imageID: string;
  containerID: string;
  ready: boolean;
  started: boolean;
  restartCount: number;
  state: Rec;
  lastState: Rec;
}

const RUNNING_CONDITIONS = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'] as const;

function hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

export function containerID(podUID: string, name: string): string {
  return `kubelite-sim://${hex(`${podUID}/${name}`)}`;
}

function imageID(image: string): string {
  return `${image}@sha256:${hex(image)}`;
}

function containersOf(pod: KubeObject, field: 'containers' | 'initContainers'): ContainerSpec[] {
  const list: unknown = pod.spec?.[field];
  return Array.isArray(list) ? (list as ContainerSpec[]) : [];
}

function conditionsOf(pod: KubeObject): Condition[] {
  const c: unknown = pod.status?.conditions;
  return Array.isArray(c) ? (c as Condition[]) : [];
}

function statusesOf(pod: KubeObject, field: 'containerStatuses' | 'initContainerStatuses'): ContainerStatus[] {
  const s: unknown = pod.status?.[field];
  return Array.isArray(s) ? (s as ContainerStatus[]) : [];
}

function startedAt(prev: ContainerStatus | undefined, fallback: string): string {
  const st = prev?.state as { running?: { startedAt?: string }; terminated?: { startedAt?: string } } | undefined;
  return st?.running?.startedAt ?? st?.terminated?.startedAt ?? fallback;
}

/** A condition with the given status, keeping lastTransitionTime when the status did not change. */
function condition(prev: Condition[], type: string, status: 'True' | 'False', now: string, reason?: string): Condition {
  const old = prev.find((c) => c.type === type);
  const since = old && old.status === status && old.lastTransitionTime ? old.lastTransitionTime : now;
  return { type, status, lastProbeTime: null, lastTransitionTime: since, ...(reason ? { reason } : {}) };
}

/** The status of a pod whose containers all run and are ready on a simulated node. */
export function runningStatus(pod: KubeObject, hostIP: string, podIP: string, now: string): Rec {
  const uid = pod.metadata.uid ?? '';
  const prevConds = conditionsOf(pod);
  const prevInit = statusesOf(pod, 'initContainerStatuses');
  const prevMain = statusesOf(pod, 'containerStatuses');
  const startTime: string = typeof pod.status?.startTime === 'string' ? pod.status.startTime : now;
  const base = (c: ContainerSpec) => ({ name: c.name, image: c.image ?? '', imageID: imageID(c.image ?? ''), containerID: containerID(uid, c.name), restartCount: 0, lastState: {} });
  const initContainerStatuses: ContainerStatus[] = containersOf(pod, 'initContainers').map((c) => {
    const prev = prevInit.find((s) => s.name === c.name);
    const from = startedAt(prev, startTime);
    if (c.restartPolicy === 'Always') {
      // a native sidecar: it keeps running next to the app containers
      return { ...base(c), ready: true, started: true, state: { running: { startedAt: from } } };
    }
    const term = { exitCode: 0, reason: 'Completed', startedAt: from, finishedAt: from, containerID: containerID(uid, c.name) };
    return { ...base(c), ready: true, started: false, state: { terminated: term } };
  });
  const containerStatuses: ContainerStatus[] = containersOf(pod, 'containers').map((c) => {
    const prev = prevMain.find((s) => s.name === c.name);
    return { ...base(c), ready: true, started: true, state: { running: { startedAt: startedAt(prev, startTime) } } };
  });
  const status: Rec = {
    ...(pod.status ?? {}),
    phase: 'Running',
    conditions: RUNNING_CONDITIONS.map((t) => condition(prevConds, t, 'True', now)),
    hostIP,
    hostIPs: [{ ip: hostIP }],
    podIP,
    podIPs: [{ ip: podIP }],
    startTime,
    containerStatuses,
  };
  if (initContainerStatuses.length > 0) status.initContainerStatuses = initContainerStatuses;
  else delete status.initContainerStatuses;
  return status;
}

/** True when the pod already reports what runningStatus would write (no write needed). */
export function isRunningAsSimulated(pod: KubeObject, hostIP: string, podIP: string): boolean {
  const s = pod.status as Rec | undefined;
  if (!s || s.phase !== 'Running' || s.podIP !== podIP || s.hostIP !== hostIP || typeof s.startTime !== 'string') return false;
  const conds = conditionsOf(pod);
  if (!RUNNING_CONDITIONS.every((t) => conds.some((c) => c.type === t && c.status === 'True'))) return false;
  const main = statusesOf(pod, 'containerStatuses');
  const specs = containersOf(pod, 'containers');
  if (main.length !== specs.length) return false;
  for (const c of specs) {
    const st = main.find((x) => x.name === c.name);
    if (!st || !st.ready || !st.started || !(st.state as { running?: unknown }).running) return false;
  }
  const init = statusesOf(pod, 'initContainerStatuses');
  const initSpecs = containersOf(pod, 'initContainers');
  if (init.length !== initSpecs.length) return false;
  for (const c of initSpecs) {
    const st = init.find((x) => x.name === c.name);
    const state = st?.state as { running?: unknown; terminated?: { exitCode?: number } } | undefined;
    if (!st || !state) return false;
    if (c.restartPolicy === 'Always' ? !state.running : state.terminated?.exitCode !== 0) return false;
  }
  return true;
}

/** True when every container of the pod reports terminated (or none ever started). */
export function allContainersTerminated(pod: KubeObject): boolean {
  const all = [...statusesOf(pod, 'initContainerStatuses'), ...statusesOf(pod, 'containerStatuses')];
  return all.every((s) => (s.state as { terminated?: unknown } | undefined)?.terminated !== undefined);
}

/** The status of a deleted pod once its containers stopped (gracefully: exit 0). */
export function terminatedStatus(pod: KubeObject, now: string): Rec {
  const uid = pod.metadata.uid ?? '';
  const prevConds = conditionsOf(pod);
  const stop = (s: ContainerStatus): ContainerStatus => {
    const st = s.state as { terminated?: unknown; running?: { startedAt?: string } };
    if (st.terminated) return { ...s, ready: false, started: false };
    const term = { exitCode: 0, reason: 'Completed', startedAt: st.running?.startedAt ?? now, finishedAt: now, containerID: s.containerID || containerID(uid, s.name) };
    return { ...s, ready: false, started: false, state: { terminated: term } };
  };
  const conditions = prevConds.map((c) =>
    c.type === 'Ready' || c.type === 'ContainersReady' || c.type === 'PodReadyToStartContainers'
      ? condition(prevConds, c.type, 'False', now, c.type === 'PodReadyToStartContainers' ? undefined : 'PodCompleted')
      : c,
  );
  const status: Rec = {
    ...(pod.status ?? {}),
    phase: 'Succeeded',
    conditions,
    containerStatuses: statusesOf(pod, 'containerStatuses').map(stop),
  };
  if (pod.status?.initContainerStatuses) status.initContainerStatuses = statusesOf(pod, 'initContainerStatuses').map(stop);
  return status;
}
