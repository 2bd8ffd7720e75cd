// Defaulting entry point: mutates an object in place the way kube-apiserver's decoder +
// SetDefaults_* (+ the ServiceAccount admission's pod default) would.
import type { GVK, KubeObject } from '../types.js';
import { isObj } from '../validation/shapes.js';
import type { PodSpec } from '../validation/shapes.js';
import { defaultEndpoints, defaultNamespace, defaultNode, defaultPV, defaultPVC, defaultSecret, defaultService } from './core.js';
import { defaultEndpointSlice } from './discovery.js';
import { defaultPodObjectSpec } from './pod.js';
import { canonicalizeQuantities } from './quantities.js';
import {
  defaultCronJob,
  defaultDaemonSet,
  defaultDeployment,
  defaultJob,
  defaultReplicaSet,
  defaultReplicationController,
  defaultStatefulSet,
} from './workloads.js';

export { canonicalizeQuantities } from './quantities.js';
export { imageTag } from './pod.js';

type Defaulter = (obj: KubeObject) => void;

const DEFAULTERS: Record<string, Defaulter> = {
  '/Pod': (obj) => {
    if (!isObj(obj.spec)) obj.spec = {};
    // ServiceAccount admission leaves mirror pods alone: they may not reference service accounts
    defaultPodObjectSpec(obj.spec as PodSpec, obj.metadata?.annotations?.['kubernetes.io/config.mirror'] !== undefined);
  },
  '/Service': defaultService,
  '/Secret': defaultSecret,
  '/Namespace': defaultNamespace,
  '/PersistentVolumeClaim': defaultPVC,
  '/PersistentVolume': defaultPV,
  '/Node': defaultNode,
  '/Endpoints': defaultEndpoints,
  '/ReplicationController': defaultReplicationController,
  'apps/Deployment': defaultDeployment,
  'apps/ReplicaSet': defaultReplicaSet,
  'apps/DaemonSet': defaultDaemonSet,
  'apps/StatefulSet': defaultStatefulSet,
  'batch/Job': defaultJob,
  'batch/CronJob': defaultCronJob,
  'discovery.k8s.io/EndpointSlice': defaultEndpointSlice,
  'storage.k8s.io/StorageClass': (obj) => {
    if (!obj.reclaimPolicy) obj.reclaimPolicy = 'Delete';
    if (!obj.volumeBindingMode) obj.volumeBindingMode = 'Immediate';
  },
};

/**
 * Applies upstream defaults in place. Quantities are canonicalized first; an invalid quantity
 * throws ApiError 400 (upstream rejects it while decoding, before defaulting or validation).
 */
export function applyDefaults(gvk: GVK, obj: KubeObject): void {
  canonicalizeQuantities(gvk, obj);
  DEFAULTERS[`${gvk.group}/${gvk.kind}`]?.(obj);
}
