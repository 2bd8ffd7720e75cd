// The catalog of served resources: what discovery, routing, tables and OpenAPI agree on.
import type { GVK } from './types.js';

export type Verb = 'create' | 'delete' | 'deletecollection' | 'get' | 'list' | 'patch' | 'update' | 'watch';

export interface SubresourceInfo {
  name: string; // status, scale, binding, eviction, log, exec, attach, portforward
  kind: GVK; // response kind
  verbs: Verb[] | string[];
}

export interface ResourceInfo {
  group: string;
  version: string;
  resource: string; // plural
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: Verb[];
  subresources: SubresourceInfo[];
}

const ALL: Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const gvk = (group: string, version: string, kind: string): GVK => ({ group, version, kind });
const status = (g: string, v: string, k: string): SubresourceInfo => ({ name: 'status', kind: gvk(g, v, k), verbs: ['get', 'patch', 'update'] });
const scale = (): SubresourceInfo => ({ name: 'scale', kind: gvk('autoscaling', 'v1', 'Scale'), verbs: ['get', 'patch', 'update'] });

function r(
  group: string,
  version: string,
  resource: string,
  kind: string,
  namespaced: boolean,
  opts: { short?: string[]; cats?: string[]; subs?: (g: string, v: string, k: string) => SubresourceInfo[]; verbs?: Verb[] } = {},
): ResourceInfo {
  return {
    group,
    version,
    resource,
    singular: kind.toLowerCase(),
    kind,
    listKind: kind + 'List',
    namespaced,
    shortNames: opts.short ?? [],
    categories: opts.cats ?? [],
    verbs: opts.verbs ?? ALL,
    subresources: opts.subs ? opts.subs(group, version, kind) : [],
  };
}

export const RESOURCES: ResourceInfo[] = [
  r('', 'v1', 'namespaces', 'Namespace', false, {
    short: ['ns'],
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    subs: (g, v, k) => [status(g, v, k), { name: 'finalize', kind: gvk(g, v, k), verbs: ['update'] }],
  }),
  r('', 'v1', 'pods', 'Pod', true, {
    short: ['po'],
    cats: ['all'],
    subs: (g, v, k) => [
      status(g, v, k),
      { name: 'binding', kind: gvk('', 'v1', 'Binding'), verbs: ['create'] },
      { name: 'eviction', kind: gvk('policy', 'v1', 'Eviction'), verbs: ['create'] },
      { name: 'log', kind: gvk('', 'v1', 'Pod'), verbs: ['get'] },
      { name: 'exec', kind: gvk('', 'v1', 'PodExecOptions'), verbs: ['create', 'get'] },
      { name: 'attach', kind: gvk('', 'v1', 'PodAttachOptions'), verbs: ['create', 'get'] },
      { name: 'portforward', kind: gvk('', 'v1', 'PodPortForwardOptions'), verbs: ['create', 'get'] },
    ],
  }),
  r('', 'v1', 'nodes', 'Node', false, { short: ['no'], subs: (g, v, k) => [status(g, v, k)] }),
  r('', 'v1', 'configmaps', 'ConfigMap', true, { short: ['cm'] }),
  r('', 'v1', 'secrets', 'Secret', true),
  r('', 'v1', 'services', 'Service', true, {
    short: ['svc'],
    cats: ['all'],
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    subs: (g, v, k) => [status(g, v, k)],
  }),
  r('', 'v1', 'endpoints', 'Endpoints', true, { short: ['ep'] }),
  r('', 'v1', 'events', 'Event', true, { short: ['ev'] }),
  r('', 'v1', 'serviceaccounts', 'ServiceAccount', true, { short: ['sa'] }),
  r('', 'v1', 'persistentvolumes', 'PersistentVolume', false, { short: ['pv'], subs: (g, v, k) => [status(g, v, k)] }),
  r('', 'v1', 'persistentvolumeclaims', 'PersistentVolumeClaim', true, { short: ['pvc'], subs: (g, v, k) => [status(g, v, k)] }),
  r('', 'v1', 'replicationcontrollers', 'ReplicationController', true, {
    short: ['rc'],
    cats: ['all'],
    subs: (g, v, k) => [status(g, v, k), scale()],
  }),
  r('apps', 'v1', 'deployments', 'Deployment', true, { short: ['deploy'], cats: ['all'], subs: (g, v, k) => [status(g, v, k), scale()] }),
  r('apps', 'v1', 'replicasets', 'ReplicaSet', true, { short: ['rs'], cats: ['all'], subs: (g, v, k) => [status(g, v, k), scale()] }),
  r('apps', 'v1', 'daemonsets', 'DaemonSet', true, { short: ['ds'], cats: ['all'], subs: (g, v, k) => [status(g, v, k)] }),
  r('apps', 'v1', 'statefulsets', 'StatefulSet', true, { short: ['sts'], cats: ['all'], subs: (g, v, k) => [status(g, v, k), scale()] }),
  r('apps', 'v1', 'controllerrevisions', 'ControllerRevision', true),
  r('batch', 'v1', 'jobs', 'Job', true, { cats: ['all'], subs: (g, v, k) => [status(g, v, k)] }),
  r('batch', 'v1', 'cronjobs', 'CronJob', true, { short: ['cj'], cats: ['all'], subs: (g, v, k) => [status(g, v, k)] }),
  r('coordination.k8s.io', 'v1', 'leases', 'Lease', true),
  r('scheduling.k8s.io', 'v1', 'priorityclasses', 'PriorityClass', false, { short: ['pc'] }),
  r('discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice', true),
];

/**
 * Create-only resources answered by a handler without storage (reviews, as upstream's authorization.k8s.io):
 * served in discovery, but unlike RESOURCES they get no registry, watch cache, table printer or OpenAPI document.
 */
export const VIRTUAL_RESOURCES: ResourceInfo[] = [
  r('authorization.k8s.io', 'v1', 'selfsubjectaccessreviews', 'SelfSubjectAccessReview', false, { verbs: ['create'] }),
];

/** Group order in discovery (core first, as upstream). */
export const GROUP_ORDER = ['', 'apps', 'batch', 'autoscaling', 'coordination.k8s.io', 'authorization.k8s.io', 'discovery.k8s.io'];

export function findResource(group: string, version: string, resource: string): ResourceInfo | undefined {
  return RESOURCES.find((x) => x.group === group && x.version === version && x.resource === resource);
}

export function findVirtualResource(group: string, version: string, resource: string): ResourceInfo | undefined {
  return VIRTUAL_RESOURCES.find((x) => x.group === group && x.version === version && x.resource === resource);
}

export function findByKind(group: string, kind: string): ResourceInfo | undefined {
  return RESOURCES.find((x) => x.group === group && x.kind === kind);
}

export function gvkOf(ri: ResourceInfo): GVK {
  return { group: ri.group, version: ri.version, kind: ri.kind };
}
