// Which slices to create, update and delete for one service and address type (upstream
// reconciler.reconcileByAddressType, simplified): endpoints stay in the slice they are in as
// long as its port set still applies, gone ones are dropped, new ones fill slices with room
// before new slices are made, and a service with no endpoints keeps one empty placeholder.
import type { KubeObject } from '../../api/types.js';
import { stableJson } from '../runtime/objects.js';
import { endpointKey, sliceLabels, type Endpoint, type SlicePort } from './endpoint.js';

export const MAX_ENDPOINTS_PER_SLICE = 100;

export interface DesiredGroup {
  ports: SlicePort[];
  endpoints: Map<string, Endpoint>;
}

export interface SlicePlan {
  create: KubeObject[];
  update: KubeObject[];
  delete: KubeObject[];
}

export const portsKey = (ports: unknown): string => stableJson(((ports ?? []) as SlicePort[]).map((p) => [p.name ?? '', p.port, p.protocol ?? 'TCP', p.appProtocol ?? '']).sort());

interface Slot {
  slice: KubeObject;
  endpoints: Endpoint[];
  changed: boolean;
}

function newSlice(svc: KubeObject, addressType: string, ports: SlicePort[], endpoints: Endpoint[]): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: `${svc.metadata.name}-`,
      namespace: svc.metadata.namespace,
      labels: sliceLabels(svc),
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: svc.metadata.name!, uid: svc.metadata.uid!, controller: true, blockOwnerDeletion: true }],
    },
    addressType,
    endpoints,
    ports,
  };
}

const isPlaceholder = (s: KubeObject): boolean => !(s.endpoints as unknown[] | undefined)?.length && !(s.ports as unknown[] | undefined)?.length;

export function planSlices(svc: KubeObject, addressType: string, desired: Map<string, DesiredGroup>, existing: KubeObject[]): SlicePlan {
  const plan: SlicePlan = { create: [], update: [], delete: [] };
  const labels = sliceLabels(svc);
  const placed = new Set<string>();
  const slots = new Map<string, Slot[]>();
  for (const s of existing) {
    const pk = portsKey(s.ports);
    const group = desired.get(pk);
    if (!group) {
      plan.delete.push(s);
      continue;
    }
    const kept: Endpoint[] = [];
    let changed = stableJson(s.metadata.labels ?? {}) !== stableJson(labels);
    for (const ep of (s.endpoints ?? []) as Endpoint[]) {
      const k = endpointKey(ep);
      const want = group.endpoints.get(k);
      if (!want || placed.has(k)) {
        changed = true;
        continue;
      }
      placed.add(k);
      kept.push(want);
      if (stableJson(want) !== stableJson(ep)) changed = true;
    }
    if (kept.length === 0) {
      plan.delete.push(s);
      continue;
    }
    let list = slots.get(pk);
    if (!list) slots.set(pk, (list = []));
    list.push({ slice: s, endpoints: kept, changed });
  }
  for (const [pk, group] of desired) {
    let rest = [...group.endpoints].filter(([k]) => !placed.has(k)).map(([, ep]) => ep);
    // slices we write anyway take new endpoints first, then the fullest ones
    const room = (slots.get(pk) ?? []).sort((a, b) => Number(b.changed) - Number(a.changed) || b.endpoints.length - a.endpoints.length);
    for (const slot of room) {
      if (rest.length === 0) break;
      const n = MAX_ENDPOINTS_PER_SLICE - slot.endpoints.length;
      if (n <= 0) continue;
      slot.endpoints.push(...rest.slice(0, n));
      rest = rest.slice(n);
      slot.changed = true;
    }
    for (let i = 0; i < rest.length; i += MAX_ENDPOINTS_PER_SLICE) plan.create.push(newSlice(svc, addressType, group.ports, rest.slice(i, i + MAX_ENDPOINTS_PER_SLICE)));
  }
  for (const list of slots.values()) {
    for (const slot of list) {
      if (!slot.changed) continue;
      plan.update.push({ ...slot.slice, metadata: { ...slot.slice.metadata, labels }, endpoints: slot.endpoints });
    }
  }
  // a service without endpoints keeps one empty slice, so consumers can tell "none" from "not synced"
  if (slots.size === 0 && plan.create.length === 0) {
    const old = plan.delete.find(isPlaceholder);
    if (!old) plan.create.push(newSlice(svc, addressType, [], []));
    else {
      plan.delete = plan.delete.filter((s) => s !== old);
      if (stableJson(old.metadata.labels ?? {}) !== stableJson(labels)) plan.update.push({ ...old, metadata: { ...old.metadata, labels } });
    }
  }
  return plan;
}
