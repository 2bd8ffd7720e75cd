// VolumeBinding: a pod's claims decide where it may go (upstream plugins/volumebinding).
//   - a bound claim: only nodes the PersistentVolume's nodeAffinity allows (a local volume pins
//     its pods to its node, so a StatefulSet pod comes back where its data is);
//   - an unbound claim of a WaitForFirstConsumer class: nodes with an available matching volume,
//     or any node the class's provisioner can serve; an unbound Immediate claim waits for the
//     PV controller;
//   - PreBind, on the chosen node: reserve a matching static volume (claimRef), or ask the
//     provisioner for one there (annotation volume.kubernetes.io/selected-node), then wait until
//     every claim is bound before the pod is bound.
import type { KubeObject } from '../../../api/types.js';
import { compileRequiredNodeAffinity } from '../../../api/nodeselector.js';
import type { NodeInfo } from '../../framework/nodeinfo.js';
import type { PodInfo } from '../../framework/podinfo.js';
import { Code, CycleState, SKIP, StateKey, SUCCESS, newStatus, type FilterPlugin, type PreFilterPlugin, type Status } from '../../framework/types.js';
import { matchingVolume, type VolumeLister } from './match.js';
import { bindClaims } from './prebind.js';

export const NAME = 'VolumeBinding';
export const ERR_UNBOUND_IMMEDIATE = 'pod has unbound immediate PersistentVolumeClaims';
export const ERR_NODE_CONFLICT = 'node(s) had volume node affinity conflict';
export const ERR_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
export const ERR_PV_NOT_EXIST = 'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)';
const NO_PROVISIONER = 'kubernetes.io/no-provisioner';

export type { VolumeLister } from './match.js';

interface PodVolumes {
  /** PVs of bound claims */
  bound: KubeObject[];
  /** a bound claim's PV is missing */
  missingPV: boolean;
  /** unbound claims of WaitForFirstConsumer classes, with their class */
  delayed: { claim: KubeObject; storageClass: KubeObject | undefined }[];
}

const STATE = new StateKey<PodVolumes>(NAME);

function claimNames(pod: KubeObject): string[] {
  const out: string[] = [];
  for (const v of (pod.spec?.volumes ?? []) as { persistentVolumeClaim?: { claimName?: string }; ephemeral?: unknown; name: string }[]) {
    if (v.persistentVolumeClaim?.claimName) out.push(v.persistentVolumeClaim.claimName);
    else if (v.ephemeral) out.push(`${pod.metadata.name}-${v.name}`);
  }
  return out;
}

export interface VolumeBindingPlugin extends PreFilterPlugin, FilterPlugin {
  /** Before the pod is bound to node: bind or provision its claims there and wait for them. */
  preBind(pod: KubeObject, node: { name: string; labels: Readonly<Record<string, string>> }, signal?: AbortSignal): Promise<void>;
}

export function newVolumeBinding(volumes: VolumeLister, opts: { bindTimeoutMs?: number } = {}): VolumeBindingPlugin {
  return {
    name: NAME,
    preFilter(state: CycleState, pi: PodInfo): Status {
      const pod = pi.pod;
      const names = claimNames(pod);
      if (names.length === 0) return SKIP;
      const pv: PodVolumes = { bound: [], missingPV: false, delayed: [] };
      let unboundImmediate = false;
      for (const name of names) {
        const claim = volumes.claim(pod.metadata.namespace ?? '', name);
        if (!claim) return newStatus(Code.UnschedulableAndUnresolvable, `persistentvolumeclaim "${name}" not found`);
        if (claim.metadata.deletionTimestamp) return newStatus(Code.UnschedulableAndUnresolvable, `persistentvolumeclaim "${name}" is being deleted`);
        const volumeName = claim.spec?.volumeName as string | undefined;
        if (volumeName) {
          const v = volumes.volume(volumeName);
          if (v) pv.bound.push(v);
          else pv.missingPV = true;
          continue;
        }
        const className = (claim.spec?.storageClassName as string | undefined) ?? '';
        const sc = className ? volumes.storageClass(className) : undefined;
        if (sc?.volumeBindingMode === 'WaitForFirstConsumer') pv.delayed.push({ claim, storageClass: sc });
        else unboundImmediate = true;
      }
      if (unboundImmediate) return newStatus(Code.UnschedulableAndUnresolvable, ERR_UNBOUND_IMMEDIATE);
      state.write(STATE, pv);
      return SUCCESS;
    },
    filter(state: CycleState, _pi: PodInfo, ni: NodeInfo): Status {
      const pv = state.read(STATE);
      if (!pv) return SUCCESS;
      if (pv.missingPV) return newStatus(Code.UnschedulableAndUnresolvable, ERR_PV_NOT_EXIST);
      for (const v of pv.bound) {
        if (!compileRequiredNodeAffinity({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: v.spec?.nodeAffinity?.required } } }).matches(ni)) {
          return newStatus(Code.UnschedulableAndUnresolvable, ERR_NODE_CONFLICT);
        }
      }
      const taken = new Set<string>();
      for (const { claim, storageClass } of pv.delayed) {
        const v = matchingVolume(volumes, claim, ni, taken);
        if (v) {
          taken.add(v.metadata.name!);
          continue;
        }
        const prov = (storageClass?.provisioner as string | undefined) ?? NO_PROVISIONER;
        if (prov === NO_PROVISIONER || !topologyAllows(storageClass, ni)) return newStatus(Code.Unschedulable, ERR_BIND_CONFLICT);
      }
      return SUCCESS;
    },
    preBind: (pod, node, signal) => bindClaims(volumes, pod, node, claimNames(pod), { timeoutMs: opts.bindTimeoutMs ?? 600_000, signal }),
  };
}

/** allowedTopologies of a class: empty allows every node. */
function topologyAllows(sc: KubeObject | undefined, ni: NodeInfo): boolean {
  const terms = (sc?.allowedTopologies ?? []) as { matchLabelExpressions?: { key: string; values: string[] }[] }[];
  if (terms.length === 0) return true;
  return terms.some((t) => (t.matchLabelExpressions ?? []).every((e) => e.values.includes(ni.labels[e.key] ?? '\u0000')));
}
