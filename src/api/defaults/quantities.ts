// Quantities are decoded into resource.Quantity upstream and always re-serialized in canonical
// form (0.5 -> "500m", 1.5Gi -> "1536Mi", 1 -> "1"). A bad quantity fails decoding with 400.
import { ApiError } from '../errors.js';
import { canonicalQuantity, QuantityError } from '../quantity.js';
import type { GVK, KubeObject } from '../types.js';
import { isObj } from '../validation/shapes.js';

type Rec = Record<string, unknown>;

function canonList(list: unknown, bad: (msg: string) => never): void {
  if (!isObj(list)) return;
  for (const [k, v] of Object.entries(list)) {
    if (typeof v !== 'string' && typeof v !== 'number') continue;
    try {
      list[k] = canonicalQuantity(v);
    } catch (e) {
      if (e instanceof QuantityError) bad(e.message);
      throw e;
    }
  }
}

function canonField(o: unknown, key: string, bad: (msg: string) => never): void {
  if (!isObj(o)) return;
  const v = o[key];
  if (typeof v !== 'string' && typeof v !== 'number') return;
  try {
    o[key] = canonicalQuantity(v);
  } catch (e) {
    if (e instanceof QuantityError) bad(e.message);
    throw e;
  }
}

function podSpecQuantities(spec: unknown, bad: (msg: string) => never): void {
  if (!isObj(spec)) return;
  for (const list of ['containers', 'initContainers', 'ephemeralContainers']) {
    const cs = spec[list];
    if (!Array.isArray(cs)) continue;
    for (const c of cs as Rec[]) {
      if (!isObj(c)) continue;
      if (isObj(c.resources)) {
        canonList(c.resources.limits, bad);
        canonList(c.resources.requests, bad);
      }
      for (const e of (Array.isArray(c.env) ? c.env : []) as Rec[]) {
        const rf = isObj(e) && isObj(e.valueFrom) ? e.valueFrom.resourceFieldRef : undefined;
        canonField(rf, 'divisor', bad);
      }
    }
  }
  canonList(spec.overhead, bad);
  if (isObj(spec.resources)) {
    canonList(spec.resources.limits, bad);
    canonList(spec.resources.requests, bad);
  }
  for (const v of (Array.isArray(spec.volumes) ? spec.volumes : []) as Rec[]) {
    if (isObj(v)) canonField(v.emptyDir, 'sizeLimit', bad);
  }
}

function templateSpec(spec: Rec | undefined): unknown {
  return isObj(spec) && isObj(spec.template) ? spec.template.spec : undefined;
}

/**
 * Rewrites every quantity in the object to canonical form. Throws ApiError 400 with the
 * decoder's wording (`Pod in version "v1" cannot be handled as a Pod: quantities must match ...`).
 */
export function canonicalizeQuantities(gvk: GVK, obj: KubeObject): void {
  const bad = (msg: string): never => {
    throw ApiError.badRequest(`${gvk.kind} in version "${gvk.version}" cannot be handled as a ${gvk.kind}: ${msg}`);
  };
  const spec = isObj(obj.spec) ? (obj.spec as Rec) : undefined;
  const status = isObj(obj.status) ? (obj.status as Rec) : undefined;
  switch (gvk.kind) {
    case 'Pod':
      podSpecQuantities(spec, bad);
      break;
    case 'Deployment':
    case 'ReplicaSet':
    case 'ReplicationController':
    case 'DaemonSet':
    case 'Job':
      podSpecQuantities(templateSpec(spec), bad);
      break;
    case 'StatefulSet':
      podSpecQuantities(templateSpec(spec), bad);
      for (const pvc of (spec && Array.isArray(spec.volumeClaimTemplates) ? spec.volumeClaimTemplates : []) as Rec[]) {
        if (isObj(pvc) && isObj(pvc.spec) && isObj(pvc.spec.resources)) {
          canonList(pvc.spec.resources.requests, bad);
          canonList(pvc.spec.resources.limits, bad);
        }
      }
      break;
    case 'CronJob': {
      const jt = spec && isObj(spec.jobTemplate) ? spec.jobTemplate : undefined;
      podSpecQuantities(templateSpec(jt && isObj(jt.spec) ? jt.spec : undefined), bad);
      break;
    }
    case 'PersistentVolumeClaim':
      if (spec && isObj(spec.resources)) {
        canonList(spec.resources.requests, bad);
        canonList(spec.resources.limits, bad);
      }
      if (status) {
        canonList(status.capacity, bad);
        canonList(status.allocatedResources, bad);
      }
      break;
    case 'PersistentVolume':
      if (spec) canonList(spec.capacity, bad);
      break;
    case 'Node':
      if (status) {
        canonList(status.capacity, bad);
        canonList(status.allocatable, bad);
      }
      break;
  }
}
