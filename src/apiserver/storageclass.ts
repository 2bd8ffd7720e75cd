// DefaultStorageClass admission (kube-apiserver's plugin of that name): a claim that names no
// class gets the default one; and the default class every kubelite cluster starts with,
// `local-path`, served by the controller manager's local-path provisioner (as k3s ships it).
import { join } from 'node:path';
import { ApiError } from '../api/errors.js';
import type { KubeObject } from '../api/types.js';
import { isDefaultClass, IS_DEFAULT_CLASS } from './tables/storageclass.js';
import type { ResourceRegistry } from './registry.js';

const BETA_STORAGE_CLASS = 'volume.beta.kubernetes.io/storage-class';
export const LOCAL_PATH_CLASS = 'local-path';
export const LOCAL_PATH_PROVISIONER = 'rancher.io/local-path';

/** Sets spec.storageClassName of a new claim that has none (nil, not "") to the default class. */
export function admitDefaultStorageClass(pvc: KubeObject, classes: ResourceRegistry): void {
  const spec = (pvc.spec ??= {});
  if (spec.storageClassName !== undefined && spec.storageClassName !== null) return;
  if (pvc.metadata.annotations?.[BETA_STORAGE_CLASS] !== undefined) return;
  // several defaults: the newest wins, as upstream (ties by name)
  const defaults = classes
    .list({ namespace: '' })
    .entries.map((e) => e.obj)
    .filter(isDefaultClass)
    .sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '') || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  if (defaults[0]) spec.storageClassName = defaults[0].metadata.name;
}

/** Creates the default `local-path` class (volumes under <dataDir>/storage) unless it exists. */
export async function ensureDefaultStorageClass(classes: ResourceRegistry, dataDir: string): Promise<void> {
  if (classes.tryGet('', LOCAL_PATH_CLASS)) return;
  try {
    await classes.create('', {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: LOCAL_PATH_CLASS, annotations: { [IS_DEFAULT_CLASS]: 'true' } },
      provisioner: LOCAL_PATH_PROVISIONER,
      parameters: { nodePath: join(dataDir, 'storage') },
      reclaimPolicy: 'Delete',
      volumeBindingMode: 'WaitForFirstConsumer',
    });
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 409)) throw err;
  }
}
