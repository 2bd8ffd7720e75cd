// The subsets of a service's Endpoints (upstream syncService's loop + RepackSubsets): one
// address per pod (ready ones in addresses, others in notReadyAddresses unless the service
// publishes not-ready addresses), each service port resolved per pod, then addresses that
// share the same port set grouped into one subset. Sorted, so equal input gives equal output.
import type { KubeObject } from '../../api/types.js';
import { isPodReady, stableJson } from '../runtime/objects.js';
import { findPort, isHeadless, podIPFor, serviceFamilies, shouldPodBeInEndpoints, shouldSetHostname, type ServicePort } from './podutil.js';

export interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: { kind: string; namespace?: string; name?: string; uid?: string };
}

export interface EndpointPort {
  name?: string;
  port: number;
  protocol?: string;
  appProtocol?: string;
}

export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointPort[];
}

/** Upstream's limit per Endpoints object; beyond it the object is truncated and annotated. */
export const MAX_CAPACITY = 1000;
export const OVER_CAPACITY_ANNOTATION = 'endpoints.kubernetes.io/over-capacity';

function address(pod: KubeObject, svc: KubeObject, ip: string): EndpointAddress {
  const a: EndpointAddress = { ip };
  if (shouldSetHostname(pod, svc)) a.hostname = pod.spec.hostname as string;
  if (pod.spec?.nodeName) a.nodeName = pod.spec.nodeName as string;
  a.targetRef = { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid };
  return a;
}

const portKey = (p: EndpointPort): string => stableJson(p);

function compareIP(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  if (pa.length === 4 && pb.length === 4) for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return pa[i]! - pb[i]!;
  return a < b ? -1 : a > b ? 1 : 0;
}

const byAddress = (a: EndpointAddress, b: EndpointAddress): number => compareIP(a.ip, b.ip) || (a.targetRef?.uid ?? '').localeCompare(b.targetRef?.uid ?? '');
const byPort = (a: EndpointPort, b: EndpointPort): number => (a.name ?? '').localeCompare(b.name ?? '') || a.port - b.port || (a.protocol ?? '').localeCompare(b.protocol ?? '');

/** The Endpoints subsets for svc from the pods its selector matches. */
export function buildSubsets(svc: KubeObject, pods: KubeObject[]): EndpointSubset[] {
  const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
  const family = serviceFamilies(svc)[0]!;
  const ports = (svc.spec?.ports ?? []) as ServicePort[];
  // address (ip + pod uid) -> its port set and readiness
  const entries = new Map<string, { addr: EndpointAddress; ready: boolean; ports: EndpointPort[] }>();
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
    const ip = podIPFor(pod, family);
    if (!ip) continue;
    const addr = address(pod, svc, ip);
    const ready = publishNotReady || isPodReady(pod);
    const eps: EndpointPort[] = [];
    for (const sp of ports) {
      const n = findPort(pod, sp);
      if (n === undefined) continue;
      const p: EndpointPort = { name: sp.name ?? '', port: n, protocol: sp.protocol ?? 'TCP' };
      if (!p.name) delete p.name;
      if (sp.appProtocol) p.appProtocol = sp.appProtocol;
      eps.push(p);
    }
    // a pod exposing none of the service's ports backs nothing, unless a headless service has no ports at all
    if (eps.length === 0 && !(ports.length === 0 && isHeadless(svc))) continue;
    entries.set(`${ip}/${pod.metadata.uid}`, { addr, ready, ports: eps.sort(byPort) });
  }
  // group addresses by their exact port set (RepackSubsets)
  const groups = new Map<string, EndpointSubset>();
  for (const e of entries.values()) {
    const k = e.ports.map(portKey).join('|');
    let ss = groups.get(k);
    if (!ss) groups.set(k, (ss = e.ports.length ? { ports: e.ports } : {}));
    const list = e.ready ? (ss.addresses ??= []) : (ss.notReadyAddresses ??= []);
    list.push(e.addr);
  }
  const subsets = [...groups.values()];
  for (const ss of subsets) {
    ss.addresses?.sort(byAddress);
    ss.notReadyAddresses?.sort(byAddress);
  }
  const first = (ss: EndpointSubset) => (ss.addresses ?? ss.notReadyAddresses ?? [])[0]!;
  return subsets.sort((a, b) => byAddress(first(a), first(b)));
}

/**
 * Cut subsets down to MAX_CAPACITY addresses, ready ones first (upstream truncateEndpoints);
 * true when something was cut.
 */
export function truncateSubsets(subsets: EndpointSubset[]): boolean {
  const total = subsets.reduce((n, ss) => n + (ss.addresses?.length ?? 0) + (ss.notReadyAddresses?.length ?? 0), 0);
  if (total <= MAX_CAPACITY) return false;
  let room = MAX_CAPACITY;
  for (const ss of subsets) {
    const keep = Math.min(room, ss.addresses?.length ?? 0);
    if (ss.addresses) ss.addresses = ss.addresses.slice(0, keep);
    room -= keep;
  }
  for (const ss of subsets) {
    const keep = Math.min(room, ss.notReadyAddresses?.length ?? 0);
    if (ss.notReadyAddresses) ss.notReadyAddresses = ss.notReadyAddresses.slice(0, keep);
    room -= keep;
  }
  for (let i = subsets.length - 1; i >= 0; i--) if (!subsets[i]!.addresses?.length && !subsets[i]!.notReadyAddresses?.length) subsets.splice(i, 1);
  for (const ss of subsets) {
    if (ss.addresses?.length === 0) delete ss.addresses;
    if (ss.notReadyAddresses?.length === 0) delete ss.notReadyAddresses;
  }
  return true;
}
