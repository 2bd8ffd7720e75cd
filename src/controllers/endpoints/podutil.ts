// What the Endpoints and EndpointSlice controllers both need to know about a service and its
// pods (upstream endpointslice util and podutil.FindPort): which pods count, their IP for an
// address family, a service port resolved against a pod's named container ports, which pods
// get a hostname, whether a pod changed in a way endpoints care about.
import type { KubeObject } from '../../api/types.js';
import { isPodReady, isTerminalPod } from '../runtime/objects.js';

export interface ServicePort {
  name?: string;
  port?: number;
  protocol?: string;
  appProtocol?: string;
  targetPort?: number | string;
}

interface ContainerPort {
  name?: string;
  containerPort?: number;
  protocol?: string;
}

/**
 * A pod backs endpoints when it is not terminal and has an IP; a terminating pod only when
 * includeTerminating (upstream ShouldPodBeInEndpoints).
 */
export function shouldPodBeInEndpoints(pod: KubeObject, includeTerminating: boolean): boolean {
  if (isTerminalPod(pod)) return false;
  if (!pod.status?.podIP && !(pod.status?.podIPs as unknown[] | undefined)?.length) return false;
  return includeTerminating || !pod.metadata.deletionTimestamp;
}

const isV6 = (ip: string): boolean => ip.includes(':');

/** The pod's IP of the family (IPv4 or IPv6), if it has one. */
export function podIPFor(pod: KubeObject, family: string): string | undefined {
  const ips = ((pod.status?.podIPs ?? []) as { ip?: string }[]).map((x) => x.ip).filter((x): x is string => !!x);
  if (ips.length === 0 && typeof pod.status?.podIP === 'string') ips.push(pod.status.podIP);
  return ips.find((ip) => isV6(ip) === (family === 'IPv6'));
}

/** The service's address families (spec.ipFamilies, else from its cluster IP, else IPv4). */
export function serviceFamilies(svc: KubeObject): string[] {
  const fams = svc.spec?.ipFamilies as string[] | undefined;
  if (fams?.length) return fams;
  const ip = svc.spec?.clusterIP as string | undefined;
  return [ip && ip !== 'None' && isV6(ip) ? 'IPv6' : 'IPv4'];
}

/** The port number a service port reaches on this pod; undefined when a named port is missing (upstream FindPort). */
export function findPort(pod: KubeObject, sp: ServicePort): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === 'number') return target;
  if (typeof target === 'string' && /^\d+$/.test(target)) return Number(target);
  const proto = sp.protocol ?? 'TCP';
  const sidecars = ((pod.spec?.initContainers ?? []) as { restartPolicy?: string; ports?: ContainerPort[] }[]).filter((c) => c.restartPolicy === 'Always');
  for (const c of [...((pod.spec?.containers ?? []) as { ports?: ContainerPort[] }[]), ...sidecars]) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === proto) return p.containerPort;
  }
  return undefined;
}

/** A pod's hostname is published when its subdomain is the service's name (upstream ShouldSetHostname). */
export function shouldSetHostname(pod: KubeObject, svc: KubeObject): boolean {
  return !!pod.spec?.hostname && pod.spec?.subdomain === svc.metadata.name && pod.metadata.namespace === svc.metadata.namespace;
}

/** No cluster IP: DNS answers with the endpoints themselves. */
export function isHeadless(svc: KubeObject): boolean {
  const ip = svc.spec?.clusterIP;
  return !ip || ip === 'None';
}

export const HEADLESS_LABEL = 'service.kubernetes.io/headless';

/** Same keys and values (label maps; undefined and {} are equal). */
function sameStringMap(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  if (a === b) return true;
  const ak = a ? Object.keys(a) : [];
  if (ak.length !== (b ? Object.keys(b).length : 0)) return false;
  for (const k of ak) if (a![k] !== b?.[k]) return false;
  return true;
}

function samePodIPs(a: unknown, b: unknown): boolean {
  const x = (a ?? []) as { ip?: string }[];
  const y = (b ?? []) as { ip?: string }[];
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i]?.ip !== y[i]?.ip) return false;
  return true;
}

/**
 * Whether a pod changed in a part endpoints are made of (labels, IPs, readiness, deletion,
 * terminal phase, node, hostname, subdomain); an update that changes none of them is no news.
 * Compared field by field: it runs for every pod update in the cluster.
 */
export function podEndpointsChanged(old: KubeObject, cur: KubeObject): boolean {
  return !(
    sameStringMap(old.metadata.labels, cur.metadata.labels) &&
    (old.status?.podIP ?? '') === (cur.status?.podIP ?? '') &&
    samePodIPs(old.status?.podIPs, cur.status?.podIPs) &&
    isPodReady(old) === isPodReady(cur) &&
    !old.metadata.deletionTimestamp === !cur.metadata.deletionTimestamp &&
    isTerminalPod(old) === isTerminalPod(cur) &&
    (old.spec?.nodeName ?? '') === (cur.spec?.nodeName ?? '') &&
    (old.spec?.hostname ?? '') === (cur.spec?.hostname ?? '') &&
    (old.spec?.subdomain ?? '') === (cur.spec?.subdomain ?? '')
  );
}

/** The Ready condition's last transition: when the pod last changed for endpoints (upstream getPodTriggerTime). */
export function podTriggerTime(pod: KubeObject): number | undefined {
  const c = ((pod.status?.conditions ?? []) as { type: string; lastTransitionTime?: string }[]).find((x) => x.type === 'Ready');
  const t = c?.lastTransitionTime ? Date.parse(c.lastTransitionTime) : NaN;
  return Number.isNaN(t) ? undefined : t;
}
