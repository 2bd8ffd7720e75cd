// Core v1 defaults for the non-pod kinds (SetDefaults_Service, _Secret, _Namespace, ...).
import type { KubeObject } from '../types.js';
import { isObj } from '../validation/shapes.js';

type Rec = Record<string, unknown>;
const unset = (v: unknown): boolean => v === undefined || v === null;

function specOf(obj: KubeObject): Rec {
  if (!isObj(obj.spec)) obj.spec = {};
  return obj.spec as Rec;
}
function statusOf(obj: KubeObject): Rec {
  if (!isObj(obj.status)) obj.status = {};
  return obj.status as Rec;
}

export function defaultService(obj: KubeObject): void {
  const spec = specOf(obj);
  if (!spec.sessionAffinity) spec.sessionAffinity = 'None';
  if (!spec.type) spec.type = 'ClusterIP';
  if (Array.isArray(spec.ports)) {
    for (const p of spec.ports as Rec[]) {
      if (!isObj(p)) continue;
      if (!p.protocol) p.protocol = 'TCP';
      if (unset(p.targetPort) || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
    }
  }
  if ((spec.type === 'NodePort' || spec.type === 'LoadBalancer') && !spec.externalTrafficPolicy) spec.externalTrafficPolicy = 'Cluster';
  if (unset(spec.internalTrafficPolicy) && spec.type !== 'ExternalName') spec.internalTrafficPolicy = 'Cluster';
  if (spec.type === 'LoadBalancer' && unset(spec.allocateLoadBalancerNodePorts)) spec.allocateLoadBalancerNodePorts = true;
  if (spec.sessionAffinity === 'ClientIP') {
    const cfg = isObj(spec.sessionAffinityConfig) ? spec.sessionAffinityConfig : (spec.sessionAffinityConfig = {});
    const cip = isObj(cfg.clientIP) ? cfg.clientIP : (cfg.clientIP = {});
    if (unset(cip.timeoutSeconds)) cip.timeoutSeconds = 10800;
  }
  const status = statusOf(obj);
  if (!isObj(status.loadBalancer)) status.loadBalancer = {};
}

export function defaultSecret(obj: KubeObject): void {
  if (!obj.type) obj.type = 'Opaque';
}

export function defaultNamespace(obj: KubeObject): void {
  const name = obj.metadata.name;
  if (name) obj.metadata.labels = { ...(obj.metadata.labels ?? {}), 'kubernetes.io/metadata.name': name };
  const status = statusOf(obj);
  if (!status.phase) status.phase = 'Active';
}

export function defaultPVC(obj: KubeObject): void {
  const spec = specOf(obj);
  if (!spec.volumeMode) spec.volumeMode = 'Filesystem';
  if (!isObj(spec.resources)) spec.resources = {};
  const status = statusOf(obj);
  if (!status.phase) status.phase = 'Pending';
}

export function defaultPV(obj: KubeObject): void {
  const spec = specOf(obj);
  if (!spec.persistentVolumeReclaimPolicy) spec.persistentVolumeReclaimPolicy = 'Retain';
  if (!spec.volumeMode) spec.volumeMode = 'Filesystem';
  if (isObj(spec.hostPath) && spec.hostPath.type === undefined) spec.hostPath.type = '';
  const status = statusOf(obj);
  if (!status.phase) status.phase = 'Pending';
}

export function defaultNode(obj: KubeObject): void {
  specOf(obj);
  const status = obj.status;
  if (isObj(status) && isObj(status.capacity) && unset(status.allocatable)) status.allocatable = { ...status.capacity };
}

export function defaultEndpoints(obj: KubeObject): void {
  const subsets = obj.subsets;
  if (!Array.isArray(subsets)) return;
  for (const ss of subsets as Rec[]) {
    if (!isObj(ss) || !Array.isArray(ss.ports)) continue;
    for (const p of ss.ports as Rec[]) if (isObj(p) && !p.protocol) p.protocol = 'TCP';
  }
}
