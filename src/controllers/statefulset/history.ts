// Which revision is current and which is the update (upstream getStatefulSetRevisions), and
// the trimming of old revisions to revisionHistoryLimit (upstream truncateHistory).
import type { KubeObject } from '../../api/types.js';
import type { RestClient } from '../../client/rest.js';
import { REVISION_LABEL } from './identity.js';
import { applyRevision, createRevision, deleteRevision, newRevision, renumberRevision, revisionNumber, sameData, sortRevisions } from './revision.js';

export interface Revisions {
  currentSet: KubeObject;
  updateSet: KubeObject;
  currentRevision: string;
  updateRevision: string;
  collisionCount: number;
  /** every revision of the set after this step, oldest first */
  all: KubeObject[];
}

export async function resolveRevisions(client: RestClient, set: KubeObject, owned: KubeObject[]): Promise<Revisions> {
  let all = sortRevisions(owned);
  let collisionCount = Number(set.status?.collisionCount ?? 0);
  const next = all.length ? revisionNumber(all[all.length - 1]!) + 1 : 1;
  const candidate = newRevision(set, next, collisionCount);
  const equal = all.filter((r) => sameData(r, candidate));
  let update: KubeObject;
  if (equal.length && all[all.length - 1] === equal[equal.length - 1]) {
    update = equal[equal.length - 1]!; // the template has not changed
  } else if (equal.length) {
    // back to an older template: that revision becomes the newest (a rollback)
    update = await renumberRevision(client, equal[equal.length - 1]!, next);
    all = sortRevisions(all.map((r) => (r.metadata.uid === update.metadata.uid ? update : r)));
  } else {
    const made = await createRevision(client, set, next, collisionCount);
    update = made.revision;
    collisionCount = made.collisionCount;
    all = sortRevisions([...all.filter((r) => r.metadata.uid !== update.metadata.uid), update]);
  }
  const current = all.find((r) => r.metadata.name === set.status?.currentRevision) ?? update;
  return {
    currentSet: applyRevision(set, current),
    updateSet: applyRevision(set, update),
    currentRevision: current.metadata.name!,
    updateRevision: update.metadata.name!,
    collisionCount,
    all,
  };
}

/** Delete the oldest revisions no pod uses beyond spec.revisionHistoryLimit. */
export async function truncateHistory(client: RestClient, set: KubeObject, pods: KubeObject[], all: KubeObject[], live: string[]): Promise<void> {
  const inUse = new Set(live);
  for (const p of pods) {
    const r = p.metadata.labels?.[REVISION_LABEL];
    if (r) inUse.add(r);
  }
  const history = all.filter((r) => !inUse.has(r.metadata.name!));
  const limit = Number(set.spec?.revisionHistoryLimit ?? 10);
  for (const r of history.slice(0, Math.max(history.length - limit, 0))) await deleteRevision(client, r);
}
