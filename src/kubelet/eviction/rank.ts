// Which pod goes first under memory pressure (the kubelet's rankMemoryPressure): pods whose usage
// exceeds their memory requests, then lower priority, then the larger usage above requests.
// And the message an evicted pod carries.
import { canonicalQuantity, formatQuantity, parseQuantity, quantityValue } from '../../api/quantity.js';
import type { ContainerSpec, Pod } from '../types.js';

export interface Candidate {
  pod: Pod;
  /** the pod's working set; undefined when it could not be measured */
  usage: number | undefined;
  /** working set by container name */
  containers: Map<string, number>;
}

/** A byte count as Kubernetes prints a BinarySI quantity (e.g. 1048576 -> 1Mi). */
export function bytesQuantity(n: number): string {
  return formatQuantity({ nano: BigInt(Math.max(0, Math.round(n))) * 1_000_000_000n, format: 'BinarySI' });
}

const memoryOf = (c: ContainerSpec): number => {
  const r = c.resources?.requests?.memory;
  return r === undefined ? 0 : Number(quantityValue(parseQuantity(r)));
};

/** Effective memory request: the containers' sum, or the largest init container if larger. */
export function podMemoryRequest(pod: Pod): number {
  const sum = pod.spec.containers.reduce((s, c) => s + memoryOf(c), 0);
  return Math.max(sum, ...(pod.spec.initContainers ?? []).map(memoryOf));
}

const priorityOf = (p: Pod): number => {
  const v: unknown = (p.spec as { priority?: unknown }).priority;
  return typeof v === 'number' ? v : 0;
};

/** Sorted copy: the first is evicted first. */
export function rankForMemory(cands: Candidate[]): Candidate[] {
  const exceeds = (c: Candidate) => c.usage !== undefined && c.usage > podMemoryRequest(c.pod);
  const above = (c: Candidate) => (c.usage ?? 0) - podMemoryRequest(c.pod);
  return [...cands].sort((a, b) => {
    // unmeasured pods first, then those above their requests
    if ((a.usage === undefined) !== (b.usage === undefined)) return a.usage === undefined ? -1 : 1;
    if (exceeds(a) !== exceeds(b)) return exceeds(a) ? -1 : 1;
    if (priorityOf(a.pod) !== priorityOf(b.pod)) return priorityOf(a.pod) - priorityOf(b.pod);
    return above(b) - above(a);
  });
}

export function evictionMessage(c: Candidate, thresholdQuantity: string, available: string): string {
  let msg = `The node was low on resource: memory. Threshold quantity: ${thresholdQuantity}, available: ${available}. `;
  for (const spec of c.pod.spec.containers) {
    const used = c.containers.get(spec.name);
    if (used === undefined) continue;
    const req = spec.resources?.requests?.memory;
    if (used > memoryOf(spec)) msg += `Container ${spec.name} was using ${bytesQuantity(used)}, request is ${req === undefined ? '0' : canonicalQuantity(req)}, has larger consumption of memory. `;
  }
  return msg;
}
