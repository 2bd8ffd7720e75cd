// Tables for simple core/v1 and coordination kinds: Namespace, Node, ConfigMap, Secret, ServiceAccount, Lease.
import type { KubeObject } from '../../api/types.js';
import { translateTimestampSince } from './duration.js';
import { AGE_COLUMN, column, NAME_COLUMN, wide, type TablePrinter } from './types.js';

const age = (o: KubeObject, now: number): string => translateTimestampSince(o.metadata.creationTimestamp, now);
const name = (o: KubeObject): string => o.metadata.name ?? '';
const count = (m: unknown): number => (m && typeof m === 'object' ? Object.keys(m).length : 0);

export const namespacePrinter: TablePrinter = {
  columns: [NAME_COLUMN, column('Status', 'string', 'Lifecycle phase of the namespace (Active or Terminating).'), AGE_COLUMN],
  cells: (o, now) => [name(o), String(o.status?.phase ?? ''), age(o, now)],
};

export const configMapPrinter: TablePrinter = {
  columns: [NAME_COLUMN, column('Data', 'string', 'Number of keys in data and binaryData.'), AGE_COLUMN],
  cells: (o, now) => [name(o), count(o.data) + count(o.binaryData), age(o, now)],
};

export const secretPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    column('Type', 'string', 'Kind of secret, which determines the keys it must contain.'),
    column('Data', 'string', 'Number of keys in data.'),
    AGE_COLUMN,
  ],
  cells: (o, now) => [name(o), String(o.type ?? ''), count(o.data), age(o, now)],
};

export const serviceAccountPrinter: TablePrinter = {
  columns: [NAME_COLUMN, column('Secrets', 'string', 'Number of secrets referenced by the service account.'), AGE_COLUMN],
  cells: (o, now) => [name(o), Array.isArray(o.secrets) ? o.secrets.length : 0, age(o, now)],
};

export const leasePrinter: TablePrinter = {
  columns: [NAME_COLUMN, column('Holder', 'string', 'Identity of the current holder of the lease.'), AGE_COLUMN],
  cells: (o, now) => [name(o), String(o.spec?.holderIdentity ?? ''), age(o, now)],
};

interface NodeShape {
  spec?: { unschedulable?: boolean };
  status?: {
    conditions?: { type?: string; status?: string }[];
    addresses?: { type?: string; address?: string }[];
    nodeInfo?: { kubeletVersion?: string; osImage?: string; kernelVersion?: string; containerRuntimeVersion?: string };
  };
}

/** Ready/NotReady from the Ready condition, Unknown without one, plus SchedulingDisabled when cordoned. */
export function nodeStatus(node: KubeObject): string {
  const n = node as NodeShape;
  const parts: string[] = [];
  const ready = (n.status?.conditions ?? []).filter((c) => c.type === 'Ready').pop();
  if (ready) parts.push(ready.status === 'True' ? 'Ready' : 'NotReady');
  else parts.push('Unknown');
  if (n.spec?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

const ROLE_PREFIX = 'node-role.kubernetes.io/';

/** Sorted unique roles from node-role.kubernetes.io/<role> keys and the kubernetes.io/role value. */
export function nodeRoles(node: KubeObject): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    if (k.startsWith(ROLE_PREFIX)) {
      const role = k.slice(ROLE_PREFIX.length);
      if (role) roles.add(role);
    } else if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  return roles.size === 0 ? '<none>' : [...roles].sort().join(',');
}

function nodeAddress(n: NodeShape, type: string): string {
  return (n.status?.addresses ?? []).find((a) => a.type === type)?.address ?? '<none>';
}

export const nodePrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    column('Status', 'string', 'Readiness of the node and whether scheduling is disabled.'),
    column('Roles', 'string', 'Roles taken from the node-role labels.'),
    AGE_COLUMN,
    column('Version', 'string', 'Kubelet version reported by the node.'),
    wide('Internal-IP', 'string', 'First InternalIP address of the node.'),
    wide('External-IP', 'string', 'First ExternalIP address of the node.'),
    wide('OS-Image', 'string', 'Operating system image reported by the node.'),
    wide('Kernel-Version', 'string', 'Kernel version reported by the node.'),
    wide('Container-Runtime', 'string', 'Container runtime name and version reported by the node.'),
  ],
  cells(o, now) {
    const n = o as NodeShape;
    const info = n.status?.nodeInfo ?? {};
    return [
      name(o),
      nodeStatus(o),
      nodeRoles(o),
      age(o, now),
      info.kubeletVersion ?? '',
      nodeAddress(n, 'InternalIP'),
      nodeAddress(n, 'ExternalIP'),
      info.osImage || '<unknown>',
      info.kernelVersion || '<unknown>',
      info.containerRuntimeVersion || '<unknown>',
    ];
  },
};

export const priorityClassPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    column('Value', 'integer', 'The priority of pods that use this class.'),
    column('Global-Default', 'boolean', 'Whether pods that name no class get this one.'),
    AGE_COLUMN,
    wide('PreemptionPolicy', 'string', 'Whether these pods may preempt lower-priority pods.'),
  ],
  cells: (o, now) => [name(o), Number(o.value ?? 0), Boolean(o.globalDefault ?? false), age(o, now), String(o.preemptionPolicy ?? 'PreemptLowerPriority')],
};
