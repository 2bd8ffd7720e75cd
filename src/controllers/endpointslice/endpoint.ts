// One pod as an EndpointSlice endpoint, and the slice ports it exposes (upstream
// podToEndpoint, getEndpointPorts, setEndpointSliceLabels): ready/serving/terminating
// conditions, targetRef, nodeName, zone, hostname; the labels every managed slice carries.
import type { KubeObject } from '../../api/types.js';
import { isPodReady } from '../runtime/objects.js';
import { findPort, HEADLESS_LABEL, isHeadless, podIPFor, shouldSetHostname, type ServicePort } from '../endpoints/podutil.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
const ZONE_LABEL = 'topology.kubernetes.io/zone';

export interface Endpoint {
  addresses: string[];
  conditions: { ready: boolean; serving: boolean; terminating: boolean };
  hostname?: string;
  nodeName?: string;
  zone?: string;
  targetRef?: { kind: string; namespace?: string; name?: string; uid?: string };
}

export interface SlicePort {
  name: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

/** The endpoint for pod in svc's slices of addressType, or undefined when it has no IP of that type. */
export function podToEndpoint(pod: KubeObject, node: KubeObject | undefined, svc: KubeObject, addressType: string): Endpoint | undefined {
  const ip = podIPFor(pod, addressType);
  if (!ip) return undefined;
  const serving = isPodReady(pod);
  const terminating = !!pod.metadata.deletionTimestamp;
  // a terminating pod is never "ready", unless the service publishes not-ready addresses
  const ready = svc.spec?.publishNotReadyAddresses === true || (serving && !terminating);
  const ep: Endpoint = { addresses: [ip], conditions: { ready, serving, terminating } };
  if (shouldSetHostname(pod, svc)) ep.hostname = pod.spec.hostname as string;
  if (pod.spec?.nodeName) ep.nodeName = pod.spec.nodeName as string;
  const zone = node?.metadata.labels?.[ZONE_LABEL];
  if (zone) ep.zone = zone;
  ep.targetRef = { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid };
  return ep;
}

/** The service's ports as this pod serves them; ports whose named target the pod lacks are left out. */
export function endpointPorts(svc: KubeObject, pod: KubeObject): SlicePort[] {
  const out: SlicePort[] = [];
  for (const sp of (svc.spec?.ports ?? []) as ServicePort[]) {
    const n = findPort(pod, sp);
    if (n === undefined) continue;
    const p: SlicePort = { name: sp.name ?? '', port: n, protocol: sp.protocol ?? 'TCP' };
    if (sp.appProtocol) p.appProtocol = sp.appProtocol;
    out.push(p);
  }
  return out;
}

const RESERVED = new Set([SERVICE_NAME_LABEL, MANAGED_BY_LABEL, HEADLESS_LABEL]);

/** The service's labels (minus reserved ones) plus service name, manager and the headless marker. */
export function sliceLabels(svc: KubeObject): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.metadata.labels ?? {})) if (!RESERVED.has(k)) labels[k] = v;
  if (isHeadless(svc)) labels[HEADLESS_LABEL] = '';
  labels[SERVICE_NAME_LABEL] = svc.metadata.name!;
  labels[MANAGED_BY_LABEL] = CONTROLLER_NAME;
  return labels;
}

/** Identity of an endpoint across syncs: its pod, or its addresses. */
export function endpointKey(ep: Endpoint): string {
  return ep.targetRef?.uid ? `pod/${ep.targetRef.uid}` : `ip/${ep.addresses.join(',')}`;
}
