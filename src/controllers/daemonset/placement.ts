// Where a DaemonSet's pods belong (upstream NodeShouldRunDaemonPod and daemon/util): the pod a
// node would get (template + the DaemonSet's default tolerations), whether the node fits it
// (template nodeName, nodeSelector and required node affinity, NoSchedule/NoExecute taints),
// and the node affinity that pins a pod to its node for the scheduler.
import type { KubeObject } from '../../api/types.js';
import { compileRequiredNodeAffinity } from '../../api/nodeselector.js';
import { findUntoleratedTaint, NO_EXECUTE, noScheduleOrNoExecute, parseTaints, parseTolerations } from '../../api/taints.js';

type Rec = Record<string, unknown>;

interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

/** What every daemon pod tolerates, so node problems never evict it or keep it off a node. */
export function defaultDaemonTolerations(hostNetwork: boolean): Toleration[] {
  const t = (key: string, effect: string): Toleration => ({ key, operator: 'Exists', effect });
  const list = [
    t('node.kubernetes.io/not-ready', 'NoExecute'),
    t('node.kubernetes.io/unreachable', 'NoExecute'),
    t('node.kubernetes.io/disk-pressure', 'NoSchedule'),
    t('node.kubernetes.io/memory-pressure', 'NoSchedule'),
    t('node.kubernetes.io/pid-pressure', 'NoSchedule'),
    t('node.kubernetes.io/unschedulable', 'NoSchedule'),
  ];
  if (hostNetwork) list.push(t('node.kubernetes.io/network-unavailable', 'NoSchedule'));
  return list;
}

/**
 * Add the default tolerations to a pod spec (upstream AddOrUpdateTolerationInPodSpec): one with
 * the same key, operator, value and effect is replaced, so a user's tolerationSeconds goes.
 */
export function addDaemonTolerations(spec: Rec): void {
  const list = (Array.isArray(spec.tolerations) ? spec.tolerations : []) as Toleration[];
  for (const want of defaultDaemonTolerations(spec.hostNetwork === true)) {
    const same = (t: Toleration) => (t.key ?? '') === want.key && (t.operator || 'Equal') === want.operator && (t.value ?? '') === '' && (t.effect ?? '') === want.effect;
    const i = list.findIndex(same);
    if (i >= 0) list[i] = want;
    else list.push(want);
  }
  spec.tolerations = list;
}

/** The spec of the daemon pod for a node, as the placement checks see it (upstream NewPod). */
export function daemonPodSpec(ds: KubeObject): Rec {
  const spec = structuredClone((ds.spec?.template?.spec ?? {}) as Rec);
  addDaemonTolerations(spec);
  return spec;
}

export interface Placement {
  /** a daemon pod should be created on the node when it has none */
  shouldRun: boolean;
  /** a daemon pod already on the node may stay */
  shouldContinueRunning: boolean;
}

/** Whether ds's pod belongs on node (spec is daemonPodSpec(ds), computed once per sync). */
export function nodeShouldRunDaemonPod(node: KubeObject, ds: KubeObject, spec: Rec = daemonPodSpec(ds)): Placement {
  const name = node.metadata.name ?? '';
  const pinned = ds.spec?.template?.spec?.nodeName as string | undefined;
  if (pinned && pinned !== name) return { shouldRun: false, shouldContinueRunning: false };
  const affinity = compileRequiredNodeAffinity(spec as Parameters<typeof compileRequiredNodeAffinity>[0]);
  if (!affinity.matches({ name, labels: node.metadata.labels ?? {} })) return { shouldRun: false, shouldContinueRunning: false };
  const taints = parseTaints(node.spec?.taints);
  const tolerations = parseTolerations(spec.tolerations);
  if (!findUntoleratedTaint(taints, tolerations, noScheduleOrNoExecute)) return { shouldRun: true, shouldContinueRunning: true };
  // a running daemon pod stays unless a NoExecute taint would evict it
  return { shouldRun: false, shouldContinueRunning: !findUntoleratedTaint(taints, tolerations, (t) => t.effect === NO_EXECUTE) };
}

/**
 * The pod affinity with its required node terms replaced by `metadata.name In [node]`
 * (upstream ReplaceDaemonSetPodNodeNameNodeAffinity): the scheduler places the pod on that node.
 */
export function pinToNode(affinity: Rec | undefined, node: string): Rec {
  const term = { matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] };
  const a = structuredClone(affinity ?? {});
  const na = (a.nodeAffinity ?? {}) as Rec;
  const required = (na.requiredDuringSchedulingIgnoredDuringExecution ?? {}) as Rec;
  a.nodeAffinity = { ...na, requiredDuringSchedulingIgnoredDuringExecution: { ...required, nodeSelectorTerms: [term] } };
  return a;
}

/** The node a daemon pod is for: spec.nodeName, or the node its affinity pins it to. */
export function targetNodeName(pod: KubeObject): string | undefined {
  const n = pod.spec?.nodeName;
  if (typeof n === 'string' && n !== '') return n;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms as Rec[] | undefined;
  for (const term of terms ?? []) {
    for (const f of (term.matchFields ?? []) as { key?: string; operator?: string; values?: string[] }[]) {
      if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
    }
  }
  return undefined;
}
