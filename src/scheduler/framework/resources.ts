// Resource amounts as plain numbers (milli-CPU, bytes, counts), converted once from quantities,
// and a pod's effective requests with init containers, sidecars and overhead, as
// component-helpers' PodRequests computes them.
import type { KubeObject } from '../../api/types.js';
import { parseQuantity, quantityMilliValue, quantityValue } from '../../api/quantity.js';

export const CPU = 'cpu';
export const MEMORY = 'memory';
export const EPHEMERAL_STORAGE = 'ephemeral-storage';
export const PODS = 'pods';

/** Requests assumed for scoring when a container sets none (upstream DefaultMilliCPURequest/DefaultMemoryRequest). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

const EMPTY_SCALAR: ReadonlyMap<string, number> = new Map();

/** A pod's effective requests. */
export interface PodRequests {
  readonly milliCpu: number;
  readonly memory: number;
  readonly ephemeralStorage: number;
  /** Extended and other scalar resources (hugepages-*, example.com/gpu, ...), only non-zero ones. */
  readonly scalar: ReadonlyMap<string, number>;
  /** CPU and memory with defaults for containers that request none: used by LeastAllocated. */
  readonly nonZeroMilliCpu: number;
  readonly nonZeroMemory: number;
  /** True when the pod requests nothing at all (only the pod count is checked). */
  readonly isZero: boolean;
}

/** Converts one resource quantity to the number unit the scheduler uses (milli for cpu). */
export function resourceNumber(name: string, value: unknown): number {
  if (typeof value !== 'string' && typeof value !== 'number') return 0;
  try {
    const q = parseQuantity(value);
    return Number(name === CPU ? quantityMilliValue(q) : quantityValue(q));
  } catch {
    return 0;
  }
}

type Vec = Map<string, number>;

function toVec(list: unknown): Vec {
  const v: Vec = new Map();
  if (list && typeof list === 'object') {
    for (const [k, q] of Object.entries(list as Record<string, unknown>)) v.set(k, resourceNumber(k, q));
  }
  return v;
}

function addInto(a: Vec, b: Vec): void {
  for (const [k, n] of b) a.set(k, (a.get(k) ?? 0) + n);
}
function maxInto(a: Vec, b: Vec): void {
  for (const [k, n] of b) if (n > (a.get(k) ?? 0)) a.set(k, n);
}
function sum(a: Vec, b: Vec): Vec {
  const r = new Map(a);
  addInto(r, b);
  return r;
}

interface ContainerLike {
  resources?: { requests?: unknown };
  restartPolicy?: string;
}

function containerRequests(c: ContainerLike, nonMissing: boolean): Vec {
  const v = toVec(c.resources?.requests);
  if (nonMissing) {
    if (!v.has(CPU)) v.set(CPU, DEFAULT_MILLI_CPU_REQUEST);
    if (!v.has(MEMORY)) v.set(MEMORY, DEFAULT_MEMORY_REQUEST);
  }
  return v;
}

/**
 * Effective requests: max(sum(app containers) + sum(sidecars), max over init containers i of
 * (init_i + sidecars started before i)) + overhead. Sidecars are init containers with
 * restartPolicy Always; for a sidecar the "init" term is the sidecars up to and including it.
 */
export function podRequestsVector(spec: { containers?: ContainerLike[]; initContainers?: ContainerLike[]; overhead?: unknown } | undefined, nonMissing: boolean): Vec {
  const reqs: Vec = new Map();
  for (const c of spec?.containers ?? []) addInto(reqs, containerRequests(c, nonMissing));
  const sidecars: Vec = new Map();
  const initMax: Vec = new Map();
  for (const c of spec?.initContainers ?? []) {
    const cr = containerRequests(c, nonMissing);
    if (c.restartPolicy === 'Always') {
      addInto(reqs, cr);
      addInto(sidecars, cr);
      maxInto(initMax, sidecars);
    } else {
      maxInto(initMax, sum(cr, sidecars));
    }
  }
  maxInto(reqs, initMax);
  if (spec?.overhead) addInto(reqs, toVec(spec.overhead));
  return reqs;
}

export function isScalarResource(name: string): boolean {
  return name !== CPU && name !== MEMORY && name !== EPHEMERAL_STORAGE && name !== PODS && name !== 'storage';
}

export function computePodRequests(pod: KubeObject): PodRequests {
  const spec = pod.spec as Parameters<typeof podRequestsVector>[0];
  const r = podRequestsVector(spec, false);
  const nz = podRequestsVector(spec, true);
  let scalar: Map<string, number> | undefined;
  for (const [k, n] of r) {
    if (isScalarResource(k) && n !== 0) (scalar ??= new Map()).set(k, n);
  }
  const milliCpu = r.get(CPU) ?? 0;
  const memory = r.get(MEMORY) ?? 0;
  const ephemeralStorage = r.get(EPHEMERAL_STORAGE) ?? 0;
  return {
    milliCpu,
    memory,
    ephemeralStorage,
    scalar: scalar ?? EMPTY_SCALAR,
    nonZeroMilliCpu: nz.get(CPU) ?? 0,
    nonZeroMemory: nz.get(MEMORY) ?? 0,
    isZero: milliCpu === 0 && memory === 0 && ephemeralStorage === 0 && !scalar,
  };
}

/** Node allocatable resources as numbers. */
export interface Allocatable {
  readonly milliCpu: number;
  readonly memory: number;
  readonly ephemeralStorage: number;
  readonly pods: number;
  readonly scalar: ReadonlyMap<string, number>;
}

export function nodeAllocatable(node: KubeObject): Allocatable {
  const status = node.status as { allocatable?: Record<string, unknown>; capacity?: Record<string, unknown> } | undefined;
  const v = toVec(status?.allocatable ?? status?.capacity);
  const scalar = new Map<string, number>();
  for (const [k, n] of v) if (isScalarResource(k)) scalar.set(k, n);
  return {
    milliCpu: v.get(CPU) ?? 0,
    memory: v.get(MEMORY) ?? 0,
    ephemeralStorage: v.get(EPHEMERAL_STORAGE) ?? 0,
    pods: v.get(PODS) ?? 0,
    scalar,
  };
}
