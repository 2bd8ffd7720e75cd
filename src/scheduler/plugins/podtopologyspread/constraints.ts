// Topology spread constraints: the pod's own, or the system defaults for pods that belong to a
// Service, ReplicaSet, StatefulSet or ReplicationController (selector from helper.DefaultSelector).
import { nothing, selectorFromLabelSelector, type LabelSelector, type LabelSelectorRequirementSpec, type LabelSelectorSpec } from '../../../api/labels.js';
import type { NodeInfo } from '../../framework/nodeinfo.js';
import type { PodInfo } from '../../framework/podinfo.js';
import { LABEL_HOSTNAME, LABEL_ZONE } from '../../framework/snapshot.js';
import { findUntoleratedTaint, noScheduleOrNoExecute } from '../../../api/taints.js';
import type { ClusterLister } from '../../framework/types.js';

export const DO_NOT_SCHEDULE = 'DoNotSchedule';
export const SCHEDULE_ANYWAY = 'ScheduleAnyway';

export interface Constraint {
  readonly maxSkew: number;
  readonly topologyKey: string;
  readonly whenUnsatisfiable: string;
  readonly selector: LabelSelector;
  readonly minDomains: number;
  /** nodeAffinityPolicy Honor (default): only nodes matching the pod's node affinity/selector count. */
  readonly honorNodeAffinity: boolean;
  /** nodeTaintsPolicy Honor (default Ignore): only nodes whose taints the pod tolerates count. */
  readonly honorNodeTaints: boolean;
}

/** Upstream's system default constraints (both ScheduleAnyway). */
export const SYSTEM_DEFAULT_CONSTRAINTS: readonly { topologyKey: string; maxSkew: number }[] = [
  { topologyKey: LABEL_HOSTNAME, maxSkew: 3 },
  { topologyKey: LABEL_ZONE, maxSkew: 5 },
];

interface ConstraintSpec {
  maxSkew?: number;
  topologyKey?: string;
  whenUnsatisfiable?: string;
  labelSelector?: LabelSelectorSpec | null;
  minDomains?: number;
  nodeAffinityPolicy?: string;
  nodeTaintsPolicy?: string;
  matchLabelKeys?: string[];
}

function safeSelector(spec: LabelSelectorSpec | null | undefined): LabelSelector {
  try {
    return selectorFromLabelSelector(spec);
  } catch {
    return nothing();
  }
}

export function podConstraints(pod: PodInfo): Constraint[] {
  const list = pod.pod.spec?.topologySpreadConstraints as ConstraintSpec[] | undefined;
  if (!Array.isArray(list)) return [];
  return list.map((c) => {
    let spec = c.labelSelector;
    if (spec && c.matchLabelKeys?.length) {
      const extra: LabelSelectorRequirementSpec[] = [];
      for (const k of c.matchLabelKeys) if (k in pod.labels) extra.push({ key: k, operator: 'In', values: [pod.labels[k]] });
      spec = { matchLabels: spec.matchLabels, matchExpressions: [...(spec.matchExpressions ?? []), ...extra] };
    }
    return {
      maxSkew: c.maxSkew ?? 1,
      topologyKey: c.topologyKey ?? '',
      whenUnsatisfiable: c.whenUnsatisfiable ?? DO_NOT_SCHEDULE,
      selector: safeSelector(spec),
      minDomains: c.minDomains ?? 1,
      honorNodeAffinity: (c.nodeAffinityPolicy ?? 'Honor') === 'Honor',
      honorNodeTaints: c.nodeTaintsPolicy === 'Honor',
    };
  });
}

function selectorMatches(sel: unknown, labels: Record<string, string>): boolean {
  const s = safeSelector(sel as LabelSelectorSpec);
  return !s.isEmpty() && s.matches(labels);
}

/** helper.DefaultSelector: services selecting the pod, and its controlling RC/RS/StatefulSet. */
export function defaultSelectorSpec(pod: PodInfo, lister: ClusterLister): LabelSelectorSpec | undefined {
  const matchLabels: Record<string, string> = {};
  const matchExpressions: LabelSelectorRequirementSpec[] = [];
  for (const svc of lister.services(pod.namespace)) {
    const sel = svc.spec?.selector;
    if (!sel || Object.keys(sel).length === 0) continue;
    if (Object.entries(sel).every(([k, v]) => pod.labels[k] === v)) Object.assign(matchLabels, sel);
  }
  const owner = pod.pod.metadata.ownerReferences?.find((o) => o.controller);
  if (owner) {
    const group = owner.apiVersion.includes('/') ? owner.apiVersion.split('/')[0] : '';
    const obj =
      (owner.kind === 'ReplicationController' && group === '') || ((owner.kind === 'ReplicaSet' || owner.kind === 'StatefulSet') && group === 'apps')
        ? lister.controller(owner.kind, pod.namespace, owner.name)
        : undefined;
    const sel = obj?.spec?.selector;
    if (sel && owner.kind === 'ReplicationController') Object.assign(matchLabels, sel as Record<string, string>);
    else if (sel && typeof sel === 'object') {
      const ls = sel as LabelSelectorSpec;
      for (const [k, v] of Object.entries(ls.matchLabels ?? {})) matchExpressions.push({ key: k, operator: 'In', values: [v] });
      matchExpressions.push(...(ls.matchExpressions ?? []));
    }
  }
  if (Object.keys(matchLabels).length === 0 && matchExpressions.length === 0) return undefined;
  return { matchLabels, matchExpressions };
}

/** The system default constraints for the pod, or [] when nothing selects it. */
export function defaultConstraints(pod: PodInfo, lister: ClusterLister): Constraint[] {
  const spec = defaultSelectorSpec(pod, lister);
  if (!spec) return [];
  const selector = safeSelector(spec);
  if (selector.isEmpty()) return [];
  return SYSTEM_DEFAULT_CONSTRAINTS.map((d) => ({
    maxSkew: d.maxSkew,
    topologyKey: d.topologyKey,
    whenUnsatisfiable: SCHEDULE_ANYWAY,
    selector,
    minDomains: 1,
    honorNodeAffinity: true,
    honorNodeTaints: false,
  }));
}

/** MatchNodeInclusionPolicies. */
export function nodeIncluded(c: Constraint, pod: PodInfo, ni: NodeInfo): boolean {
  if (c.honorNodeAffinity && !pod.nodeAffinity.empty && !pod.nodeAffinity.matches(ni)) return false;
  if (c.honorNodeTaints && findUntoleratedTaint(ni.taints, pod.tolerations, noScheduleOrNoExecute)) return false;
  return true;
}

/** True when every constraint counts every node (no policy narrows the nodes). */
export function trivialPolicies(cs: readonly Constraint[], pod: PodInfo): boolean {
  return cs.every((c) => (!c.honorNodeAffinity || pod.nodeAffinity.empty) && !c.honorNodeTaints);
}

/** countPodsMatchSelector's test for one pod: same namespace, not terminating, selector matches. */
export function countsFor(c: Constraint, incoming: PodInfo, p: PodInfo): boolean {
  return p.namespace === incoming.namespace && !p.terminating && c.selector.matches(p.labels);
}

export function uniqueKeys(cs: readonly Constraint[]): string[] {
  return [...new Set(cs.map((c) => c.topologyKey))];
}

/** selfMatchNum: whether the incoming pod itself matches the constraint's selector. */
export function matchesSelf(c: Constraint, pod: PodInfo): boolean {
  return c.selector.matches(pod.labels);
}
