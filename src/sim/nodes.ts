// Node objects of the simulated fleet: what a kubelet would register (labels, capacity,
// conditions, addresses, nodeInfo), how a node is registered or adopted when it already
// exists, its heartbeat (status re-post), its Lease, and deletion on exit.
import { ApiError } from '../api/errors.js';
import type { KubeObject } from '../api/types.js';
import type { RestClient } from '../client/rest.js';
import type { JsonClient } from '../scheduler/pipeline.js';
import type { ResolvedSimConfig } from './config.js';
import { PodIPPool, nodeIPFor, podCIDRFor } from './ipam.js';

export const SIM_LABEL = 'kubelite.io/simulated';
export const KUBELET_VERSION = 'v1.32.4';
export const RUNTIME_VERSION = 'kubelite-sim://0.1';
export const LEASE_NAMESPACE = 'kube-node-lease';
const STRATEGIC = 'application/strategic-merge-patch+json';
const MERGE = 'application/merge-patch+json';

/** What the sim keeps per node: small, since one process holds thousands. */
export interface SimNode {
  readonly name: string;
  readonly index: number;
  uid: string;
  podCIDR: string;
  readonly ip: string;
  pool: PodIPPool;
  /** when Ready became True (lastTransitionTime of the conditions we post) */
  readySince: string;
  lastStatusReportMs: number;
  /** the node "failed": no more leases, status reports or pod handling */
  stopped: boolean;
  /** a lease renewal is in flight */
  renewing: boolean;
}

export function newSimNode(name: string, index: number): SimNode {
  const podCIDR = podCIDRFor(index);
  return { name, index, uid: '', podCIDR, ip: nodeIPFor(index), pool: new PodIPPool(podCIDR), readySince: '', lastStatusReportMs: 0, stopped: false, renewing: false };
}

export function nodeLabels(name: string): Record<string, string> {
  return {
    'kubernetes.io/hostname': name,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'beta.kubernetes.io/arch': 'amd64',
    'node.kubernetes.io/instance-type': 'kubelite-sim',
    [SIM_LABEL]: 'true',
  };
}

export function nodeConditions(heartbeat: string, since: string): Record<string, unknown>[] {
  const c = (type: string, status: string, reason: string, message: string) => ({ type, status, lastHeartbeatTime: heartbeat, lastTransitionTime: since, reason, message });
  return [
    c('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    c('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    c('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    c('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
  ];
}

export function nodeStatus(cfg: ResolvedSimConfig, n: SimNode, now: string): Record<string, unknown> {
  const resources = { cpu: cfg.cpu, memory: cfg.memory, pods: cfg.pods, 'ephemeral-storage': '1Ti' };
  const id = `${(n.index + 1).toString(16).padStart(32, '0')}`;
  return {
    capacity: { ...resources },
    allocatable: { ...resources },
    conditions: nodeConditions(now, n.readySince || now),
    addresses: [
      { type: 'InternalIP', address: n.ip },
      { type: 'Hostname', address: n.name },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      machineID: id,
      systemUUID: `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`,
      bootID: id,
      kernelVersion: '6.1.0-kubelite-sim',
      osImage: 'kubelite simulated node',
      containerRuntimeVersion: RUNTIME_VERSION,
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: KUBELET_VERSION,
      operatingSystem: 'linux',
      architecture: 'amd64',
    },
  };
}

export function nodeObject(cfg: ResolvedSimConfig, n: SimNode, now: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: n.name, labels: nodeLabels(n.name), annotations: { 'node.alpha.kubernetes.io/ttl': '0' } },
    spec: { podCIDR: n.podCIDR, podCIDRs: [n.podCIDR] },
    status: nodeStatus(cfg, n, now),
  };
}

/**
 * Register node n, or adopt it when it already exists (a restarted sim): keep its pod CIDR
 * and uid, add our labels, post a fresh Ready status. Returns true when adopted.
 * Throws ApiError on other failures.
 */
