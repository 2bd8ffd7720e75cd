// What differs between ReplicaSet (apps/v1) and ReplicationController (v1): paths, kind and
// how the selector is spelled. Everything else is shared code.
import type { KubeObject } from '../../api/types.js';
import { selectorFromLabelSelector, selectorFromSet, type LabelSelector } from '../../api/labels.js';

export interface ReplicatedKind {
  kind: 'ReplicaSet' | 'ReplicationController';
  apiVersion: string;
  /** collection path across namespaces, for the informer */
  listPath: string;
  /** path of one object */
  path(namespace: string, name: string): string;
  selector(obj: KubeObject): LabelSelector;
  controllerName: string;
}

export const REPLICA_SET: ReplicatedKind = {
  kind: 'ReplicaSet',
  apiVersion: 'apps/v1',
  listPath: '/apis/apps/v1/replicasets',
  path: (ns, name) => `/apis/apps/v1/namespaces/${ns}/replicasets/${name}`,
  selector: (o) => selectorFromLabelSelector(o.spec?.selector),
  controllerName: 'replicaset-controller',
};

export const REPLICATION_CONTROLLER: ReplicatedKind = {
  kind: 'ReplicationController',
  apiVersion: 'v1',
  listPath: '/api/v1/replicationcontrollers',
  path: (ns, name) => `/api/v1/namespaces/${ns}/replicationcontrollers/${name}`,
  selector: (o) => selectorFromSet(o.spec?.selector as Record<string, string> | undefined),
  controllerName: 'replicationcontroller-controller',
};
