// NodeResourcesFit: the pod's effective requests must fit in allocatable minus what the node's
// pods request, and the node must allow one more pod. Scores with LeastAllocated (default).
import { Code, SUCCESS, newStatus, withPlugin, type FilterPlugin, type ScorePlugin, type Status } from '../../framework/types.js';
import type { NodeInfo } from '../../framework/nodeinfo.js';
import type { PodInfo } from '../../framework/podinfo.js';
import type { PodRequests } from '../../framework/resources.js';
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

/** The common fitting case, without allocating: room for one more pod and for every request. */
function fitsFast(r: PodRequests, ni: NodeInfo): boolean {
  return (
    ni.podCount + 1 <= ni.allocPods &&
    (r.isZero ||
      (r.milliCpu <= ni.allocMilliCpu - ni.reqMilliCpu &&
        r.memory <= ni.allocMemory - ni.reqMemory &&
        r.ephemeralStorage <= ni.allocEphemeralStorage - ni.reqEphemeralStorage &&
        r.scalar.size === 0))
  );
}

function slowFilter(pod: PodInfo, ni: NodeInfo): Status {
  const reasons = insufficientResources(pod, ni);
  if (reasons.length === 0) return SUCCESS;
  if (reasons.length === 1) return SINGLE.get(reasons[0]) ?? newStatus(Code.Unschedulable, reasons[0]);
  return newStatus(Code.Unschedulable, ...reasons);
}

/** LeastAllocated with the default resources (cpu and memory, weight 1 each). */
function defaultScore(r: PodRequests, ni: NodeInfo): number {
  const cpu = ni.allocMilliCpu;
  const mem = ni.allocMemory;
  let total = 0;
  let weights = 0;
  if (cpu !== 0) {
    total += leastRequestedScore(ni.nonZeroMilliCpu + r.nonZeroMilliCpu, cpu);
    weights++;
  }
  if (mem !== 0) {
    total += leastRequestedScore(ni.nonZeroMemory + r.nonZeroMemory, mem);
    weights++;
  }
  return weights === 0 ? 0 : Math.trunc(total / weights);
}

export function newNodeResourcesFit(resources: readonly ResourceWeight[] = DEFAULT_RESOURCES): NodeResourcesFitPlugin {
  const isDefault = resources.length === 2 && resources[0].name === 'cpu' && resources[0].weight === 1 && resources[1].name === 'memory' && resources[1].weight === 1;
  const score = (pod: PodInfo, ni: NodeInfo): number => {
    if (isDefault) return defaultScore(pod.requests, ni);
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
  };
  return {
    name: NAME,
    filter(_state, pod, ni): Status {
      return fitsFast(pod.requests, ni) ? SUCCESS : slowFilter(pod, ni);
    },
    filterNodes(_state, pod, nodes, len, statuses): number {
      const r = pod.requests;
      let n = 0;
      for (let i = 0; i < len; i++) {
        const ni = nodes[i];
        if (statuses[i] !== undefined || fitsFast(r, ni)) continue;
        const s = slowFilter(pod, ni);
        if (s.code !== Code.Success) {
          statuses[i] = withPlugin(s, NAME);
          n++;
        }
      }
      return n;
    },
    score(_state, pod, ni): number {
      return score(pod, ni);
    },
    scoreNodes(_state, pod, nodes, len, values): void {
      if (isDefault) {
        const r = pod.requests;
        for (let i = 0; i < len; i++) values[i] = defaultScore(r, nodes[i]);
      } else for (let i = 0; i < len; i++) values[i] = score(pod, nodes[i]);
    },
  };
}
