// One reconcile of one Deployment (upstream sync.go): find or create the new ReplicaSet and
// keep the revision annotations, scale ReplicaSets (proportionally when the Deployment is
// resized mid-rollout), clean up old ReplicaSets beyond revisionHistoryLimit, write status.
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import type { EventRecorder } from '../../client/events.js';
import type { RestClient } from '../../client/rest.js';
import type { Clock } from '../../util/clock.js';
import { controllerRef, getCondition, newControllerRef, stableJson } from '../runtime/objects.js';
import { done, requeueAfter, type Result } from '../runtime/result.js';
import {
  PROGRESSING, REPLICA_FAILURE, Reasons, calculateStatus, deploymentComplete, deploymentProgressing, deploymentTimedOut,
  hasProgressDeadline, newCondition, removeCondition, setCondition, timeUntilDeadline, type DeploymentStatus,
} from './status.js';
import {
  MAX_REPLICAS, POD_TEMPLATE_HASH, REVISION, activeReplicaSets, byCreation, byRevision, computeHash, equalIgnoreHash, findNewReplicaSet,
  isRollingUpdate, maxRevision, maxSurge, replicasAnnotationsNeedUpdate, replicasOf, setNewReplicaSetAnnotations, setReplicasAnnotations, sumSpecReplicas,
} from './util.js';

export interface RolloutDeps {
  client: RestClient;
  recorder: EventRecorder;
  clock: Clock;
}

const rsPath = (ns: string, name: string) => `/apis/apps/v1/namespaces/${ns}/replicasets/${name}`;
const dPath = (ns: string, name: string) => `/apis/apps/v1/namespaces/${ns}/deployments/${name}`;

export class Rollout {
  constructor(
    /** the Deployment, replaced by the server's answer after each write */
    public d: KubeObject,
    public rsList: KubeObject[],
    private readonly deps: RolloutDeps,
  ) {}

  get ns(): string {
    return this.d.metadata.namespace!;
  }

  /** New and old ReplicaSets; the new one is created when asked and missing. */
  async getAllReplicaSetsAndSyncRevision(create: boolean): Promise<{ newRS?: KubeObject; oldRSs: KubeObject[] }> {
    const found = findNewReplicaSet(this.d, this.rsList);
    const oldRSs = this.rsList.filter((rs) => rs !== found);
    const newRS = await this.getNewReplicaSet(found, oldRSs, create);
    return { newRS, oldRSs };
  }

