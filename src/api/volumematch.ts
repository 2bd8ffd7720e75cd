// Which PersistentVolume a claim may bind to (upstream pkg/controller/volume/persistentvolume/
// util: FindMatchingVolume and CheckVolumeSatisfyClaim), shared by the PV controller and the
// scheduler's VolumeBinding plugin. Pure: the caller passes the volumes and, on the
// scheduler's side, whether a volume is reachable from the node under consideration.
import { selectorFromLabelSelector } from './labels.js';
import { compareQuantities, isValidQuantity } from './quantity.js';
import type { KubeObject } from './types.js';

const BETA_CLASS = 'volume.beta.kubernetes.io/storage-class';

export function claimClass(claim: KubeObject): string {
  return claim.metadata.annotations?.[BETA_CLASS] ?? (claim.spec?.storageClassName as string | undefined) ?? '';
}

export function volumeClass(pv: KubeObject): string {
  return pv.metadata.annotations?.[BETA_CLASS] ?? (pv.spec?.storageClassName as string | undefined) ?? '';
}

/** claimRef names this claim (and, once set, its uid). */
export function isBoundToClaim(pv: KubeObject, claim: KubeObject): boolean {
  const ref = pv.spec?.claimRef as { namespace?: string; name?: string; uid?: string } | undefined;
  if (!ref) return false;
  if (ref.name !== claim.metadata.name || ref.namespace !== claim.metadata.namespace) return false;
  return !ref.uid || ref.uid === claim.metadata.uid;
}

function requested(claim: KubeObject): string {
  const q = claim.spec?.resources?.requests?.storage as string | undefined;
  return q !== undefined && isValidQuantity(q) ? String(q) : '0';
}

/** Why pv cannot serve claim (upstream checkVolumeSatisfyClaim), or undefined when it can. */
export function volumeMismatch(pv: KubeObject, claim: KubeObject): string | undefined {
  const cap = (pv.spec?.capacity?.storage as string | undefined) ?? '0';
  if (!isValidQuantity(cap) || compareQuantities(cap, requested(claim)) < 0) return 'requested PV is too small';
  if (volumeClass(pv) !== claimClass(claim)) return 'storageClassName does not match';
  if ((pv.spec?.volumeMode ?? 'Filesystem') !== (claim.spec?.volumeMode ?? 'Filesystem')) return 'incompatible volumeMode';
  const modes = new Set((pv.spec?.accessModes ?? []) as string[]);
  if (!((claim.spec?.accessModes ?? []) as string[]).every((m) => modes.has(m))) return 'incompatible accessMode';
  return undefined;
}

export interface MatchOptions {
  /** scheduler: the volume is reachable from the node being looked at */
  reachable?: (pv: KubeObject) => boolean;
  /** PV controller with a WaitForFirstConsumer class: leave unbound volumes to the scheduler */
  delayBinding?: boolean;
  /** volumes already promised to other claims of the same pod */
  taken?: ReadonlySet<string>;
}

/** The smallest available volume that satisfies claim, or the one pre-bound to it. */
export function findMatchingVolume(claim: KubeObject, volumes: Iterable<KubeObject>, o: MatchOptions = {}): KubeObject | undefined {
  const selector = claim.spec?.selector ? selectorFromLabelSelector(claim.spec.selector) : undefined;
  let best: KubeObject | undefined;
  for (const pv of volumes) {
    if (pv.metadata.deletionTimestamp || o.taken?.has(pv.metadata.name!)) continue;
    if ((pv.spec?.volumeMode ?? 'Filesystem') !== (claim.spec?.volumeMode ?? 'Filesystem')) continue;
    const reachable = o.reachable ? o.reachable(pv) : true;
    if (isBoundToClaim(pv, claim)) return reachable ? pv : undefined;
    if (!o.reachable && o.delayBinding) continue;
    if (pv.status?.phase !== 'Available' || pv.spec?.claimRef) continue;
    if (selector && !selector.matches(pv.metadata.labels)) continue;
    if (!reachable || volumeMismatch(pv, claim) !== undefined) continue;
    if (!best || compareQuantities(pv.spec.capacity.storage, best.spec.capacity.storage) < 0) best = pv;
  }
  return best;
}