export async function registerNode(client: RestClient, cfg: ResolvedSimConfig, n: SimNode): Promise<boolean> {
  const now = cfg.clock.nowRFC3339();
  n.readySince = now;
  try {
    const created = await client.json<KubeObject>('POST', '/api/v1/nodes', nodeObject(cfg, n, now));
    n.uid = created.metadata.uid ?? '';
    n.lastStatusReportMs = cfg.clock.now();
    return false;
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 409)) throw err;
  }
  const path = `/api/v1/nodes/${n.name}`;
  const existing = await client.json<KubeObject>('PATCH', path, { metadata: { labels: nodeLabels(n.name) } }, STRATEGIC);
  n.uid = existing.metadata.uid ?? '';
  const cidr: unknown = existing.spec?.podCIDR;
  if (typeof cidr !== 'string' || cidr === '') {
    await client.json('PATCH', path, { spec: { podCIDR: n.podCIDR, podCIDRs: [n.podCIDR] } }, STRATEGIC);
  } else if (cidr !== n.podCIDR) {
    try {
      n.pool = new PodIPPool(cidr);
      n.podCIDR = cidr;
    } catch {
      // not a /24 we can hand out from: keep ours for pod IPs
    }
  }
  await client.json('PATCH', `${path}/status`, { status: nodeStatus(cfg, n, now) }, STRATEGIC);
  n.lastStatusReportMs = cfg.clock.now();
  return true;
}

/** Heartbeat: re-post the conditions (strategic merge by condition type, as the kubelet). */
export async function reportNodeStatus(client: JsonClient, cfg: ResolvedSimConfig, n: SimNode): Promise<void> {
  const now = cfg.clock.nowRFC3339();
  await client.json('PATCH', `/api/v1/nodes/${n.name}/status`, { status: { conditions: nodeConditions(now, n.readySince) } }, STRATEGIC);
  n.lastStatusReportMs = cfg.clock.now();
}

/** RFC 3339 with microseconds, as metav1.MicroTime. */
export function microTime(ms: number): string {
  const iso = new Date(ms).toISOString(); // ...T12:34:56.789Z
  return `${iso.slice(0, -1)}000Z`;
}

export function leaseObject(cfg: ResolvedSimConfig, n: SimNode, nowMs: number): KubeObject {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: n.name,
      namespace: LEASE_NAMESPACE,
      ...(n.uid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: n.name, uid: n.uid }] } : {}),
    },
    spec: { holderIdentity: n.name, leaseDurationSeconds: cfg.leaseDurationSeconds, renewTime: microTime(nowMs) },
  };
}

const leasePath = (name: string) => `/apis/coordination.k8s.io/v1/namespaces/${LEASE_NAMESPACE}/leases/${name}`;

function patchLease(client: JsonClient, cfg: ResolvedSimConfig, n: SimNode): Promise<unknown> {
  const spec = { holderIdentity: n.name, leaseDurationSeconds: cfg.leaseDurationSeconds, renewTime: microTime(cfg.clock.now()) };
  return client.json('PATCH', leasePath(n.name), { spec }, MERGE);
}

/** Tries of one lease renewal (the kubelet's maxUpdateRetries) and the pause between them. */
export const LEASE_RENEW_TRIES = 5;
const LEASE_RETRY_MS = 200;

/**
 * Renew the node's lease (one merge patch); create it when missing. A renewal that gets no
 * answer (its connection closed or failed) is tried again shortly, up to LEASE_RENEW_TRIES
 * times, as the kubelet does: waiting for the next interval would leave the lease 20 s old.
 */
export async function renewLease(client: JsonClient, cfg: ResolvedSimConfig, n: SimNode): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await patchLease(client, cfg, n);
      return;
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) {
        await client.json('POST', `/apis/coordination.k8s.io/v1/namespaces/${LEASE_NAMESPACE}/leases`, leaseObject(cfg, n, cfg.clock.now()));
        return;
      }
      // an answer from the server (conflict, forbidden, ...) is not retried here
      if (err instanceof ApiError || attempt >= LEASE_RENEW_TRIES) throw err;
      await new Promise((r) => setTimeout(r, LEASE_RETRY_MS));
    }
  }
}

/** Create the node's lease; when it exists already (a restarted sim), renew it. */
export async function createLease(client: RestClient, cfg: ResolvedSimConfig, n: SimNode): Promise<void> {
  try {
    await client.json('POST', `/apis/coordination.k8s.io/v1/namespaces/${LEASE_NAMESPACE}/leases`, leaseObject(cfg, n, cfg.clock.now()));
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 409)) throw err;
    await patchLease(client, cfg, n);
  }
}

/** Delete the node and its lease (for --delete-nodes-on-exit); missing objects are fine. */
export async function deleteNode(client: RestClient, n: SimNode): Promise<void> {
  for (const path of [leasePath(n.name), `/api/v1/nodes/${n.name}`]) {
    try {
      await client.json('DELETE', path);
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err;
    }
  }
}
