// NodeResourcesFit: the pod's effective requests must fit in allocatable minus what the node's
// pods request, and the node must allow one more pod. Scores with LeastAllocated (default).
import { Code, SUCCESS, newStatus, type FilterPlugin, type ScorePlugin, type Status } from '../../framework/types.js';
import type { NodeInfo } from '../../framework/nodeinfo.js';
import type { PodInfo } from '../../framework/podinfo.js';
import { MAX_NODE_SCORE } from '../helpers.js';

export const NAME = 'NodeResourcesFit';
export const REASON_TOO_MANY_PODS = 'Too many pods';
export const REASON_INSUFFICIENT_CPU = 'Insufficient cpu';
export const REASON_INSUFFICIENT_MEMORY = 'Insufficient memory';
export const REASON_INSUFFICIENT_EPHEMERAL_STORAGE = 'Insufficient ephemeral-storage';
export const insufficient = (resource: string): string => `Insufficient ${resource}`;

export interface ResourceWeight {
  readonly name: 'cpu' | 'memory';
  readonly weight: number;
}
export const DEFAULT_RESOURCES: readonly ResourceWeight[] = [
  { name: 'cpu', weight: 1 },
  { name: 'memory', weight: 1 },
];

const SINGLE = new Map<string, Status>(
  [REASON_TOO_MANY_PODS, REASON_INSUFFICIENT_CPU, REASON_INSUFFICIENT_MEMORY].map((r) => [r, newStatus(Code.Unschedulable, r)]),
);

/** Reasons why the pod does not fit the node ([] when it fits), in upstream's order. */
export function insufficientResources(pod: PodInfo, ni: NodeInfo): string[] {
  const out: string[] = [];
  const alloc = ni.allocatable;
  const used = ni.requested;
  if (ni.pods.length + 1 > alloc.pods) out.push(REASON_TOO_MANY_PODS);
  const r = pod.requests;
  if (r.isZero) return out;
  if (r.milliCpu > 0 && r.milliCpu > alloc.milliCpu - used.milliCpu) out.push(REASON_INSUFFICIENT_CPU);
  if (r.memory > 0 && r.memory > alloc.memory - used.memory) out.push(REASON_INSUFFICIENT_MEMORY);
  if (r.ephemeralStorage > 0 && r.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage) out.push(REASON_INSUFFICIENT_EPHEMERAL_STORAGE);
  if (r.scalar.size > 0) {
    for (const [name, q] of r.scalar) {
      if (q > (alloc.scalar.get(name) ?? 0) - used.scalarOf(name)) out.push(insufficient(name));
    }
  }
  return out;
}

/** leastRequestedScore: free share of the resource after placing the pod, 0..100 (integer maths). */
export function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

export type NodeResourcesFitPlugin = FilterPlugin & ScorePlugin;

export function newNodeResourcesFit(resources: readonly ResourceWeight[] = DEFAULT_RESOURCES): NodeResourcesFitPlugin {
  return {
    name: NAME,
    filter(_state, pod, ni): Status {
      // Fast path: the common fitting case allocates nothing.
      const alloc = ni.allocatable;
      const used = ni.requested;
      const r = pod.requests;
      if (
        ni.pods.length + 1 <= alloc.pods &&
        (r.isZero ||
          (r.milliCpu <= alloc.milliCpu - used.milliCpu &&
            r.memory <= alloc.memory - used.memory &&
            r.ephemeralStorage <= alloc.ephemeralStorage - used.ephemeralStorage &&
            r.scalar.size === 0))
      ) {
        return SUCCESS;
      }
      const reasons = insufficientResources(pod, ni);
      if (reasons.length === 0) return SUCCESS;
      if (reasons.length === 1) return SINGLE.get(reasons[0]) ?? newStatus(Code.Unschedulable, reasons[0]);
      return newStatus(Code.Unschedulable, ...reasons);
    },
    score(_state, pod, ni): number {
      const alloc = ni.allocatable;
      let total = 0;
      let weights = 0;
      for (const { name, weight } of resources) {
        const capacity = name === 'cpu' ? alloc.milliCpu : alloc.memory;
        if (capacity === 0) continue;
        const requested = name === 'cpu' ? ni.nonZeroMilliCpu + pod.requests.nonZeroMilliCpu : ni.nonZeroMemory + pod.requests.nonZeroMemory;
        total += leastRequestedScore(requested, capacity) * weight;
        weights += weight;
      }
      return weights === 0 ? 0 : Math.trunc(total / weights);
    },
  };
}
