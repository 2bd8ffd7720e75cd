// The Deployment controller (upstream pkg/controller/deployment): claims ReplicaSets by
// selector, then runs one step of the rollout (RollingUpdate or Recreate), a resize, or a
// status sync when paused. Level-triggered on the shared Deployment/ReplicaSet/Pod caches;
// ReplicaSet writes carry resourceVersion, so a stale cache ends in a Conflict and a retry.
import type { KubeObject } from '../../api/types.js';
import { selectorFromLabelSelector } from '../../api/labels.js';
import type { Informer } from '../../client/informer.js';
import { Controller, type ControllerContext } from '../runtime/controller.js';
import type { ControllerIndex, NamespaceIndex } from '../runtime/informers.js';
import { claimObjects, ownerStillValid } from '../runtime/claim.js';
import { controllerRef, getCondition, nsName, sameLabels } from '../runtime/objects.js';
import { done, type Result } from '../runtime/result.js';
import { rolloutRecreate } from './recreate.js';
import { rolloutRolling } from './rolling.js';
import { PROGRESSING, Reasons, hasProgressDeadline, newCondition, setCondition, type DeploymentStatus } from './status.js';
import { Rollout } from './sync.js';
import { DESIRED_REPLICAS, activeReplicaSets, replicasOf } from './util.js';

const RS_PATH = '/apis/apps/v1/replicasets';
const D_PATH = '/apis/apps/v1/deployments';

export class DeploymentController extends Controller {
  private readonly deployments: Informer<KubeObject>;
  private readonly deploymentsByNs: NamespaceIndex<KubeObject>;
  private readonly rsByNs: NamespaceIndex<KubeObject>;
  private readonly replicaSets: Informer<KubeObject>;
  private readonly pods: ControllerIndex<KubeObject>;

  // kube-controller-manager's --concurrent-deployment-syncs is 5. The first sync of a new
  // Deployment is a chain of writes (create the ReplicaSet, the revision annotation, status),
  // each waiting for a commit on the busy in-process API server: with 5 workers, 100 new
  // Deployments got their ReplicaSets one after another over the whole run (bench:controllers:
  // the first pod of the last Deployment came with the last pods overall). 25 start them
  // together; the Deployment status writes stay ~3 per Deployment (325 for 100, 300 at 5).
  constructor(ctx: ControllerContext, workers = 25) {
    super('deployment-controller', ctx, workers);
    this.deployments = ctx.informers.informer(D_PATH);
    this.deploymentsByNs = ctx.informers.byNamespace(D_PATH);
    this.replicaSets = ctx.informers.informer(RS_PATH);
    this.rsByNs = ctx.informers.byNamespace(RS_PATH);
    this.pods = ctx.informers.byController('/api/v1/pods');
    this.deployments.addHandlers({ add: (d) => this.enqueue(d), update: (_o, d) => this.enqueue(d), delete: (d) => this.enqueue(d) });
    this.replicaSets.addHandlers({
      add: (rs) => this.rsChanged(undefined, rs),
      update: (old, rs) => this.rsChanged(old, rs),
      delete: (rs) => this.enqueueOwner(rs),
    });
    ctx.informers.informer('/api/v1/pods').addHandlers({ delete: (p) => this.podDeleted(p) });
  }

  private ownerOf(rs: KubeObject): KubeObject | undefined {
    const ref = controllerRef(rs);
    if (!ref || ref.kind !== 'Deployment') return undefined;
    const d = this.deployments.get(`${rs.metadata.namespace}/${ref.name}`);
    return d && d.metadata.uid === ref.uid ? d : undefined;
  }

  private enqueueOwner(rs: KubeObject): void {
    const d = this.ownerOf(rs);
    if (d) this.enqueue(d);
  }

  private rsChanged(old: KubeObject | undefined, rs: KubeObject): void {
    if (old && controllerRef(old)?.uid !== controllerRef(rs)?.uid) this.enqueueOwner(old);
    if (controllerRef(rs)) return this.enqueueOwner(rs);
    if (old && sameLabels(old.metadata.labels, rs.metadata.labels) && !controllerRef(old)) return;
    for (const d of this.deploymentsByNs.list(rs.metadata.namespace ?? '')) {
      const sel = selectorFromLabelSelector(d.spec?.selector);
      if (!sel.isEmpty() && sel.matches(rs.metadata.labels)) this.enqueue(d);
    }
  }

