// What VolumeBinding reads (claims, volumes, classes from the scheduler's informers) and
// writes (claim annotations, volume claimRefs), and the static volume a delayed claim would get.
import type { KubeObject } from '../../../api/types.js';
import { findMatchingVolume } from '../../../api/volumematch.js';
import type { NodeInfo } from '../../framework/nodeinfo.js';
import { compileRequiredNodeAffinity } from '../../../api/nodeselector.js';

export interface VolumeLister {
  claim(namespace: string, name: string): KubeObject | undefined;
  volume(name: string): KubeObject | undefined;
  volumes(): Iterable<KubeObject>;
  storageClass(name: string): KubeObject | undefined;
  /** merge-patch an object through the API (claims and volumes) */
  patch(path: string, body: unknown): Promise<unknown>;
}

export function reachableFrom(node: { name: string; labels: Readonly<Record<string, string>> }): (pv: KubeObject) => boolean {
  return (pv) => compileRequiredNodeAffinity({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: pv.spec?.nodeAffinity?.required } } }).matches(node);
}

export function matchingVolume(volumes: VolumeLister, claim: KubeObject, ni: NodeInfo | { name: string; labels: Readonly<Record<string, string>> }, taken: ReadonlySet<string>): KubeObject | undefined {
  return findMatchingVolume(claim, volumes.volumes(), { reachable: reachableFrom(ni), taken });
}