  private async getNewReplicaSet(existing: KubeObject | undefined, oldRSs: KubeObject[], create: boolean): Promise<KubeObject | undefined> {
    const newRevision = maxRevision(oldRSs) + 1;
    const now = this.deps.clock.now();
    if (existing) {
      const copy = structuredClone(existing);
      let changed = setNewReplicaSetAnnotations(this.d, copy, newRevision, true);
      const minReady = this.d.spec?.minReadySeconds ?? 0;
      if ((copy.spec.minReadySeconds ?? 0) !== minReady) {
        copy.spec.minReadySeconds = minReady;
        changed = true;
      }
      const rs = changed ? await this.putReplicaSet(copy) : existing;
      await this.setDeploymentRevision(rs.metadata.annotations?.[REVISION]);
      if (hasProgressDeadline(this.d) && !getCondition(this.d.status?.conditions, PROGRESSING)) {
        const st = structuredClone((this.d.status ?? {}) as DeploymentStatus);
        setCondition(st, newCondition(PROGRESSING, 'True', Reasons.foundNewRS, `Found new replica set "${rs.metadata.name}"`, now));
        await this.putStatus(st);
      }
      return rs;
    }
    if (!create) return undefined;
    const collision = this.d.status?.collisionCount as number | undefined;
    const hash = computeHash(this.d.spec.template, collision);
    const template = structuredClone(this.d.spec.template);
    template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH]: hash } };
    const selector = structuredClone(this.d.spec.selector ?? {});
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH]: hash };
    const rs: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: `${this.d.metadata.name}-${hash}`, namespace: this.ns, ownerReferences: [newControllerRef(this.d)], labels: template.metadata.labels, annotations: {} },
      spec: { replicas: 0, minReadySeconds: this.d.spec.minReadySeconds ?? 0, selector, template },
    };
    setNewReplicaSetAnnotations(this.d, rs, newRevision, false);
    const all = [...oldRSs, rs];
    rs.spec.replicas = newReplicaSetReplicas(this.d, all, rs);
    let created: KubeObject;
    try {
      created = await this.deps.client.json<KubeObject>('POST', `/apis/apps/v1/namespaces/${this.ns}/replicasets`, rs);
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 409)) throw err;
      const other = await this.deps.client.json<KubeObject>('GET', rsPath(this.ns, rs.metadata.name!));
      if (controllerRef(other)?.uid === this.d.metadata.uid && equalIgnoreHash(other.spec?.template, this.d.spec.template)) {
        created = other;
      } else {
        // a hash collision: bump collisionCount so the next attempt gets another name
        await this.putStatus({ ...(this.d.status ?? {}), collisionCount: (collision ?? 0) + 1 });
        throw err;
      }
    }
    this.rsList = [...this.rsList, created];
    if (replicasOf(created) > 0) {
      void this.deps.recorder.event(this.d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata.name} from 0 to ${replicasOf(created)}`);
    }
    await this.setDeploymentRevision(String(newRevision));
    if (hasProgressDeadline(this.d)) {
      const st = structuredClone((this.d.status ?? {}) as DeploymentStatus);
      setCondition(st, newCondition(PROGRESSING, 'True', Reasons.newRSCreated, `Created new replica set "${created.metadata.name}"`, now));
      await this.putStatus(st);
    }
    return created;
  }

  private async setDeploymentRevision(rev: string | undefined): Promise<void> {
    if (!rev || this.d.metadata.annotations?.[REVISION] === rev) return;
    const patch = { metadata: { resourceVersion: this.d.metadata.resourceVersion, annotations: { [REVISION]: rev } } };
    this.d = await this.deps.client.json<KubeObject>('PATCH', dPath(this.ns, this.d.metadata.name!), patch, 'application/merge-patch+json');
  }

  private async putReplicaSet(rs: KubeObject): Promise<KubeObject> {
    const out = await this.deps.client.json<KubeObject>('PUT', rsPath(this.ns, rs.metadata.name!), rs);
    this.rsList = this.rsList.map((x) => (x.metadata.uid === out.metadata.uid ? out : x));
    return out;
  }

  async putStatus(status: DeploymentStatus): Promise<void> {
    this.d = await this.deps.client.json<KubeObject>('PUT', `${dPath(this.ns, this.d.metadata.name!)}/status`, { ...this.d, status });
  }

  /** Scale rs to newScale (and refresh its replica annotations); records ScalingReplicaSet. */
  async scaleReplicaSet(rs: KubeObject, newScale: number): Promise<{ scaled: boolean; rs: KubeObject }> {
    const sizeChange = replicasOf(rs) !== newScale;
    const max = replicasOf(this.d) + maxSurge(this.d);
    if (!sizeChange && !replicasAnnotationsNeedUpdate(rs, replicasOf(this.d), max)) return { scaled: false, rs };
    const copy = structuredClone(rs);
    const from = replicasOf(rs);
    copy.spec.replicas = newScale;
    setReplicasAnnotations(copy, replicasOf(this.d), max);
    const out = await this.putReplicaSet(copy);
    if (sizeChange) {
      const dir = newScale > from ? 'up' : 'down';
      void this.deps.recorder.event(this.d, 'Normal', 'ScalingReplicaSet', `Scaled ${dir} replica set ${rs.metadata.name} from ${from} to ${newScale}`);
    }
    return { scaled: sizeChange, rs: out };
  }

  /** Resize ReplicaSets to the Deployment's size (upstream scale), proportionally mid-rollout. */
  async scale(newRS: KubeObject | undefined, oldRSs: KubeObject[]): Promise<void> {
    const want = replicasOf(this.d);
    const active = activeReplicaSets([...(newRS ? [newRS] : []), ...oldRSs]);
    let only: KubeObject | undefined;
    if (active.length === 0) only = newRS ?? [...oldRSs].sort(byCreation).at(-1);
    else if (active.length === 1) only = active[0];
    if (only) {
      if (replicasOf(only) !== want) await this.scaleReplicaSet(only, want);
      return;
    }
    if (newRS && isSaturated(this.d, newRS)) {
      for (const old of activeReplicaSets(oldRSs)) await this.scaleReplicaSet(old, 0);
      return;
    }
    if (!isRollingUpdate(this.d)) return;
    const all = active;
    const allowed = want > 0 ? want + maxSurge(this.d) : 0;
    const toAdd = allowed - sumSpecReplicas(all);
    const bySize = (newerFirst: boolean) => (a: KubeObject, b: KubeObject) =>
      replicasOf(b) - replicasOf(a) || (newerFirst ? byCreation(b, a) : byCreation(a, b));
    if (toAdd > 0) all.sort(bySize(true));
    else if (toAdd < 0) all.sort(bySize(false));
    let added = 0;
    const sizes = new Map<KubeObject, number>();
    for (const rs of all) {
      if (toAdd === 0) {
        sizes.set(rs, replicasOf(rs));
        continue;
      }
      const p = proportion(rs, this.d, toAdd, added);
      sizes.set(rs, replicasOf(rs) + p);
      added += p;
    }
    for (const [i, rs] of all.entries()) {
      let size = sizes.get(rs)!;
      if (i === 0 && toAdd !== 0) size = Math.max(0, size + toAdd - added);
      await this.scaleReplicaSet(rs, size);
    }
  }

  /** Delete old, scaled-down ReplicaSets beyond spec.revisionHistoryLimit, oldest revision first. */
  async cleanup(oldRSs: KubeObject[]): Promise<void> {
    const limit = this.d.spec?.revisionHistoryLimit;
    if (limit === undefined || limit === null) return;
    const cleanable = oldRSs.filter((rs) => replicasOf(rs) === 0 && !rs.metadata.deletionTimestamp).sort(byRevision);
    const diff = cleanable.length - Number(limit);
    for (const rs of cleanable.slice(0, Math.max(0, diff))) {
      if (Number(rs.status?.replicas ?? 0) !== 0 || (rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
      try {
        await this.deps.client.json('DELETE', rsPath(this.ns, rs.metadata.name!));
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) throw err;
      }
    }
  }

  /** Status only (scaling and paused paths). */
  async syncStatus(allRSs: KubeObject[], newRS: KubeObject | undefined): Promise<void> {
    const st = calculateStatus(allRSs, newRS, this.d, this.deps.clock.now());
    if (stableJson(st) !== stableJson(this.d.status ?? {})) await this.putStatus(st);
  }

  /** Status with the Progressing condition of a rollout (upstream syncRolloutStatus). */
  async syncRolloutStatus(allRSs: KubeObject[], newRS: KubeObject | undefined): Promise<Result> {
    const now = this.deps.clock.now();
    const st = calculateStatus(allRSs, newRS, this.d, now);
    if (!hasProgressDeadline(this.d)) removeCondition(st, PROGRESSING);
    const cur = getCondition(st.conditions, PROGRESSING);
    const complete = st.replicas === st.updatedReplicas && cur?.reason === Reasons.newRSAvailable;
    if (hasProgressDeadline(this.d) && !complete) {
      const name = newRS?.metadata.name;
      if (deploymentComplete(this.d, st)) {
        setCondition(st, newCondition(PROGRESSING, 'True', Reasons.newRSAvailable, `ReplicaSet "${name}" has successfully progressed.`, now));
      } else if (deploymentProgressing(this.d, st)) {
        const msg = name ? `ReplicaSet "${name}" is progressing.` : `Deployment "${this.d.metadata.name}" is progressing.`;
        const c = newCondition(PROGRESSING, 'True', Reasons.rsUpdated, msg, now);
        if (cur?.status === 'True') c.lastTransitionTime = cur.lastTransitionTime;
        removeCondition(st, PROGRESSING);
        setCondition(st, c);
      } else if (deploymentTimedOut(this.d, st, now)) {
        const msg = name ? `ReplicaSet "${name}" has timed out progressing.` : `Deployment "${this.d.metadata.name}" has timed out progressing.`;
        setCondition(st, newCondition(PROGRESSING, 'False', Reasons.timedOut, msg, now));
        if (cur?.reason !== Reasons.timedOut) void this.deps.recorder.event(this.d, 'Warning', Reasons.timedOut, msg);
      }
    }
    const failure = allRSs.map((rs) => getCondition(rs.status?.conditions, REPLICA_FAILURE)).find((c) => c !== undefined);
    if (failure) setCondition(st, newCondition(REPLICA_FAILURE, failure.status, failure.reason ?? Reasons.failedCreate, failure.message ?? '', now));
    else removeCondition(st, REPLICA_FAILURE);
    if (!st.conditions?.length) delete st.conditions;
    if (stableJson(st) !== stableJson(this.d.status ?? {})) await this.putStatus(st);
    const wait = timeUntilDeadline(this.d, st, now);
    return wait === undefined ? done : requeueAfter(wait);
  }
}

/** The new ReplicaSet's size for this step of the rollout (upstream NewRSNewReplicas). */
export function newReplicaSetReplicas(d: KubeObject, allRSs: KubeObject[], newRS: KubeObject): number {
  if (!isRollingUpdate(d)) return replicasOf(d);
  const current = sumSpecReplicas(allRSs);
  const maxTotal = replicasOf(d) + maxSurge(d);
  if (current >= maxTotal) return replicasOf(newRS);
  const up = Math.min(maxTotal - current, replicasOf(d) - replicasOf(newRS));
  return replicasOf(newRS) + Math.max(0, up);
}

function isSaturated(d: KubeObject, rs: KubeObject): boolean {
  const desired = Number(rs.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'] ?? NaN);
  return replicasOf(rs) === replicasOf(d) && desired === replicasOf(d) && Number(rs.status?.availableReplicas ?? 0) === replicasOf(d);
}

/** This ReplicaSet's share of a resize (upstream GetProportion / getReplicaSetFraction). */
function proportion(rs: KubeObject, d: KubeObject, toAdd: number, added: number): number {
  if (replicasOf(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  let fraction: number;
  if (replicasOf(d) === 0) fraction = -replicasOf(rs);
  else {
    const deploymentReplicas = replicasOf(d) + maxSurge(d);
    const annotated = Number(rs.metadata.annotations?.[MAX_REPLICAS] ?? NaN);
    const base = Number.isFinite(annotated) && annotated > 0 ? annotated : Number(d.status?.replicas ?? 0);
    fraction = base > 0 ? Math.round((replicasOf(rs) * deploymentReplicas) / base) - replicasOf(rs) : 0;
  }
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

