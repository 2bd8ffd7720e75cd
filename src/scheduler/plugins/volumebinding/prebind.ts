// VolumeBinding's PreBind (upstream BindPodVolumes): for each unbound claim of the pod, reserve
// a static volume reachable from the chosen node (its claimRef; the PV controller completes the
// binding) or ask for one to be provisioned there (volume.kubernetes.io/selected-node); then
// wait until the PV controller reports those claims bound, so the kubelet never sees them unbound.
import type { KubeObject } from '../../../api/types.js';
import { matchingVolume, type VolumeLister } from './match.js';

const SELECTED_NODE = 'volume.kubernetes.io/selected-node';
const BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
const BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
const POLL_MS = 100;

export interface BindOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

function isBound(c: KubeObject | undefined): boolean {
  return !!c?.spec?.volumeName && c.metadata.annotations?.[BIND_COMPLETED] !== undefined;
}

export async function bindClaims(volumes: VolumeLister, pod: KubeObject, node: { name: string; labels: Readonly<Record<string, string>> }, names: string[], o: BindOptions): Promise<void> {
  const ns = pod.metadata.namespace ?? '';
  const taken = new Set<string>();
  // only claims this step binds are waited for: a claim the user pre-bound is the kubelet's business
  const waitFor: string[] = [];
  for (const name of names) {
    const claim = volumes.claim(ns, name);
    if (!claim || claim.spec?.volumeName) continue;
    waitFor.push(name);
    const pv = matchingVolume(volumes, claim, node, taken);
    if (pv) {
      taken.add(pv.metadata.name!);
      if (pv.spec?.claimRef) continue; // pre-bound to this claim: the PV controller binds it
      await volumes.patch(`/api/v1/persistentvolumes/${pv.metadata.name}`, {
        metadata: { resourceVersion: pv.metadata.resourceVersion, annotations: { [BOUND_BY_CONTROLLER]: 'yes' } },
        spec: { claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: ns, name, uid: claim.metadata.uid, resourceVersion: claim.metadata.resourceVersion } },
      });
      continue;
    }
    if (claim.metadata.annotations?.[SELECTED_NODE] === node.name) continue;
    await volumes.patch(`/api/v1/namespaces/${ns}/persistentvolumeclaims/${name}`, { metadata: { resourceVersion: claim.metadata.resourceVersion, annotations: { [SELECTED_NODE]: node.name } } });
  }
  const end = Date.now() + o.timeoutMs;
  for (;;) {
    const pending = waitFor.filter((n) => !isBound(volumes.claim(ns, n)));
    if (pending.length === 0) return;
    if (o.signal?.aborted) throw new Error('scheduler stopped while binding volumes');
    if (Date.now() > end) throw new Error(`binding volumes: timed out waiting for claims ${pending.join(', ')} to be bound`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
