// Taints the node lifecycle controller owns, and toleration matching for NoExecute taints
// (k8s.io/api/core/v1 toleration.go, v1helper.GetMatchingTolerations, getMinTolerationTime).
// The matching rule itself lives in src/api/taints.ts, shared with the scheduler and DaemonSets.
import { toleratesTaint } from '../../api/taints.js';
import type { KubeObject } from '../../api/types.js';

export interface Taint {
  key: string;
  value?: string;
  effect: string;
  timeAdded?: string;
}

export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number | null;
}

export const NO_EXECUTE = 'NoExecute';
export const NO_SCHEDULE = 'NoSchedule';
export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_OUT_OF_SERVICE = 'node.kubernetes.io/out-of-service';

/** TaintNodesByCondition: the NoSchedule taint for each condition status that keeps new pods away. */
export const CONDITION_TAINTS: readonly { type: string; status: string; key: string }[] = [
  { type: 'Ready', status: 'False', key: TAINT_NOT_READY },
  { type: 'Ready', status: 'Unknown', key: TAINT_UNREACHABLE },
  { type: 'MemoryPressure', status: 'True', key: 'node.kubernetes.io/memory-pressure' },
  { type: 'DiskPressure', status: 'True', key: 'node.kubernetes.io/disk-pressure' },
  { type: 'NetworkUnavailable', status: 'True', key: 'node.kubernetes.io/network-unavailable' },
  { type: 'PIDPressure', status: 'True', key: 'node.kubernetes.io/pid-pressure' },
];
export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';

/** Every NoSchedule taint key this controller manages (so it may remove them). */
export const MANAGED_NO_SCHEDULE_KEYS = new Set([...CONDITION_TAINTS.map((t) => t.key), TAINT_UNSCHEDULABLE]);

export function nodeTaints(node: KubeObject | undefined): Taint[] {
  const t: unknown = node?.spec?.taints;
  return Array.isArray(t) ? (t as Taint[]) : [];
}

export function podTolerations(pod: KubeObject): Toleration[] {
  const t: unknown = pod.spec?.tolerations;
  return Array.isArray(t) ? (t as Toleration[]) : [];
}

export function hasTaint(taints: readonly Taint[], key: string, effect: string): boolean {
  return taints.some((t) => t.key === key && t.effect === effect);
}

/** Toleration.ToleratesTaint (the one implementation in src/api/taints.ts), on this file's optional-field shapes. */
export function tolerates(t: Toleration, taint: Taint): boolean {
  return toleratesTaint({ key: t.key ?? '', operator: t.operator ?? '', value: t.value ?? '', effect: t.effect ?? '' }, { key: taint.key ?? '', value: taint.value ?? '', effect: taint.effect ?? '' });
}

/** For each taint the first toleration that tolerates it; undefined when one is not tolerated. */
export function matchingTolerations(taints: readonly Taint[], tolerations: readonly Toleration[]): Toleration[] | undefined {
  const used: Toleration[] = [];
  for (const taint of taints) {
    const t = tolerations.find((x) => tolerates(x, taint));
    if (!t) return undefined;
    used.push(t);
  }
  return used;
}

/**
 * How long the pod may stay, in ms: the smallest tolerationSeconds among the tolerations used
 * (0 or less: at once); -1 when none of them sets a limit (the pod stays for good).
 */
export function minTolerationMs(used: readonly Toleration[]): number {
  if (used.length === 0) return 0;
  let min = Infinity;
  for (const t of used) {
    if (t.tolerationSeconds === undefined || t.tolerationSeconds === null) continue;
    if (t.tolerationSeconds <= 0) return 0;
    min = Math.min(min, t.tolerationSeconds);
  }
  return min === Infinity ? -1 : min * 1000;
}
