// Shared helpers for the validation tests (a .test.ts file so it stays out of the build's API).
import { test } from 'node:test';
import { applyDefaults } from '../defaults/index.js';
import type { GVK, KubeObject } from '../types.js';
import { validateObject } from './index.js';

export const GVKS: Record<string, GVK> = {
  Pod: { group: '', version: 'v1', kind: 'Pod' },
  Service: { group: '', version: 'v1', kind: 'Service' },
  ConfigMap: { group: '', version: 'v1', kind: 'ConfigMap' },
  Secret: { group: '', version: 'v1', kind: 'Secret' },
  Namespace: { group: '', version: 'v1', kind: 'Namespace' },
  PersistentVolumeClaim: { group: '', version: 'v1', kind: 'PersistentVolumeClaim' },
  PersistentVolume: { group: '', version: 'v1', kind: 'PersistentVolume' },
  ReplicationController: { group: '', version: 'v1', kind: 'ReplicationController' },
  Event: { group: '', version: 'v1', kind: 'Event' },
  Lease: { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease' },
  Deployment: { group: 'apps', version: 'v1', kind: 'Deployment' },
  ReplicaSet: { group: 'apps', version: 'v1', kind: 'ReplicaSet' },
  DaemonSet: { group: 'apps', version: 'v1', kind: 'DaemonSet' },
  StatefulSet: { group: 'apps', version: 'v1', kind: 'StatefulSet' },
  Job: { group: 'batch', version: 'v1', kind: 'Job' },
  CronJob: { group: 'batch', version: 'v1', kind: 'CronJob' },
};

/** Defaults then validates; returns `field: message` lines and the raw errors. */
export function check(obj: KubeObject, old?: KubeObject): string[] {
  const gvk = GVKS[obj.kind];
  applyDefaults(gvk, obj);
  return validateObject(gvk, obj, old).map((e) => `${e.field}: ${e.detailMessage()}`);
}

export const clone = <T>(v: T): T => structuredClone(v);

test('testutil loads', () => undefined);
