// Pod and claim writes of the StatefulSet controller (upstream StatefulPodControl), with the
// events upstream records: "create Pod web-0 in StatefulSet web successful",
// "create Claim data-web-0 Pod web-0 in StatefulSet web success", and their failures.
import { ApiError } from '../../api/errors.js';
import type { KubeObject, OwnerReference } from '../../api/types.js';
import type { EventRecorder } from '../../client/events.js';
import type { RestClient } from '../../client/rest.js';
import { newClaims, ordinalOf } from './identity.js';

const MERGE = 'application/merge-patch+json';

export interface PodControlDeps {
  client: RestClient;
  recorder: EventRecorder;
  /** the claim in the informer cache, by namespace/name */
  claim(key: string): KubeObject | undefined;
}

const podsPath = (ns: string) => `/api/v1/namespaces/${ns}/pods`;
const claimsPath = (ns: string) => `/api/v1/namespaces/${ns}/persistentvolumeclaims`;

function titled(verb: string): string {
  return verb[0]!.toUpperCase() + verb.slice(1);
}

function podEvent(d: PodControlDeps, set: KubeObject, verb: string, pod: KubeObject, err?: unknown): void {
  if (err) void d.recorder.event(set, 'Warning', `Failed${titled(verb)}`, `${verb} Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${(err as Error).message}`);
  else void d.recorder.event(set, 'Normal', `Successful${titled(verb)}`, `${verb} Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`);
}

/** Owner reference of a claim to its StatefulSet (whenDeleted: Delete) or its pod (whenScaled: Delete). */
export function plainOwnerRef(o: KubeObject): OwnerReference {
  return { apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name!, uid: o.metadata.uid! };
}

/** Creates the pod's missing claims; throws when one cannot be made or is being deleted. */
export async function createMissingClaims(d: PodControlDeps, set: KubeObject, pod: KubeObject): Promise<void> {
  const ns = set.metadata.namespace!;
  const whenDeleted = set.spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted ?? 'Retain';
  for (const claim of newClaims(set, ordinalOf(set, pod))) {
    const existing = d.claim(`${ns}/${claim.metadata.name}`);
    if (existing) {
      if (existing.metadata.deletionTimestamp) throw new Error(`pvc ${claim.metadata.name} is being deleted`);
      continue;
    }
    if (whenDeleted === 'Delete') claim.metadata.ownerReferences = [plainOwnerRef(set)];
    try {
      await d.client.json('POST', claimsPath(ns), claim);
      void d.recorder.event(set, 'Normal', 'SuccessfulCreate', `create Claim ${claim.metadata.name} Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} success`);
    } catch (err) {
      if (err instanceof ApiError && err.code === 409) continue; // made by an earlier sync the cache has not seen
      void d.recorder.event(set, 'Warning', 'FailedCreate', `create Claim ${claim.metadata.name} for Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${(err as Error).message}`);
      throw err;
    }
  }
}

/** Claims first, then the pod (upstream CreateStatefulPod). An existing pod is not an error. */
export async function createPod(d: PodControlDeps, set: KubeObject, pod: KubeObject): Promise<void> {
  await createMissingClaims(d, set, pod);
  try {
    await d.client.json('POST', podsPath(set.metadata.namespace!), pod);
    podEvent(d, set, 'create', pod);
  } catch (err) {
    if (err instanceof ApiError && err.code === 409) return;
    podEvent(d, set, 'create', pod, err);
    throw err;
  }
}

export async function deletePod(d: PodControlDeps, set: KubeObject, pod: KubeObject): Promise<void> {
  try {
    await d.client.json('DELETE', `${podsPath(pod.metadata.namespace!)}/${pod.metadata.name}`, { preconditions: { uid: pod.metadata.uid } });
    podEvent(d, set, 'delete', pod);
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) return;
    podEvent(d, set, 'delete', pod, err);
    throw err;
  }
}

/** Fix the identity labels of a pod that lost them (upstream UpdateStatefulPod, labels only: a pod's spec cannot change). */
export async function patchLabels(d: PodControlDeps, set: KubeObject, pod: KubeObject, labels: Record<string, string>): Promise<void> {
  try {
    await d.client.json('PATCH', `${podsPath(pod.metadata.namespace!)}/${pod.metadata.name}`, { metadata: { resourceVersion: pod.metadata.resourceVersion, labels } }, MERGE);
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) return;
    podEvent(d, set, 'update', pod, err);
    throw err;
  }
}

/**
 * Owner references of the pod's claims as the retention policy wants them (upstream
 * updateClaimOwnerRefForSetAndPod): the set owns them with whenDeleted: Delete; a condemned
 * pod owns them (and the set no longer does) with whenScaled: Delete, so they go with the pod.
 */
export async function fixClaimOwners(d: PodControlDeps, set: KubeObject, pod: KubeObject, condemned: boolean): Promise<void> {
  const policy = set.spec?.persistentVolumeClaimRetentionPolicy ?? {};
  const ns = set.metadata.namespace!;
  const podOwns = condemned && policy.whenScaled === 'Delete';
  const setOwns = policy.whenDeleted === 'Delete' && !podOwns;
  for (const want of newClaims(set, ordinalOf(set, pod))) {
    const claim = d.claim(`${ns}/${want.metadata.name}`);
    if (!claim) continue;
    const refs = (claim.metadata.ownerReferences ?? []).filter((r) => r.uid !== set.metadata.uid && !(r.kind === 'Pod' && r.apiVersion === 'v1'));
    if (setOwns) refs.push(plainOwnerRef(set));
    if (podOwns) refs.push(plainOwnerRef(pod));
    const cur = claim.metadata.ownerReferences ?? [];
    if (JSON.stringify(cur.map((r) => r.uid).sort()) === JSON.stringify(refs.map((r) => r.uid).sort())) continue;
    await d.client.json('PATCH', `${claimsPath(ns)}/${claim.metadata.name}`, { metadata: { resourceVersion: claim.metadata.resourceVersion, ownerReferences: refs.length ? refs : null } }, MERGE);
  }
}
