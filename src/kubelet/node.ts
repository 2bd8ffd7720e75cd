// The Node object of this machine: registration (capacity and allocatable measured here,
// conditions, addresses, nodeInfo with the runtime's version), the pod CIDR the API server
// assigned, the Lease in kube-node-lease renewed every 10 s, and the status re-posted every minute.
import { existsSync, readFileSync, statfsSync } from 'node:fs';
import { arch, cpus, networkInterfaces, release, totalmem } from 'node:os';
import { ApiError } from '../api/errors.js';
import type { KubeObject } from '../api/types.js';
import type { RestClient } from '../client/rest.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { NodeAllocatable } from './env.js';
import { sleep } from './sleep.js';

export const KUBELET_VERSION = 'v1.32.4';
export const LEASE_NAMESPACE = 'kube-node-lease';
export const MAX_PODS = 110;
const STRATEGIC = 'application/strategic-merge-patch+json';
const MERGE = 'application/merge-patch+json';

export interface NodeFacts {
  name: string;
  ip: string;
  cpuCores: number;
  memoryBytes: number;
  ephemeralBytes: number;
  runtimeVersion: string;
  kubeletPort: number;
}

function readTrim(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

/** The first non-loopback IPv4 that is not a pod bridge or veth. */
export function detectNodeIP(): string {
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    if (/^(lo|kubelite|klt|cni|veth|docker|flannel)/.test(name)) continue;
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

export function measureNode(name: string, dataDir: string, runtimeVersion: string, kubeletPort: number): NodeFacts {
  let ephemeralBytes = 0;
  try {
    const s = statfsSync(dataDir);
    ephemeralBytes = s.blocks * s.bsize;
  } catch {
    ephemeralBytes = 0;
  }
  return { name, ip: detectNodeIP(), cpuCores: cpus().length, memoryBytes: totalmem(), ephemeralBytes, runtimeVersion, kubeletPort };
}

export function allocatableOf(f: NodeFacts): NodeAllocatable {
  return { cpuMilli: f.cpuCores * 1000, memoryBytes: f.memoryBytes };
}

function osImage(): string {
  const m = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readTrim('/etc/os-release'));
  return m?.[1] ?? 'Linux';
}

/** The node's memory pressure as the eviction manager reports it (since: its last change). */
export interface MemoryPressure {
  on: boolean;
  since: string;
}

export const MEMORY_PRESSURE_TAINT = 'node.kubernetes.io/memory-pressure';

export function nodeConditions(heartbeat: string, since: string, memory?: MemoryPressure): Record<string, unknown>[] {
  const c = (type: string, status: string, reason: string, message: string, from = since) => ({ type, status, lastHeartbeatTime: heartbeat, lastTransitionTime: from, reason, message });
  return [
    memory?.on
      ? c('MemoryPressure', 'True', 'KubeletHasInsufficientMemory', 'kubelet has insufficient memory available', memory.since)
      : c('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available', memory?.since),
    c('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    c('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    c('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
  ];
}

export function nodeStatus(f: NodeFacts, now: string, since: string, memory?: MemoryPressure): Record<string, unknown> {
  const resources = { cpu: String(f.cpuCores), memory: `${Math.floor(f.memoryBytes / 1024)}Ki`, pods: String(MAX_PODS), 'ephemeral-storage': `${Math.floor(f.ephemeralBytes / 1024)}Ki` };
  const machineID = readTrim('/etc/machine-id');
  return {
    capacity: { ...resources },
    allocatable: { ...resources },
    conditions: nodeConditions(now, since, memory),
    addresses: [
      { type: 'InternalIP', address: f.ip },
      { type: 'Hostname', address: f.name },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: f.kubeletPort } },
    nodeInfo: {
      machineID,
      systemUUID: readTrim('/sys/class/dmi/id/product_uuid') || machineID,
      bootID: readTrim('/proc/sys/kernel/random/boot_id'),
      kernelVersion: release(),
      osImage: osImage(),
      containerRuntimeVersion: f.runtimeVersion,
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: KUBELET_VERSION,
      operatingSystem: 'linux',
      architecture: arch() === 'x64' ? 'amd64' : arch(),
    },
  };
}

export function nodeLabels(name: string): Record<string, string> {
  const a = arch() === 'x64' ? 'amd64' : arch();
  return { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': a, 'beta.kubernetes.io/os': 'linux', 'beta.kubernetes.io/arch': a };
}

export class PodCIDRMissingError extends Error {}

export interface RegisteredNode {
  uid: string;
  podCIDR: string;
  readySince: string;
}

/** Creates the Node (the server assigns spec.podCIDR unless podCIDR is given, as --pod-cidr) or adopts the existing one. */
export async function registerNode(client: RestClient, f: NodeFacts, clock: Clock, podCIDR?: string): Promise<RegisteredNode> {
  const now = clock.nowRFC3339();
  let node: KubeObject;
  try {
    node = await client.json<KubeObject>('POST', '/api/v1/nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: f.name, labels: nodeLabels(f.name), annotations: { 'node.alpha.kubernetes.io/ttl': '0' } },
      spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {},
      status: nodeStatus(f, now, now),
    });
    // status is ignored on create by some servers: post it through the subresource as well
    await client.json('PATCH', `/api/v1/nodes/${f.name}/status`, { status: nodeStatus(f, now, now) }, STRATEGIC);
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 409)) throw err;
    node = await client.json<KubeObject>('PATCH', `/api/v1/nodes/${f.name}`, { metadata: { labels: nodeLabels(f.name) } }, STRATEGIC);
    await client.json('PATCH', `/api/v1/nodes/${f.name}/status`, { status: nodeStatus(f, now, now) }, STRATEGIC);
  }
  const cidr: unknown = node.spec?.podCIDR;
  if (typeof cidr !== 'string' || !/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(cidr)) {
    throw new PodCIDRMissingError(`node ${f.name} has no spec.podCIDR: the API server assigns one when the Node is created (delete the Node object so that it is registered again)`);
  }
  return { uid: node.metadata.uid ?? '', podCIDR: cidr, readySince: now };
}

