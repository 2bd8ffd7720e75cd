// Nominated-node bookkeeping: pods that preempted others wait, nominated to a node, and the
// scheduler must account for them when filtering other pods onto that node.
import type { PodInfo } from '../framework/podinfo.js';
import type { PodNominator } from '../framework/types.js';

const NONE: readonly PodInfo[] = Object.freeze([]);

export class NominatedPods implements PodNominator {
  private readonly byNode = new Map<string, PodInfo[]>();
  private readonly nodeOf = new Map<string, string>();

  /** Nominates the pod to a node (replacing any earlier nomination); '' removes it. */
  add(pod: PodInfo, nodeName: string): void {
    this.delete(pod.key);
    if (!nodeName) return;
    this.nodeOf.set(pod.key, nodeName);
    let l = this.byNode.get(nodeName);
    if (!l) this.byNode.set(nodeName, (l = []));
    l.push(pod);
  }

  /** Keeps a nominated pod's newest PodInfo (same node). */
  update(pod: PodInfo): void {
    const node = this.nodeOf.get(pod.key);
    if (node !== undefined) this.add(pod, node);
  }

  delete(podKey: string): boolean {
    const node = this.nodeOf.get(podKey);
    if (node === undefined) return false;
    this.nodeOf.delete(podKey);
    const l = this.byNode.get(node);
    if (l) {
      const i = l.findIndex((p) => p.key === podKey);
      if (i >= 0) l.splice(i, 1);
      if (l.length === 0) this.byNode.delete(node);
    }
    return true;
  }

  nominatedNodeOf(podKey: string): string | undefined {
    return this.nodeOf.get(podKey);
  }

  nominatedPodsForNode(nodeName: string): readonly PodInfo[] {
    return this.byNode.get(nodeName) ?? NONE;
  }

  get size(): number {
    return this.nodeOf.size;
  }

  /** Pods nominated to the node with lower priority than `pod`: their nomination is cleared after preemption. */
  lowerPriorityNominatedPods(pod: PodInfo, nodeName: string): PodInfo[] {
    return this.nominatedPodsForNode(nodeName).filter((p) => p.priority < pod.priority);
  }
}
