// Node health as the node lifecycle controller sees it (upstream tryUpdateNodeHealth): a node
// is alive while its kubelet renews the Lease kube-node-lease/<node> or posts a new Ready
// heartbeat. Times are when *we* saw a change, on our clock, so clock skew between machines
// does not matter. Past the grace period the node's conditions become Unknown.
import type { KubeObject } from '../../api/types.js';
import type { Condition } from '../runtime/objects.js';

/** The conditions the controller marks Unknown when the kubelet goes silent. */
export const MONITORED_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'] as const;

export const REASON_UNKNOWN = 'NodeStatusUnknown';
export const MESSAGE_UNKNOWN = 'Kubelet stopped posting node status.';
export const REASON_NEVER_UPDATED = 'NodeStatusNeverUpdated';
export const MESSAGE_NEVER_UPDATED = 'Kubelet never posted node status.';

export interface NodeHealth {
  uid: string;
  /** our clock when we last saw a sign of life */
  probeMs: number;
  readyHeartbeat: string | undefined;
  leaseRenew: string | undefined;
  /** Ready status when last reconciled: transitions from True trigger the NotReady steps */
  lastReady: string | undefined;
}

export function nodeConditions(node: KubeObject): Condition[] {
  const c: unknown = node.status?.conditions;
  return Array.isArray(c) ? (c as Condition[]) : [];
}

export function readyCondition(node: KubeObject): Condition | undefined {
  return nodeConditions(node).find((c) => c.type === 'Ready');
}

/** Update (or start) the health record from the node and its lease; returns the record. */
export function observe(prev: NodeHealth | undefined, node: KubeObject, lease: KubeObject | undefined, now: number): NodeHealth {
  const heartbeat = readyCondition(node)?.lastHeartbeatTime as string | undefined;
  const renew = lease?.spec?.renewTime as string | undefined;
  if (!prev || prev.uid !== node.metadata.uid) {
    return { uid: node.metadata.uid ?? '', probeMs: now, readyHeartbeat: heartbeat, leaseRenew: renew, lastReady: undefined };
  }
  if (heartbeat !== prev.readyHeartbeat) {
    prev.readyHeartbeat = heartbeat;
    prev.probeMs = now;
  }
  // only a newer renewal counts (a lease recreated with an old time is no sign of life)
  if (renew !== undefined && (prev.leaseRenew === undefined || Date.parse(renew) > Date.parse(prev.leaseRenew))) {
    prev.leaseRenew = renew;
    prev.probeMs = now;
  }
  return prev;
}

/**
 * The node's conditions with every monitored one Unknown (the kubelet stopped posting), or
 * undefined when they already are. Heartbeat times are kept: they say when the kubelet last
 * spoke.
 */
export function unknownConditions(node: KubeObject, nowRFC3339: string): Condition[] | undefined {
  const conds = nodeConditions(node).map((c) => ({ ...c }));
  let changed = false;
  for (const type of MONITORED_CONDITIONS) {
    const c = conds.find((x) => x.type === type);
    if (!c) {
      const created = (node.metadata.creationTimestamp as string | undefined) ?? nowRFC3339;
      conds.push({ type, status: 'Unknown', reason: REASON_NEVER_UPDATED, message: MESSAGE_NEVER_UPDATED, lastHeartbeatTime: created, lastTransitionTime: nowRFC3339 });
      changed = true;
    } else if (c.status !== 'Unknown') {
      c.status = 'Unknown';
      c.reason = REASON_UNKNOWN;
      c.message = MESSAGE_UNKNOWN;
      c.lastTransitionTime = nowRFC3339;
      changed = true;
    }
  }
  return changed ? conds : undefined;
}
