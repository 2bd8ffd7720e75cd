// NodeInfo: a node with its pods and the running totals the filters need, updated incrementally.
import type { KubeObject } from '../../api/types.js';
import { nodeAllocatable, type Allocatable } from './resources.js';
import { normalizedImageName, type HostPort, type PodInfo } from './podinfo.js';
import { parseTaints, type Taint } from '../../api/taints.js';

export const WILDCARD_IP = '0.0.0.0';

/** Host ports in use on a node: protocol/port -> IP -> count. */
export class HostPortInfo {
  private readonly used = new Map<string, Map<string, number>>();

  add(p: HostPort): void {
    const k = `${p.protocol}/${p.port}`;
    let ips = this.used.get(k);
    if (!ips) this.used.set(k, (ips = new Map()));
    ips.set(p.ip, (ips.get(p.ip) ?? 0) + 1);
  }
  remove(p: HostPort): void {
    const k = `${p.protocol}/${p.port}`;
    const ips = this.used.get(k);
    const n = ips?.get(p.ip);
    if (!ips || n === undefined) return;
    if (n > 1) ips.set(p.ip, n - 1);
    else {
      ips.delete(p.ip);
      if (ips.size === 0) this.used.delete(k);
    }
  }
  /** 0.0.0.0 conflicts with every IP on the same protocol and port, and the other way round. */
  conflicts(p: HostPort): boolean {
    const ips = this.used.get(`${p.protocol}/${p.port}`);
    if (!ips) return false;
    if (p.ip === WILDCARD_IP) return ips.size > 0;
    return ips.has(p.ip) || ips.has(WILDCARD_IP);
  }
  get size(): number {
    return this.used.size;
  }
  clone(): HostPortInfo {
    const c = new HostPortInfo();
    for (const [k, ips] of this.used) c.used.set(k, new Map(ips));
    return c;
  }
}

/** Mutable resource totals (numbers: milli-CPU, bytes). */
export class ResourceTotals {
  milliCpu = 0;
  memory = 0;
  ephemeralStorage = 0;
  scalar: Map<string, number> | null = null;

  clone(): ResourceTotals {
    const c = new ResourceTotals();
    c.milliCpu = this.milliCpu;
    c.memory = this.memory;
    c.ephemeralStorage = this.ephemeralStorage;
    c.scalar = this.scalar ? new Map(this.scalar) : null;
    return c;
  }
  scalarOf(name: string): number {
    return this.scalar?.get(name) ?? 0;
  }
}

export class NodeInfo {
  node!: KubeObject;
  name!: string;
  labels!: Readonly<Record<string, string>>;
  allocatable!: Allocatable;
  taints!: readonly Taint[];
  unschedulable!: boolean;
  /** Normalized image name -> size in bytes (status.images). */
  images!: ReadonlyMap<string, number>;
  readonly pods: PodInfo[] = [];
  readonly podsWithAffinity: PodInfo[] = [];
  readonly podsWithRequiredAntiAffinity: PodInfo[] = [];
  /** Sum of the pods' effective requests. */
  requested = new ResourceTotals();
  /** CPU/memory with defaults for containers without requests (for scoring). */
  nonZeroMilliCpu = 0;
  nonZeroMemory = 0;
  usedPorts = new HostPortInfo();
  /** Bumped on every change. */
  generation = 0;
  // The numbers the filters and scores read for every node of every cycle, kept on the
  // NodeInfo itself (one object to load, not four): mirrors of allocatable, requested and
  // pods.length.
  allocMilliCpu = 0;
  allocMemory = 0;
  allocEphemeralStorage = 0;
  allocPods = 0;
  reqMilliCpu = 0;
  reqMemory = 0;
  reqEphemeralStorage = 0;
  podCount = 0;
  private readonly index = new Map<string, number>();

  constructor(node?: KubeObject) {
    if (node) this.setNode(node);
  }

