// The default scheduling algorithm: the framework with the default profile over a live,
// incrementally maintained snapshot, and the listers the plugins need (namespaces,
// services and workload controllers for default spreading) backed by informers.
import type { KubeObject } from '../api/types.js';
import type { Informer } from '../client/informer.js';
import { Snapshot } from './framework/snapshot.js';
import { PodInfo, isAssumedCopy, podInfoKey, sameSchedulingInputs } from './framework/podinfo.js';
import type { ClusterLister } from './framework/types.js';
import { newDefaultFramework } from './plugins/registry.js';
import type { VolumeLister } from './plugins/volumebinding/index.js';
import { NominatedPods } from './preemption/index.js';
import type { Framework } from './framework/framework.js';
import type { Algorithm, ScheduleResult } from './scheduler.js';

export interface ListerInformers {
  namespaces: Informer;
  services: Informer;
  replicaSets: Informer;
  statefulSets: Informer;
  replicationControllers: Informer;
}

export function informerLister(i: ListerInformers): ClusterLister {
  return {
    namespaces: () => i.namespaces.list().map((n) => ({ name: n.metadata.name ?? '', labels: n.metadata.labels ?? {} })),
    namespaceLabels: (name) => i.namespaces.get(name)?.metadata.labels ?? (i.namespaces.get(name) ? {} : undefined),
    services: (ns) => i.services.list().filter((s) => s.metadata.namespace === ns),
    controller: (kind, ns, name) => {
      const inf = kind === 'ReplicaSet' ? i.replicaSets : kind === 'StatefulSet' ? i.statefulSets : kind === 'ReplicationController' ? i.replicationControllers : undefined;
      return inf?.get(`${ns}/${name}`);
    },
  };
}

export interface DefaultAlgorithmOptions {
  lister: ClusterLister;
  percentageOfNodesToScore?: number;
  rng?: () => number;
  /** claims, volumes and classes for the VolumeBinding plugin */
  volumes?: VolumeLister;
}

export class DefaultAlgorithm implements Algorithm {
  readonly snapshot = Snapshot.fromLists([], []);
  readonly nominator = new NominatedPods();
  private readonly framework: Framework;
  /** the pod of the last scheduling cycle: its assumed copy (addPod next) shares what it derived */
  private last: PodInfo | undefined;

  constructor(o: DefaultAlgorithmOptions) {
    this.framework = newDefaultFramework({ lister: o.lister }, { percentageOfNodesToScore: o.percentageOfNodesToScore, rng: o.rng, nominator: this.nominator, volumes: o.volumes });
  }

  addNode(node: KubeObject): void {
    this.snapshot.upsertNode(node);
  }

  updateNode(_old: KubeObject, node: KubeObject): void {
    this.snapshot.updateNode(node);
  }

  removeNode(node: KubeObject): void {
    this.snapshot.removeNode(node.metadata.name!);
  }

  addPod(pod: KubeObject): void {
    const last = this.last;
    this.last = undefined;
    // built once: the snapshot keeps it
    const pi = last && isAssumedCopy(last.pod, pod) ? new PodInfo(pod, last) : new PodInfo(pod);
    this.nominator.delete(pi.key);
    this.snapshot.upsertPod(pi);
  }

  removePod(pod: KubeObject): void {
    this.snapshot.removePod(pod);
  }

  /**
   * The binding of an assumed pod came back: when the bound copy differs from the assumed
   * one only where scheduling does not look (resourceVersion, status, managedFields), the
   * assumed PodInfo stays in the snapshot with the new copy swapped in, instead of a remove
   * and a rebuild (requests parsed again, label and term indexes updated twice).
   */
  confirmPod(assumed: KubeObject, pod: KubeObject): boolean {
    const pi = this.snapshot.getPod(podInfoKey(pod));
    if (!pi || pi.pod !== assumed || pi.nodeName !== pod.spec?.nodeName || !sameSchedulingInputs(assumed, pod)) return false;
    pi.replacePod(pod);
    this.nominator.delete(pi.key);
    return true;
  }

  /** Track pods that preempted others and wait for room (status.nominatedNodeName). */
  pendingPodChanged(pod: KubeObject | undefined, removed?: KubeObject): void {
    if (removed) this.nominator.delete(podInfoKey(removed));
    if (!pod) return;
    if (!pod.status?.nominatedNodeName) {
      // the common case (every pending pod): no PodInfo needed to forget a nomination
      if (this.nominator.size > 0) this.nominator.delete(podInfoKey(pod));
      return;
    }
    const pi = new PodInfo(pod);
    if (pi.nominatedNodeName) this.nominator.add(pi, pi.nominatedNodeName);
    else this.nominator.delete(pi.key);
  }

  /** PreBind plugins for the chosen node (volume binding); throws when the pod must not be bound. */
  async preBind(pod: KubeObject, nodeName: string, signal?: AbortSignal): Promise<void> {
    const ni = this.snapshot.get(nodeName);
    await this.framework.runPreBind(pod, { name: nodeName, labels: ni?.labels ?? {} }, signal);
  }

  schedule(pod: KubeObject): ScheduleResult {
    const pi = new PodInfo(pod);
    this.last = pi;
    const r = this.framework.schedulePod(pi, this.snapshot);
    if (r.node !== undefined) return { nodeName: r.node };
    const plugins = [...new Set([...r.diagnosis.nodeToStatus.values()].map((s) => s.plugin ?? '').filter(Boolean))];
    return {
      message: r.message,
      plugins,
      nominatedNodeName: r.nominatedNodeName,
      victims: r.victims?.map((v) => v.pod),
    };
  }
}
