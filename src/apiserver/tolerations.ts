// DefaultTolerationSeconds admission (kube-apiserver's plugin of that name): a new pod that
// does not already tolerate them gets tolerations of the not-ready and unreachable NoExecute
// taints for 300 s, so that a node failure evicts its pods after five minutes, not at once.
import type { KubeObject } from '../api/types.js';

export const DEFAULT_TOLERATION_SECONDS = 300;

export interface DefaultTolerationSeconds {
  /** --default-not-ready-toleration-seconds */
  notReady: number;
  /** --default-unreachable-toleration-seconds */
  unreachable: number;
}

interface Toleration {
  key?: string;
  effect?: string;
}

/** Add the missing default tolerations to pod (mutates it). */
export function admitDefaultTolerationSeconds(pod: KubeObject, seconds: DefaultTolerationSeconds): void {
  const spec = (pod.spec ??= {});
  const tols: Toleration[] = Array.isArray(spec.tolerations) ? spec.tolerations : [];
  // an empty key or effect matches every key or effect
  const covers = (key: string) => tols.some((t) => (!t.key || t.key === key) && (!t.effect || t.effect === 'NoExecute'));
  const add: Record<string, unknown>[] = [];
  if (!covers('node.kubernetes.io/not-ready')) add.push({ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds.notReady });
  if (!covers('node.kubernetes.io/unreachable')) add.push({ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds.unreachable });
  if (add.length) spec.tolerations = [...tols, ...add];
}