  setNode(node: KubeObject): void {
    this.node = node;
    this.name = node.metadata.name ?? '';
    this.labels = node.metadata.labels ?? {};
    const a = (this.allocatable = nodeAllocatable(node));
    this.allocMilliCpu = a.milliCpu;
    this.allocMemory = a.memory;
    this.allocEphemeralStorage = a.ephemeralStorage;
    this.allocPods = a.pods;
    this.taints = parseTaints(node.spec?.taints);
    this.unschedulable = node.spec?.unschedulable === true;
    const images = new Map<string, number>();
    const list = node.status?.images;
    if (Array.isArray(list)) {
      for (const img of list as { names?: string[]; sizeBytes?: number }[]) {
        for (const n of img.names ?? []) images.set(normalizedImageName(n), img.sizeBytes ?? 0);
      }
    }
    this.images = images;
    this.generation++;
  }

  hasPod(key: string): boolean {
    return this.index.has(key);
  }

  addPod(pi: PodInfo): void {
    if (this.index.has(pi.key)) return;
    this.index.set(pi.key, this.pods.length);
    this.pods.push(pi);
    this.podCount = this.pods.length;
    if (pi.hasAffinity) this.podsWithAffinity.push(pi);
    if (pi.requiredAntiAffinityTerms.length > 0) this.podsWithRequiredAntiAffinity.push(pi);
    this.account(pi, 1);
    for (const p of pi.hostPorts) this.usedPorts.add(p);
    this.generation++;
  }

  removePod(pi: PodInfo): boolean {
    const i = this.index.get(pi.key);
    if (i === undefined) return false;
    const stored = this.pods[i];
    const last = this.pods.pop() as PodInfo;
    if (i < this.pods.length) {
      this.pods[i] = last;
      this.index.set(last.key, i);
    }
    this.index.delete(pi.key);
    this.podCount = this.pods.length;
    if (stored.hasAffinity) removeFrom(this.podsWithAffinity, stored);
    if (stored.requiredAntiAffinityTerms.length > 0) removeFrom(this.podsWithRequiredAntiAffinity, stored);
    this.account(stored, -1);
    for (const p of stored.hostPorts) this.usedPorts.remove(p);
    this.generation++;
    return true;
  }

  private account(pi: PodInfo, sign: 1 | -1): void {
    const r = pi.requests;
    const t = this.requested;
    t.milliCpu += sign * r.milliCpu;
    t.memory += sign * r.memory;
    t.ephemeralStorage += sign * r.ephemeralStorage;
    this.reqMilliCpu = t.milliCpu;
    this.reqMemory = t.memory;
    this.reqEphemeralStorage = t.ephemeralStorage;
    if (r.scalar.size > 0) {
      const s = (t.scalar ??= new Map());
      for (const [k, n] of r.scalar) s.set(k, (s.get(k) ?? 0) + sign * n);
    }
    this.nonZeroMilliCpu += sign * r.nonZeroMilliCpu;
    this.nonZeroMemory += sign * r.nonZeroMemory;
  }

  /** A copy whose pod list and totals can be changed independently (for preemption dry runs). */
  clone(): NodeInfo {
    const c = new NodeInfo();
    c.node = this.node;
    c.name = this.name;
    c.labels = this.labels;
    c.allocatable = this.allocatable;
    c.allocMilliCpu = this.allocMilliCpu;
    c.allocMemory = this.allocMemory;
    c.allocEphemeralStorage = this.allocEphemeralStorage;
    c.allocPods = this.allocPods;
    c.reqMilliCpu = this.reqMilliCpu;
    c.reqMemory = this.reqMemory;
    c.reqEphemeralStorage = this.reqEphemeralStorage;
    c.taints = this.taints;
    c.unschedulable = this.unschedulable;
    c.images = this.images;
    for (const p of this.pods) {
      c.index.set(p.key, c.pods.length);
      c.pods.push(p);
    }
    c.podCount = c.pods.length;
    c.podsWithAffinity.push(...this.podsWithAffinity);
    c.podsWithRequiredAntiAffinity.push(...this.podsWithRequiredAntiAffinity);
    c.requested = this.requested.clone();
    c.nonZeroMilliCpu = this.nonZeroMilliCpu;
    c.nonZeroMemory = this.nonZeroMemory;
    c.usedPorts = this.usedPorts.clone();
    c.generation = this.generation;
    return c;
  }
}

function removeFrom(list: PodInfo[], pi: PodInfo): void {
  const i = list.indexOf(pi);
  if (i >= 0) {
    list[i] = list[list.length - 1];
    list.pop();
  }
}
