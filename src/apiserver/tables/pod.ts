// Pod table: columns and the Ready/Status/Restarts cell logic of kubectl's printPod.
import type { KubeObject } from '../../api/types.js';
import { parseTimestamp, translateTimestampSince } from './duration.js';
import { AGE_COLUMN, column, NAME_COLUMN, wide, type TablePrinter } from './types.js';

interface ContainerState {
  waiting?: { reason?: string };
  running?: { startedAt?: string };
  terminated?: { reason?: string; exitCode?: number; signal?: number; finishedAt?: string };
}

interface ContainerStatus {
  name?: string;
  ready?: boolean;
  started?: boolean;
  restartCount?: number;
  state?: ContainerState;
  lastState?: ContainerState;
}

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
}

interface PodSpec {
  containers?: { name?: string }[];
  initContainers?: { name?: string; restartPolicy?: string }[];
  nodeName?: string;
  readinessGates?: { conditionType?: string }[];
}

interface PodStatus {
  phase?: string;
  reason?: string;
  conditions?: Condition[];
  initContainerStatuses?: ContainerStatus[];
  containerStatuses?: ContainerStatus[];
  podIP?: string;
  podIPs?: { ip?: string }[];
  nominatedNodeName?: string;
}

/** Summary of a pod's containers, as computed by kubectl's printPod. */
export interface PodSummary {
  ready: string;
  status: string;
  restarts: string;
}

const NODE_LOST = 'NodeLost';

function hasCondition(conds: Condition[], type: string): boolean {
  return conds.some((c) => c.type === type && c.status === 'True');
}

/** isPodInitializedConditionTrue: the first Initialized condition decides. */
function initializedTrue(conds: Condition[]): boolean {
  const c = conds.find((x) => x.type === 'Initialized');
  return c?.status === 'True';
}

function terminatedReason(t: NonNullable<ContainerState['terminated']>, prefix: string): string {
  if (t.reason) return prefix + t.reason;
  if (t.signal) return `${prefix}Signal:${t.signal}`;
  return `${prefix}ExitCode:${t.exitCode ?? 0}`;
}

function laterFinish(current: number, st: ContainerStatus): number {
  const f = parseTimestamp(st.lastState?.terminated?.finishedAt);
  return f !== undefined && f > current ? f : current;
}

/** Ready/Status/Restarts cells for a pod, following kubectl 1.32's printPod. */
export function podSummary(pod: KubeObject, nowMs: number): PodSummary {
  const spec = (pod.spec ?? {}) as PodSpec;
  const status = (pod.status ?? {}) as PodStatus;
  const conds = status.conditions ?? [];
  const initSpecs = spec.initContainers ?? [];
  const restartable = new Set(initSpecs.filter((c) => c.restartPolicy === 'Always').map((c) => c.name));

  let restarts = 0;
  let sidecarRestarts = 0;
  let ready = 0;
  const total = (spec.containers ?? []).length + restartable.size;
  let lastRestart = 0;
  let lastSidecarRestart = 0;
  let reason = status.reason || status.phase || 'Pending';
  if (conds.some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) reason = 'SchedulingGated';

  let initializing = false;
  const initStatuses = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i];
    const isSidecar = restartable.has(c.name);
    restarts += c.restartCount ?? 0;
    lastRestart = laterFinish(lastRestart, c);
    if (isSidecar) {
      sidecarRestarts += c.restartCount ?? 0;
      lastSidecarRestart = laterFinish(lastSidecarRestart, c);
    }
    const term = c.state?.terminated;
    const waiting = c.state?.waiting;
    if (term && (term.exitCode ?? 0) === 0) continue;
    if (isSidecar && c.started === true) {
      if (c.ready) ready++;
      continue;
    }
    if (term) reason = terminatedReason(term, 'Init:');
    else if (waiting?.reason && waiting.reason !== 'PodInitializing') reason = 'Init:' + waiting.reason;
    else reason = `Init:${i}/${initSpecs.length}`;
    initializing = true;
    break;
  }

  if (!initializing || initializedTrue(conds)) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      restarts += c.restartCount ?? 0;
      lastRestart = laterFinish(lastRestart, c);
      const term = c.state?.terminated;
      if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
      else if (term) reason = terminatedReason(term, '');
      else if (c.ready && c.state?.running) {
        hasRunning = true;
        ready++;
      }
    }
    // A pod whose last-listed container completed but which still has running containers is shown as running.
    if (reason === 'Completed' && hasRunning) reason = hasCondition(conds, 'Ready') ? 'Running' : 'NotReady';
  }

  const deleting = !!pod.metadata.deletionTimestamp;
  if (deleting && status.reason === NODE_LOST) reason = 'Unknown';
  else if (deleting && status.phase !== 'Succeeded' && status.phase !== 'Failed') reason = 'Terminating';

  let restartsStr = String(restarts);
  if (restarts !== 0 && lastRestart !== 0) {
    restartsStr = `${restarts} (${translateTimestampSince(new Date(lastRestart).toISOString(), nowMs)} ago)`;
  }
  return { ready: `${ready}/${total}`, status: reason, restarts: restartsStr };
}

function readinessGates(spec: PodSpec, conds: Condition[]): string {
  const gates = spec.readinessGates ?? [];
  if (gates.length === 0) return '<none>';
  let trueCount = 0;
  for (const g of gates) {
    const c = conds.find((x) => x.type === g.conditionType);
    if (c?.status === 'True') trueCount++;
  }
  return `${trueCount}/${gates.length}`;
}

export const podPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    column('Ready', 'string', 'How many of the pod\'s containers are ready, out of the total.'),
    column('Status', 'string', 'Summarised state of the pod derived from its phase and container states.'),
    column('Restarts', 'string', 'Total container restarts, with the time since the most recent one.'),
    AGE_COLUMN,
    wide('IP', 'string', 'Primary IP address assigned to the pod.'),
    wide('Node', 'string', 'Node the pod is bound to.'),
    wide('Nominated Node', 'string', 'Node the scheduler nominated while preempting other pods.'),
    wide('Readiness Gates', 'string', 'How many extra readiness conditions are satisfied, out of those requested.'),
  ],
  cells(obj, nowMs) {
    const spec = (obj.spec ?? {}) as PodSpec;
    const status = (obj.status ?? {}) as PodStatus;
    const s = podSummary(obj, nowMs);
    const ip = status.podIPs?.[0]?.ip || status.podIP || '<none>';
    return [
      obj.metadata.name ?? '',
      s.ready,
      s.status,
      s.restarts,
      translateTimestampSince(obj.metadata.creationTimestamp, nowMs),
      ip,
      spec.nodeName || '<none>',
      status.nominatedNodeName || '<none>',
      readinessGates(spec, status.conditions ?? []),
    ];
  },
};
