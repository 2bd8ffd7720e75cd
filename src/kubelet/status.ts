// Pod status from the runtime's view: phase (as the kubelet's getPhase), conditions, container
// statuses with state/lastState/restartCount, IPs, QoS class. Pure: the worker decides when to write.
import type { ContainerInfo, PodRuntimeState } from './runtime.js';
import type { ProbeResults } from './probes.js';
import { isSidecar, type ContainerSpec, type Pod } from './types.js';

type Rec = Record<string, unknown>;

export interface Waiting {
  reason: string;
  message?: string;
}

export interface StatusInput {
  pod: Pod;
  state: PodRuntimeState;
  /** why containers wait, by name (image pull, config, back-off) */
  waiting: ReadonlyMap<string, Waiting>;
  hostIP: string;
  probes: ProbeResults;
  now: string;
  /** a phase the worker decided (DeadlineExceeded, a pod found terminal) */
  terminal?: { phase: 'Succeeded' | 'Failed'; reason?: string; message?: string };
}

export interface Condition {
  type: string;
  status: 'True' | 'False';
  lastProbeTime: null;
  lastTransitionTime: string;
  reason?: string;
  message?: string;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function terminated(c: ContainerInfo): Rec {
  const reason = c.reason || (c.exitCode === 0 ? 'Completed' : 'Error');
  return {
    terminated: {
      exitCode: c.exitCode,
      reason,
      ...(c.message ? { message: c.message } : {}),
      startedAt: c.startedAt ? iso(c.startedAt) : null,
      finishedAt: c.finishedAt ? iso(c.finishedAt) : null,
      containerID: `containerd://${c.id}`,
    },
  };
}

export function qosClass(pod: Pod): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const cs = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of cs) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const r of ['cpu', 'memory']) {
      if (lim[r] === undefined) guaranteed = false;
      else if (req[r] !== undefined && String(req[r]) !== String(lim[r])) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

function instances(state: PodRuntimeState, name: string, kind: 'init' | 'app'): ContainerInfo[] {
  return state.containers.filter((c) => c.name === name && c.kind === kind).sort((a, b) => b.attempt - a.attempt);
}

function containerStatus(pod: Pod, c: ContainerSpec, kind: 'init' | 'app', i: StatusInput, defaultWaiting: string): Rec {
  const [latest, previous] = instances(i.state, c.name, kind);
  const uid = pod.metadata.uid ?? '';
  const w = i.waiting.get(c.name);
  const base: Rec = { name: c.name, image: c.image ?? '', imageID: latest?.imageRef ?? '', restartCount: latest?.attempt ?? 0 };
  if (latest) base.containerID = `containerd://${latest.id}`;
  let state: Rec;
  let lastState: Rec = previous ? terminated(previous) : {};
  let ready = false;
  let started = false;
  if (!latest) state = { waiting: { reason: w?.reason ?? defaultWaiting, ...(w?.message ? { message: w.message } : {}) } };
  else if (latest.state === 'CONTAINER_RUNNING') {
    started = i.probes.started(uid, c.name, latest.id) ?? false;
    ready = started && (i.probes.ready(uid, c.name, latest.id) ?? false);
    state = { running: { startedAt: iso(latest.startedAt || latest.createdAt) } };
  } else if (latest.state === 'CONTAINER_EXITED' && w && !i.terminal) {
    state = { waiting: { reason: w.reason, ...(w.message ? { message: w.message } : {}) } };
    lastState = terminated(latest);
  } else if (latest.state === 'CONTAINER_EXITED') state = terminated(latest);
  else state = { waiting: { reason: w?.reason ?? 'ContainerCreating' } };
  if (kind === 'init' && !isSidecar(c) && latest?.state === 'CONTAINER_EXITED' && latest.exitCode === 0) ready = true;
  return { ...base, state, lastState, ready, started };
}

function condition(prev: Condition[], type: string, ok: boolean, now: string, reason?: string, message?: string): Condition {
  const status = ok ? 'True' : 'False';
  const old = prev.find((c) => c.type === type);
  const since = old && old.status === status && old.lastTransitionTime ? old.lastTransitionTime : now;
  return { type, status, lastProbeTime: null, lastTransitionTime: since, ...(reason ? { reason } : {}), ...(message ? { message } : {}) };
}

type Phase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

export function computePhase(pod: Pod, init: Rec[], app: Rec[]): Phase {
  const restart = pod.spec.restartPolicy ?? 'Always';
  const specs = pod.spec.initContainers ?? [];
  let pendingInit = 0;
  let failedInit = 0;
  init.forEach((s, idx) => {
    const st = s.state as { terminated?: { exitCode: number }; running?: unknown };
    const sidecar = isSidecar(specs[idx]!);
    const last = (s.lastState as { terminated?: { exitCode: number } }).terminated;
    if (sidecar) {
      if (!st.running && !st.terminated && !last) pendingInit++;
      return;
    }
    if (st.terminated?.exitCode === 0) return;
    if (st.terminated) failedInit++;
    pendingInit++;
  });
  if (failedInit > 0 && restart === 'Never') return 'Failed';
  if (pendingInit > 0) return 'Pending';
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const s of app) {
    const st = s.state as { terminated?: { exitCode: number }; running?: unknown; waiting?: unknown };
    if (st.running) running++;
    else if (st.terminated) {
      stopped++;
      if (st.terminated.exitCode === 0) succeeded++;
    } else if ((s.lastState as { terminated?: unknown }).terminated) stopped++;
    else waiting++;
  }
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (restart === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (restart === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

/** The status the kubelet would write now. */
export function computePodStatus(i: StatusInput): Rec {
  const pod = i.pod;
  const prev: Condition[] = Array.isArray(pod.status?.conditions) ? (pod.status.conditions as Condition[]) : [];
  const inits = pod.spec.initContainers ?? [];
  const initStatuses = inits.map((c) => containerStatus(pod, c, 'init', i, 'PodInitializing'));
  const initialized = inits.every((c, idx) => {
    const st = initStatuses[idx]!.state as { terminated?: { exitCode: number }; running?: unknown };
    return isSidecar(c) ? !!initStatuses[idx]!.started : st.terminated?.exitCode === 0; // a sidecar counts once started (startup probe)
  });
  const appStatuses = pod.spec.containers.map((c) => containerStatus(pod, c, 'app', i, initialized ? 'ContainerCreating' : 'PodInitializing'));
  const phase: Phase = i.terminal?.phase ?? computePhase(pod, initStatuses, appStatuses);
  const sandbox = i.state.sandboxes.find((s) => s.state === 'SANDBOX_READY');
  const podIP = pod.spec.hostNetwork ? (sandbox ? i.hostIP : '') : (sandbox?.ip ?? '');
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  const unready = appStatuses.filter((s) => !s.ready).map((s) => s.name as string);
  const sidecarsUnready = inits.filter((c, idx) => isSidecar(c) && !initStatuses[idx]!.ready && !terminal).map((c) => c.name);
  const notReady = [...sidecarsUnready, ...unready];
  const containersReady = !terminal && notReady.length === 0;
  const notReadyReason = terminal ? 'PodCompleted' : 'ContainersNotReady';
  const notReadyMsg = terminal ? undefined : `containers with unready status: [${notReady.join(' ')}]`;
  const incompleteInit = inits.filter((_c, idx) => !(initStatuses[idx]!.ready || initStatuses[idx]!.started)).map((c) => c.name);
  const scheduled = prev.find((c) => c.type === 'PodScheduled');
  const conditions: Condition[] = [
    condition(prev, 'PodReadyToStartContainers', !!sandbox, i.now),
    initialized || terminal
      ? condition(prev, 'Initialized', true, i.now, terminal && !initialized ? 'PodCompleted' : undefined)
      : condition(prev, 'Initialized', false, i.now, 'ContainersNotInitialized', `containers with incomplete status: [${incompleteInit.join(' ')}]`),
    containersReady ? condition(prev, 'Ready', true, i.now) : condition(prev, 'Ready', false, i.now, notReadyReason, notReadyMsg),
    containersReady ? condition(prev, 'ContainersReady', true, i.now) : condition(prev, 'ContainersReady', false, i.now, notReadyReason, notReadyMsg),
    scheduled ?? condition(prev, 'PodScheduled', true, i.now),
  ];
  // conditions others own (DisruptionTarget, readiness gates) stay as they are
  for (const c of prev) if (!conditions.some((x) => x.type === c.type)) conditions.push(c);
  const status: Rec = {
    phase,
    conditions,
    hostIP: i.hostIP,
    hostIPs: [{ ip: i.hostIP }],
    podIP: podIP || null,
    podIPs: podIP ? [{ ip: podIP }] : null,
    startTime: typeof pod.status?.startTime === 'string' ? pod.status.startTime : i.now,
    containerStatuses: appStatuses,
    initContainerStatuses: inits.length ? initStatuses : null,
    qosClass: typeof pod.status?.qosClass === 'string' ? pod.status.qosClass : qosClass(pod),
    reason: i.terminal?.reason ?? null,
    message: i.terminal?.message ?? null,
  };
  // keep what the scheduler or others wrote (nominatedNodeName, ...)
  if (!podIP && typeof pod.status?.podIP === 'string' && !sandbox && terminal) {
    status.podIP = pod.status.podIP;
    status.podIPs = pod.status.podIPs ?? null;
  }
  return status;
}

/** JSON with sorted keys, nulls and empty objects dropped: how the API may echo what we wrote. */
export function canonical(v: unknown): string {
  const norm = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(norm);
    if (x && typeof x === 'object') {
      const out: Rec = {};
      for (const k of Object.keys(x).sort()) {
        const n = norm((x as Rec)[k]);
        if (n === null || n === undefined || (typeof n === 'object' && !Array.isArray(n) && Object.keys(n as Rec).length === 0)) continue;
        out[k] = n;
      }
      return out;
    }
    return x;
  };
  return JSON.stringify(norm(v) ?? null);
}

/** True when writing `next` would change the pod's status (null means "absent"). */
export function statusDiffers(current: Rec | undefined, next: Rec): boolean {
  const cur = current ?? {};
  for (const [k, v] of Object.entries(next)) if (canonical(cur[k]) !== canonical(v)) return true;
  return false;
}
