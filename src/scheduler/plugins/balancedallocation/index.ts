// NodeResourcesBalancedAllocation: favours nodes whose CPU and memory would be used in similar
// proportions after placing the pod: (1 - std of the fractions) * 100. Best-effort pods skip.
import { SKIP, SUCCESS, type PreScorePlugin, type ScorePlugin, type Status } from '../../framework/types.js';
import { MAX_NODE_SCORE } from '../helpers.js';
import type { NodeInfo } from '../../framework/nodeinfo.js';
import type { PodRequests } from '../../framework/resources.js';

export const NAME = 'NodeResourcesBalancedAllocation';

/** balancedResourceScorer for fractions of (requested, allocatable) pairs. */
export function balancedScore(requested: readonly number[], allocatable: readonly number[]): number {
  const fractions: number[] = [];
  let total = 0;
  for (let i = 0; i < requested.length; i++) {
    if (allocatable[i] === 0) continue;
    const f = Math.min(requested[i] / allocatable[i], 1);
    total += f;
    fractions.push(f);
  }
  let std = 0;
  if (fractions.length === 2) std = Math.abs((fractions[0] - fractions[1]) / 2);
  else if (fractions.length > 2) {
    const mean = total / fractions.length;
    let sum = 0;
    for (const f of fractions) sum += (f - mean) * (f - mean);
    std = Math.sqrt(sum / fractions.length);
  }
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

export type BalancedAllocationPlugin = PreScorePlugin & ScorePlugin;

export function newBalancedAllocation(): BalancedAllocationPlugin {
  return {
    name: NAME,
    preScore(_state, pod): Status {
      const r = pod.requests;
      return r.milliCpu === 0 && r.memory === 0 ? SKIP : SUCCESS;
    },
    score(_state, pod, ni): number {
      return balanced(pod.requests, ni);
    },
    scoreNodes(_state, pod, nodes, len, values): void {
      const r = pod.requests;
      for (let i = 0; i < len; i++) values[i] = balanced(r, nodes[i]);
    },
  };
}

/** Uses the actual requests (useRequested), not the defaulted non-zero ones. */
function balanced(r: PodRequests, ni: NodeInfo): number {
  const cpu = ni.allocMilliCpu;
  const mem = ni.allocMemory;
  if (cpu !== 0 && mem !== 0) {
    const fc = Math.min((ni.reqMilliCpu + r.milliCpu) / cpu, 1);
    const fm = Math.min((ni.reqMemory + r.memory) / mem, 1);
    return Math.trunc((1 - Math.abs((fc - fm) / 2)) * MAX_NODE_SCORE);
  }
  return MAX_NODE_SCORE;
}