function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

const LEASE_DURATION_S = 40;

export async function renewLease(client: RestClient, f: NodeFacts, nodeUID: string, clock: Clock): Promise<void> {
  const path = `/apis/coordination.k8s.io/v1/namespaces/${LEASE_NAMESPACE}/leases/${f.name}`;
  const spec = { holderIdentity: f.name, leaseDurationSeconds: LEASE_DURATION_S, renewTime: microTime(clock.now()) };
  try {
    await client.json('PATCH', path, { spec }, MERGE);
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 404)) throw err;
    await client.json('POST', `/apis/coordination.k8s.io/v1/namespaces/${LEASE_NAMESPACE}/leases`, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: f.name, namespace: LEASE_NAMESPACE, ...(nodeUID ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: f.name, uid: nodeUID }] } : {}) },
      spec,
    });
  }
}

/** Lease every leaseMs, the node status every statusMs, until the signal aborts. */
export async function runNodeHeartbeat(client: RestClient, f: NodeFacts, reg: RegisteredNode, clock: Clock, log: Logger, signal: AbortSignal, leaseMs = 10_000, statusMs = 60_000, memory?: () => MemoryPressure | undefined): Promise<void> {
  let lastStatus = clock.now();
  while (!signal.aborted) {
    try {
      await renewLease(client, f, reg.uid, clock);
      // as the kubelet does: post at once when the stored status is not ours (the node lifecycle
      // controller set Ready=Unknown while we were cut off), not only when the report is due
      if (clock.now() - lastStatus >= statusMs || !(await storedReady(client, f.name))) {
        await client.json('PATCH', `/api/v1/nodes/${f.name}/status`, { status: nodeStatus(f, clock.nowRFC3339(), reg.readySince, memory?.()) }, STRATEGIC);
        lastStatus = clock.now();
      }
    } catch (err) {
      if (signal.aborted) return;
      log.warn({ err: (err as Error).message }, 'node heartbeat failed');
    }
    await sleep(leaseMs, signal);
  }
}

/** The Node's stored Ready condition is True (what this kubelet reports while it runs). */
async function storedReady(client: RestClient, name: string): Promise<boolean> {
  const node = await client.json<KubeObject>('GET', `/api/v1/nodes/${name}`);
  return ((node.status?.conditions ?? []) as { type: string; status: string }[]).some((c) => c.type === 'Ready' && c.status === 'True');
}

/**
 * Writes the MemoryPressure condition at once. The memory-pressure NoSchedule taint that goes
 * with it is the node lifecycle controller's (TaintNodesByCondition), as upstream: one writer.
 */
export async function reportMemoryPressure(client: RestClient, f: NodeFacts, reg: RegisteredNode, clock: Clock, memory: MemoryPressure): Promise<void> {
  await client.json('PATCH', `/api/v1/nodes/${f.name}/status`, { status: nodeStatus(f, clock.nowRFC3339(), reg.readySince, memory) }, STRATEGIC);
}

export function cniPluginsPresent(dir: string): boolean {
  return ['bridge', 'host-local', 'portmap', 'loopback'].every((p) => existsSync(`${dir}/${p}`));
}
