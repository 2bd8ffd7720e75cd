// A DaemonSet's ControllerRevisions (upstream daemon/update.go constructHistory, snapshot,
// cleanupHistory): each revision holds a strategic-merge patch that puts its template back
// (what `kubectl rollout undo ds` applies); the current one gives pods their
// controller-revision-hash label.
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import type { RestClient } from '../../client/rest.js';
import {
  byRevision,
  createRevision,
  deleteRevision,
  hashTemplate,
  maxRevisionNumber,
  newRevision,
  revisionNumber,
  revisionsPath,
  RevisionCollision,
  sameRevisionData,
  setRevisionNumber,
  type ControllerRevision,
} from '../runtime/history.js';
import { REVISION_HASH_LABEL } from './util.js';

/** The revision data of ds: `{spec: {template: {..., $patch: replace}}}` (upstream getPatch). */
export function revisionPatch(ds: KubeObject): unknown {
  return { spec: { template: { ...structuredClone(ds.spec?.template ?? {}), $patch: 'replace' } } };
}

export interface History {
  current: ControllerRevision;
  old: ControllerRevision[];
  /** the current revision's hash: the controller-revision-hash of up-to-date pods */
  hash: string;
}

/**
 * Find (or create) the revision matching ds's template, renumber it past the others, and
 * return it with the old ones. Duplicates of the current revision are deleted.
 */
export async function constructHistory(client: RestClient, ds: KubeObject, revisions: ControllerRevision[]): Promise<History> {
  const patch = revisionPatch(ds);
  const current: ControllerRevision[] = [];
  const old: ControllerRevision[] = [];
  for (let r of revisions) {
    if (!r.metadata.labels?.[REVISION_HASH_LABEL]) {
      // revisions made elsewhere get the label, from their name, to stay comparable
      r = await client.json<ControllerRevision>('PUT', `${revisionsPath(r.metadata.namespace!)}/${r.metadata.name}`, {
        ...r,
        metadata: { ...r.metadata, labels: { ...(r.metadata.labels ?? {}), [REVISION_HASH_LABEL]: r.metadata.name! } },
      });
    }
    (sameRevisionData(r.data, patch) ? current : old).push(r);
  }
  const next = maxRevisionNumber(old) + 1;
  let cur: ControllerRevision;
  if (current.length === 0) cur = await snapshot(client, ds, patch, next);
  else {
    // keep the newest of identical revisions (upstream dedupCurHistories); pods are relabelled lazily by the rollout
    current.sort(byRevision);
    cur = current[current.length - 1]!;
    for (const dup of current.slice(0, -1)) await deleteRevision(client, dup);
    if (revisionNumber(cur) < next) cur = await setRevisionNumber(client, cur, next);
  }
  return { current: cur, old, hash: cur.metadata.labels?.[REVISION_HASH_LABEL] ?? '' };
}

/** Create the revision for ds's template; on a hash collision bump status.collisionCount and retry later. */
async function snapshot(client: RestClient, ds: KubeObject, patch: unknown, revision: number): Promise<ControllerRevision> {
  const collisionCount = ds.status?.collisionCount as number | undefined;
  const hash = hashTemplate(ds.spec?.template, collisionCount);
  const rev = newRevision({
    owner: ds,
    revision,
    data: patch,
    hash,
    hashLabel: REVISION_HASH_LABEL,
    labels: ds.spec?.template?.metadata?.labels as Record<string, string> | undefined,
    annotations: ds.metadata.annotations,
  });
  rev.metadata.name = `${ds.metadata.name}-${hash}`;
  try {
    return await createRevision(client, rev);
  } catch (err) {
    if (!(err instanceof RevisionCollision)) throw err;
    const path = `/apis/apps/v1/namespaces/${ds.metadata.namespace}/daemonsets/${ds.metadata.name}`;
    const fresh = await client.json<KubeObject>('GET', path);
    // a stale collisionCount was used: the next sync sees the new one
    if ((fresh.status?.collisionCount ?? undefined) === collisionCount) {
      await client.json('PUT', `${path}/status`, { ...fresh, status: { ...(fresh.status ?? {}), collisionCount: (collisionCount ?? 0) + 1 } });
    }
    throw err;
  }
}

/**
 * Delete old revisions beyond spec.revisionHistoryLimit, oldest first, sparing those whose hash
 * a live pod still carries.
 */
export async function cleanupHistory(client: RestClient, ds: KubeObject, old: ControllerRevision[], pods: KubeObject[]): Promise<void> {
  const limit = Number(ds.spec?.revisionHistoryLimit ?? 10);
  if (old.length <= limit) return;
  const live = new Set<string>();
  for (const p of pods) {
    const h = p.metadata.labels?.[REVISION_HASH_LABEL];
    if (h && !p.metadata.deletionTimestamp) live.add(h);
  }
  const deletable = old.filter((r) => !live.has(r.metadata.labels?.[REVISION_HASH_LABEL] ?? '')).sort(byRevision);
  for (const r of deletable.slice(0, Math.max(0, old.length - limit))) {
    try {
      await deleteRevision(client, r);
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 409)) throw err;
    }
  }
}
