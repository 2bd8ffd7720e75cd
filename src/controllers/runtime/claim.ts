// Adoption and release (upstream ControllerRefManager): an owner claims the objects whose
// controller reference points at it and that still match its selector; it adopts matching
// orphans and releases the objects it owns that no longer match.
import { ApiError } from '../../api/errors.js';
import type { LabelSelector } from '../../api/labels.js';
import type { KubeObject } from '../../api/types.js';
import type { RestClient } from '../../client/rest.js';
import { controllerRef, newControllerRef } from './objects.js';

export interface ClaimOptions {
  owner: KubeObject;
  selector: LabelSelector;
  client: RestClient;
  /** API path of a dependent (for the adopt/release patches) */
  pathOf(o: KubeObject): string;
  /** fresh check that the owner still exists with the same uid and is not being deleted */
  canAdopt(): Promise<boolean>;
}

const MERGE = 'application/merge-patch+json';

/** The objects owner controls after adopting and releasing; throws the first failure. */
export async function claimObjects<T extends KubeObject>(objs: T[], o: ClaimOptions): Promise<T[]> {
  const uid = o.owner.metadata.uid;
  const claimed: T[] = [];
  let adoptable: boolean | undefined;
  let firstErr: unknown;
  for (const obj of objs) {
    const ref = controllerRef(obj);
    if (ref && ref.uid !== uid) continue; // another controller's: nothing to look at
    const matches = o.selector.matches(obj.metadata.labels);
    try {
      if (ref) {
        if (matches) {
          claimed.push(obj);
          continue;
        }
        if (o.owner.metadata.deletionTimestamp || obj.metadata.deletionTimestamp) continue;
        await release(obj, o);
        continue;
      }
      if (!matches || o.owner.metadata.deletionTimestamp || obj.metadata.deletionTimestamp) continue;
      if (obj.metadata.namespace !== o.owner.metadata.namespace) continue;
      adoptable ??= await o.canAdopt();
      if (!adoptable) continue;
      const adopted = await adopt(obj, o);
      if (adopted) claimed.push(adopted as T);
    } catch (err) {
      firstErr ??= err;
    }
  }
  if (firstErr) throw firstErr;
  return claimed;
}

async function adopt(obj: KubeObject, o: ClaimOptions): Promise<KubeObject | undefined> {
  const refs = [...(obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== o.owner.metadata.uid), newControllerRef(o.owner)];
  try {
    return await o.client.json<KubeObject>('PATCH', o.pathOf(obj), { metadata: { resourceVersion: obj.metadata.resourceVersion, ownerReferences: refs } }, MERGE);
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) return undefined;
    throw err;
  }
}

async function release(obj: KubeObject, o: ClaimOptions): Promise<void> {
  const refs = (obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== o.owner.metadata.uid);
  try {
    await o.client.json('PATCH', o.pathOf(obj), { metadata: { resourceVersion: obj.metadata.resourceVersion, ownerReferences: refs.length ? refs : null } }, MERGE);
  } catch (err) {
    if (err instanceof ApiError && (err.code === 404 || err.code === 422)) return;
    throw err;
  }
}

/** canAdopt for an owner at path: a fresh GET with the same uid and no deletionTimestamp. */
export function ownerStillValid(client: RestClient, path: string, owner: KubeObject): () => Promise<boolean> {
  return async () => {
    try {
      const fresh = await client.json<KubeObject>('GET', path);
      return fresh.metadata.uid === owner.metadata.uid && !fresh.metadata.deletionTimestamp;
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return false;
      throw err;
    }
  };
}
