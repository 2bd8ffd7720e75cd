// Validation entry point: one function for every served kind, on create (old undefined) and
// update (old present). Run after applyDefaults, as kube-apiserver does.
import type { FieldError } from '../errors.js';
import type { GVK, KubeObject } from '../types.js';
import { validateCronJob, validateJob, validateJobUpdate } from './batch.js';
import {
  validateConfigMap,
  validateEndpoints,
  validateEvent,
  validateLease,
  validateNamespace,
  validateNode,
  validatePV,
  validatePVC,
  validateSecret,
  validateServiceAccount,
} from './core.js';
import { validateEndpointSlice } from './discovery.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { nameIsDNSSubdomain } from './names.js';
import { validatePodCreate } from './pod.js';
import { validatePodUpdate } from './podupdate.js';
import { validateService } from './service.js';
import { validatePriorityClass } from './scheduling.js';
import { validateStorageClass } from './storageclass.js';
import {
  validateAppsUpdate,
  validateDaemonSet,
  validateDeployment,
  validateReplicaSet,
  validateReplicationController,
  validateStatefulSet,
} from './workloads.js';

type Validator = (obj: KubeObject, old?: KubeObject) => FieldError[];

/** Create-time validator plus the update-only checks layered on top. */
const withMetaUpdate =
  (v: (o: KubeObject) => FieldError[], upd?: (o: KubeObject, old: KubeObject) => FieldError[]): Validator =>
  (obj, old) => {
    if (!old) return v(obj);
    const metaErrs = upd ? upd(obj, old) : validateObjectMetaUpdate(obj.metadata, old.metadata);
    return [...metaErrs, ...v(obj).filter((e) => !metaErrs.some((m) => m.field === e.field && m.detail === e.detail))];
  };

const apps = (kind: string, v: (o: KubeObject) => FieldError[]): Validator =>
  withMetaUpdate(v, (o, old) => validateAppsUpdate(kind, o, old));

const VALIDATORS: Record<string, Validator> = {
  '/Pod': (obj, old) => (old ? validatePodUpdate(obj, old) : validatePodCreate(obj)),
  '/Service': (obj, old) => validateService(obj, old),
  '/ConfigMap': (obj, old) => [...(old ? validateObjectMetaUpdate(obj.metadata, old.metadata) : []), ...validateConfigMap(obj, old)],
  '/Secret': (obj, old) => [...(old ? validateObjectMetaUpdate(obj.metadata, old.metadata) : []), ...validateSecret(obj, old)],
  '/Namespace': withMetaUpdate(validateNamespace),
  '/Node': withMetaUpdate(validateNode),
  '/Event': withMetaUpdate(validateEvent),
  '/Endpoints': withMetaUpdate(validateEndpoints),
  '/ServiceAccount': withMetaUpdate(validateServiceAccount),
  '/PersistentVolume': withMetaUpdate(validatePV),
  '/PersistentVolumeClaim': (obj, old) => [...(old ? validateObjectMetaUpdate(obj.metadata, old.metadata) : []), ...validatePVC(obj, old)],
  '/ReplicationController': apps('ReplicationController', validateReplicationController),
  'apps/Deployment': apps('Deployment', validateDeployment),
  'apps/ReplicaSet': apps('ReplicaSet', validateReplicaSet),
  'apps/DaemonSet': apps('DaemonSet', validateDaemonSet),
  'apps/StatefulSet': apps('StatefulSet', validateStatefulSet),
  'batch/Job': withMetaUpdate(validateJob, validateJobUpdate),
  'batch/CronJob': (obj, old) => validateCronJob(obj, old),
  'coordination.k8s.io/Lease': withMetaUpdate(validateLease),
  'scheduling.k8s.io/PriorityClass': (obj, old) => validatePriorityClass(obj, old),
  'discovery.k8s.io/EndpointSlice': (obj, old) => [...(old ? validateObjectMetaUpdate(obj.metadata, old.metadata) : []), ...validateEndpointSlice(obj, old)],
  'storage.k8s.io/StorageClass': (obj, old) => validateStorageClass(obj, old),
};

/**
 * Validates an object; `old` is the stored object on update. Returns every problem found,
 * in Kubernetes' wording and field paths; empty means valid. Kinds without specific rules
 * get namespaced ObjectMeta validation with DNS-1123 subdomain names.
 */
export function validateObject(gvk: GVK, obj: KubeObject, old?: KubeObject): FieldError[] {
  if (old && isStatusOnlyChange(gvk, obj, old)) return validateObjectMetaUpdate(obj.metadata, old.metadata);
  const v = VALIDATORS[`${gvk.group}/${gvk.kind}`];
  if (v) return v(obj, old);
  return old ? validateObjectMetaUpdate(obj.metadata, old.metadata) : validateObjectMeta(obj.metadata, true, nameIsDNSSubdomain);
}

/** Kinds whose validation looks at status (their status writes are validated in full). */
const VALIDATES_STATUS = new Set(['/Node']);

/**
 * An update that changes nothing but status and metadata.managedFields (a status-subresource
 * write: the registry copies every other member from the stored object, so they are the very
 * same values). As upstream's status strategies (ValidatePodStatusUpdate and the like), such a
 * write is checked for its metadata update, not for a spec it cannot change.
 */
function isStatusOnlyChange(gvk: GVK, obj: KubeObject, old: KubeObject): boolean {
  if (VALIDATES_STATUS.has(`${gvk.group}/${gvk.kind}`)) return false;
  for (const k of Object.keys(obj)) if (k !== 'status' && k !== 'metadata' && obj[k] !== old[k]) return false;
  for (const k of Object.keys(old)) if (k !== 'status' && k !== 'metadata' && !(k in obj)) return false;
  const m = obj.metadata as Record<string, unknown>;
  const om = old.metadata as Record<string, unknown>;
  if (!m || !om) return false;
  for (const k of Object.keys(m)) if (k !== 'managedFields' && m[k] !== om[k]) return false;
  for (const k of Object.keys(om)) if (k !== 'managedFields' && !(k in m)) return false;
  return true;
}

export { validateObjectMeta, validateObjectMetaUpdate, validateLabels, validateAnnotations, validateLabelSelector } from './meta.js';
export * as names from './names.js';
export { cronScheduleError } from './cron.js';
