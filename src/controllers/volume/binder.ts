// The binding steps of the PV controller (upstream persistentvolume/pv_controller.go), as pure
// decisions plus the writes that carry them out: a claim and a volume are bound when
// pv.spec.claimRef names the claim (with its uid) and claim.spec.volumeName names the volume;
// the claim carries pv.kubernetes.io/bind-completed, the phases are Bound/Bound.
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import type { RestClient } from '../../client/rest.js';
import type { Clock } from '../../util/clock.js';

export const BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
export const BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
export const STORAGE_PROVISIONER = 'volume.kubernetes.io/storage-provisioner';
export const BETA_STORAGE_PROVISIONER = 'volume.beta.kubernetes.io/storage-provisioner';
export const SELECTED_NODE = 'volume.kubernetes.io/selected-node';

const MERGE = 'application/merge-patch+json';
const pvPath = (name: string) => `/api/v1/persistentvolumes/${name}`;
const claimPath = (c: KubeObject) => `/api/v1/namespaces/${c.metadata.namespace}/persistentvolumeclaims/${c.metadata.name}`;

export function claimRefOf(claim: KubeObject): Record<string, unknown> {
  return { kind: 'PersistentVolumeClaim', namespace: claim.metadata.namespace, name: claim.metadata.name, uid: claim.metadata.uid, apiVersion: 'v1', resourceVersion: claim.metadata.resourceVersion };
}

/** Point the volume at the claim (claimRef), marking it bound by us unless the user pre-bound it. */
export async function bindVolumeToClaim(client: RestClient, pv: KubeObject, claim: KubeObject): Promise<KubeObject> {
  const ref = pv.spec?.claimRef as { uid?: string } | undefined;
  if (ref?.uid === claim.metadata.uid) return pv;
  const patch: Record<string, unknown> = { metadata: { resourceVersion: pv.metadata.resourceVersion, ...(ref ? {} : { annotations: { [BOUND_BY_CONTROLLER]: 'yes' } }) }, spec: { claimRef: claimRefOf(claim) } };
  return client.json<KubeObject>('PATCH', pvPath(pv.metadata.name!), patch, MERGE);
}

export async function setVolumePhase(client: RestClient, clock: Clock, pv: KubeObject, phase: string): Promise<KubeObject> {
  if (pv.status?.phase === phase) return pv;
  const status: Record<string, unknown> = { phase, lastPhaseTransitionTime: clock.nowRFC3339() };
  return client.json<KubeObject>('PATCH', `${pvPath(pv.metadata.name!)}/status`, { status }, MERGE);
}

/** The claim's side: volumeName and annotations, then status Bound with the volume's capacity and modes. */
export async function bindClaimToVolume(client: RestClient, claim: KubeObject, pv: KubeObject, byController: boolean): Promise<KubeObject> {
  let cur = claim;
  const ann = cur.metadata.annotations ?? {};
  if (cur.spec?.volumeName !== pv.metadata.name || ann[BIND_COMPLETED] !== 'yes' || (byController && ann[BOUND_BY_CONTROLLER] !== 'yes')) {
    const annotations: Record<string, string> = { [BIND_COMPLETED]: 'yes' };
    if (byController) annotations[BOUND_BY_CONTROLLER] = 'yes';
    cur = await client.json<KubeObject>('PATCH', claimPath(cur), { metadata: { resourceVersion: cur.metadata.resourceVersion, annotations }, spec: { volumeName: pv.metadata.name } }, MERGE);
  }
  const st = cur.status ?? {};
  const capacity = pv.spec?.capacity ?? {};
  const accessModes = pv.spec?.accessModes ?? [];
  if (st.phase === 'Bound' && JSON.stringify(st.capacity) === JSON.stringify(capacity) && JSON.stringify(st.accessModes) === JSON.stringify(accessModes)) return cur;
  return client.json<KubeObject>('PATCH', `${claimPath(cur)}/status`, { status: { phase: 'Bound', capacity, accessModes } }, MERGE);
}

export async function setClaimPhase(client: RestClient, claim: KubeObject, phase: string): Promise<void> {
  if (claim.status?.phase === phase) return;
  await client.json('PATCH', `${claimPath(claim)}/status`, { status: { phase } }, MERGE);
}

/** Forget a claim that went away or bound elsewhere: the volume is Available again. */
export async function unbindVolume(client: RestClient, clock: Clock, pv: KubeObject): Promise<void> {
  const updated = await client.json<KubeObject>('PATCH', pvPath(pv.metadata.name!), { metadata: { resourceVersion: pv.metadata.resourceVersion, annotations: { [BOUND_BY_CONTROLLER]: null } }, spec: { claimRef: null } }, MERGE);
  await setVolumePhase(client, clock, updated, 'Available');
}

export async function annotateClaim(client: RestClient, claim: KubeObject, annotations: Record<string, string>): Promise<void> {
  const ann = claim.metadata.annotations ?? {};
  if (Object.entries(annotations).every(([k, v]) => ann[k] === v)) return;
  await client.json('PATCH', claimPath(claim), { metadata: { resourceVersion: claim.metadata.resourceVersion, annotations } }, MERGE);
}

export async function deleteVolume(client: RestClient, pv: KubeObject): Promise<void> {
  try {
    await client.json('DELETE', pvPath(pv.metadata.name!), { preconditions: { uid: pv.metadata.uid } });
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 404)) throw err;
  }
}
