// ClusterLister implementations for tests, benchmarks and a scheduler without informers yet.
import type { KubeObject } from '../../api/types.js';
import type { ClusterLister, Handle } from './types.js';

export const EMPTY_LISTER: ClusterLister = {
  namespaces: () => [],
  namespaceLabels: () => undefined,
  services: () => [],
  controller: () => undefined,
};

/** A lister over a fixed list of Namespaces, Services, ReplicaSets, StatefulSets and RCs. */
export function staticLister(objects: readonly KubeObject[]): ClusterLister {
  const namespaces = objects
    .filter((o) => o.kind === 'Namespace')
    .map((o) => ({ name: o.metadata.name ?? '', labels: o.metadata.labels ?? {} }));
  const nsLabels = new Map(namespaces.map((n) => [n.name, n.labels]));
  const services = new Map<string, KubeObject[]>();
  const controllers = new Map<string, KubeObject>();
  for (const o of objects) {
    const ns = o.metadata.namespace ?? 'default';
    if (o.kind === 'Service') {
      const l = services.get(ns) ?? [];
      l.push(o);
      services.set(ns, l);
    } else if (o.kind === 'ReplicaSet' || o.kind === 'StatefulSet' || o.kind === 'ReplicationController') {
      controllers.set(`${o.kind}/${ns}/${o.metadata.name}`, o);
    }
  }
  return {
    namespaces: () => namespaces,
    namespaceLabels: (name) => nsLabels.get(name),
    services: (ns) => services.get(ns) ?? [],
    controller: (kind, ns, name) => controllers.get(`${kind}/${ns}/${name}`),
  };
}

export function handleOf(lister: ClusterLister = EMPTY_LISTER): Handle {
  return { lister };
}
