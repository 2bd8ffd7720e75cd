// ControllerRevisions of a StatefulSet (upstream history + stateful_set_utils): a revision
// stores the pod template as a strategic-merge patch ({"spec":{"template":{...,"$patch":
// "replace"}}}, which `kubectl rollout undo` applies as is), is named <set>-<hash> and carries
// the hash in controller.kubernetes.io/hash; pods name their revision in controller-revision-hash.
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import type { RestClient } from '../../client/rest.js';
import { newControllerRef, stableJson } from '../runtime/objects.js';

export const HASH_LABEL = 'controller.kubernetes.io/hash';
const SAFE_ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** 32-bit FNV-1 (Go's fnv.New32, which upstream's revision hash uses). */
function fnv32(data: Buffer): number {
  let h = 0x811c9dc5;
  for (const b of data) {
    h = Math.imul(h, 0x01000193) >>> 0;
    h = (h ^ b) >>> 0;
  }
  return h >>> 0;
}

function safeEncode(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHANUMS[s.charCodeAt(i) % SAFE_ALPHANUMS.length];
  return out;
}

/** The revision data for the set's current template. */
export function revisionData(set: KubeObject): Record<string, unknown> {
  return { spec: { template: { ...structuredClone(set.spec?.template ?? {}), $patch: 'replace' } } };
}

export function revisionHash(data: unknown, collisionCount: number | undefined): string {
  const parts = [Buffer.from(stableJson(data), 'utf8')];
  if (collisionCount !== undefined) parts.push(Buffer.from(String(collisionCount)));
  return safeEncode(String(fnv32(Buffer.concat(parts))));
}

export function revisionNumber(r: KubeObject): number {
  return Number(r.revision ?? 0);
}

/** Oldest revision first (upstream SortControllerRevisions). */
export function sortRevisions(rs: KubeObject[]): KubeObject[] {
  return [...rs].sort((a, b) => revisionNumber(a) - revisionNumber(b) || (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
}

export function sameData(a: KubeObject, b: KubeObject): boolean {
  return stableJson(a.data) === stableJson(b.data);
}

/** A revision of set (not yet stored) with the given number. */
export function newRevision(set: KubeObject, revision: number, collisionCount: number | undefined): KubeObject {
  const data = revisionData(set);
  const hash = revisionHash(data, collisionCount);
  const labels = { ...((set.spec?.template?.metadata?.labels ?? {}) as Record<string, string>), [HASH_LABEL]: hash };
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: `${set.metadata.name}-${hash}`,
      namespace: set.metadata.namespace,
      labels,
      annotations: { ...(set.metadata.annotations ?? {}) },
      ownerReferences: [newControllerRef(set)],
    },
    data,
    revision,
  };
}

/** The set with the template stored in revision (upstream ApplyRevision). */
export function applyRevision(set: KubeObject, revision: KubeObject): KubeObject {
  const tmpl = structuredClone(((revision.data as { spec?: { template?: Record<string, unknown> } })?.spec?.template ?? {}) as Record<string, unknown>);
  delete tmpl.$patch;
  return { ...set, spec: { ...set.spec, template: tmpl } };
}

const revPath = (ns: string, name?: string) => `/apis/apps/v1/namespaces/${ns}/controllerrevisions${name ? `/${name}` : ''}`;

/**
 * Store a new revision; a name taken by a different revision is a hash collision: count it
 * and try the next name. Returns the stored revision and the collision count used.
 */
export async function createRevision(client: RestClient, set: KubeObject, number: number, collisionCount: number): Promise<{ revision: KubeObject; collisionCount: number }> {
  const ns = set.metadata.namespace!;
  for (let cc = collisionCount; ; cc++) {
    const cr = newRevision(set, number, cc);
    try {
      return { revision: await client.json<KubeObject>('POST', revPath(ns), cr), collisionCount: cc };
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 409)) throw err;
      const existing = await client.json<KubeObject>('GET', revPath(ns, cr.metadata.name));
      const owned = existing.metadata.ownerReferences?.some((r) => r.controller && r.uid === set.metadata.uid);
      if (owned && sameData(existing, cr)) return { revision: existing, collisionCount: cc };
    }
  }
}

/** Give an older equal revision the newest number: a rollback to it (upstream UpdateControllerRevision). */
export async function renumberRevision(client: RestClient, r: KubeObject, number: number): Promise<KubeObject> {
  if (revisionNumber(r) === number) return r;
  return client.json<KubeObject>('PUT', revPath(r.metadata.namespace!, r.metadata.name), { ...r, revision: number });
}

export async function deleteRevision(client: RestClient, r: KubeObject): Promise<void> {
  try {
    await client.json('DELETE', revPath(r.metadata.namespace!, r.metadata.name));
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 404)) throw err;
  }
}