  /** Recreate waits for old pods to be gone: their deletion is news. */
  private podDeleted(pod: KubeObject): void {
    const ref = controllerRef(pod);
    if (!ref || ref.kind !== 'ReplicaSet') return;
    const rs = this.replicaSets.get(`${pod.metadata.namespace}/${ref.name}`);
    const d = rs && this.ownerOf(rs);
    if (d && d.spec?.strategy?.type === 'Recreate') this.enqueue(d);
  }

  async reconcile(key: string): Promise<Result> {
    const d = this.deployments.get(key);
    if (!d) return done;
    const { namespace, name } = nsName(key);
    const path = `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`;
    const selector = selectorFromLabelSelector(d.spec?.selector);
    if (selector.isEmpty()) {
      void this.recorder.event(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) {
        await new Rollout(d, [], this.deps()).putStatus({ ...(d.status ?? {}), observedGeneration: d.metadata.generation });
      }
      return done;
    }
    const rsList = await claimObjects(this.rsByNs.list(namespace), {
      owner: d,
      selector,
      client: this.client,
      pathOf: (rs) => `/apis/apps/v1/namespaces/${namespace}/replicasets/${rs.metadata.name}`,
      canAdopt: ownerStillValid(this.client, path, d),
    });
    const r = new Rollout(d, rsList, this.deps());
    if (d.metadata.deletionTimestamp) {
      const { newRS } = await r.getAllReplicaSetsAndSyncRevision(false);
      await r.syncStatus(r.rsList, newRS && this.current(r, newRS));
      return done;
    }
    await this.checkPausedConditions(r);
    if (d.spec?.paused || (await this.isScalingEvent(r))) return this.sync(r);
    const now = this.clock.now();
    if (d.spec?.strategy?.type === 'Recreate') {
      return rolloutRecreate(r, (rs) => this.pods.owned(namespace, rs.metadata.uid), now);
    }
    return rolloutRolling(r, now);
  }

  private deps() {
    return { client: this.client, recorder: this.recorder, clock: this.clock };
  }

  private current(r: Rollout, rs: KubeObject): KubeObject {
    return r.rsList.find((x) => x.metadata.uid === rs.metadata.uid) ?? rs;
  }

  /** Resize or paused: scale, clean up when paused, write status (upstream sync). */
  private async sync(r: Rollout): Promise<Result> {
    const { newRS, oldRSs } = await r.getAllReplicaSetsAndSyncRevision(false);
    await r.scale(newRS, oldRSs);
    if (r.d.spec?.paused) await r.cleanup(oldRSs.map((rs) => this.current(r, rs)));
    await r.syncStatus(r.rsList, newRS && this.current(r, newRS));
    return done;
  }

  /** An active ReplicaSet sized for another replica count: the Deployment was resized. */
  private async isScalingEvent(r: Rollout): Promise<boolean> {
    await r.getAllReplicaSetsAndSyncRevision(false);
    for (const rs of activeReplicaSets(r.rsList)) {
      const desired = rs.metadata.annotations?.[DESIRED_REPLICAS];
      if (desired !== undefined && Number(desired) !== replicasOf(r.d)) return true;
    }
    return false;
  }

  private async checkPausedConditions(r: Rollout): Promise<void> {
    if (!hasProgressDeadline(r.d)) return;
    const cond = getCondition(r.d.status?.conditions, PROGRESSING);
    if (cond?.reason === Reasons.timedOut) return;
    const pausedCond = cond?.reason === Reasons.paused;
    const st = structuredClone((r.d.status ?? {}) as DeploymentStatus);
    const now = this.clock.now();
    if (r.d.spec?.paused && !pausedCond) setCondition(st, newCondition(PROGRESSING, 'Unknown', Reasons.paused, 'Deployment is paused', now));
    else if (!r.d.spec?.paused && pausedCond) setCondition(st, newCondition(PROGRESSING, 'Unknown', Reasons.resumed, 'Deployment is resumed', now));
    else return;
    await r.putStatus(st);
  }
}
