// The ReplicaSet controller (and, with REPLICATION_CONTROLLER, the ReplicationController
// controller): keeps spec.replicas active pods, adopts and releases pods by selector, and
// reports status. Upstream pkg/controller/replicaset, level-triggered on the shared caches.
import type { KubeObject } from '../../api/types.js';
import { objectKey, type Informer } from '../../client/informer.js';
import type { ControllerIndex, NamespaceIndex } from '../runtime/informers.js';
import { Controller, type ControllerContext } from '../runtime/controller.js';
import { Expectations, EXPECTATIONS_TIMEOUT_MS } from '../runtime/expectations.js';
import { claimObjects, ownerStillValid } from '../runtime/claim.js';
import { controllerRef, isActivePod, isPodReady, nsName, sameLabels } from '../runtime/objects.js';
import { done, requeueAfter, type Result } from '../runtime/result.js';
import type { ReplicatedKind } from './kind.js';
import { manageReplicas, SlowStarts } from './manage.js';
import { calculateStatus, updateStatus } from './status.js';

export class ReplicaSetController extends Controller {
  readonly expectations: Expectations;
  private readonly slowStarts = new SlowStarts();
  private readonly owners: Informer<KubeObject>;
  private readonly ownersByNs: NamespaceIndex<KubeObject>;
  private readonly pods: ControllerIndex<KubeObject>;

  constructor(
    private readonly kind: ReplicatedKind,
    ctx: ControllerContext,
    // kube-controller-manager's --concurrent-replicaset-syncs is 5. Here the workers share one
    // process with the API server: a sync mostly waits for its writes (slow-start rounds of pod
    // creations), so more workers keep more ReplicaSets' rounds in flight when many start at
    // once (bench:controllers, 100 Deployments, with 25 Deployment workers: the 90th-percentile
    // Deployment got its first pod about twice as soon with 10 as with 5). 20 then cut the
    // median run from 2.04 to 1.81 s over 7 interleaved pairs (the machine was ~20% idle
    // at 10: syncs waited for answers, and status syncs queued behind creating ones) with as
    // many status writes; 40 synced each ReplicaSet more often (1,050-1,070 status writes
    // instead of 800 for 400 ReplicaSets) for no gain.
    workers = 20,
  ) {
    super(kind.controllerName, ctx, workers);
    this.expectations = new Expectations(ctx.clock);
    this.owners = ctx.informers.informer(kind.listPath);
    this.ownersByNs = ctx.informers.byNamespace(kind.listPath);
    this.pods = ctx.informers.byController('/api/v1/pods');
    this.owners.addHandlers({
      add: (rs) => this.enqueue(rs),
      update: (_o, rs) => this.enqueue(rs),
      delete: (rs) => {
        this.expectations.delete(objectKey(rs));
        this.slowStarts.forget(objectKey(rs));
        this.enqueue(rs);
      },
    });
    ctx.informers.informer('/api/v1/pods').addHandlers({
      add: (p) => this.podAdded(p),
      update: (o, p) => this.podUpdated(o, p),
      delete: (p) => this.podDeleted(p),
    });
  }

  /** The owner named by pod's controller reference, when it is one of ours. */
  private ownerOf(pod: KubeObject): KubeObject | undefined {
    const ref = controllerRef(pod);
    if (!ref || ref.kind !== this.kind.kind) return undefined;
    const rs = this.owners.get(`${pod.metadata.namespace}/${ref.name}`);
    return rs && rs.metadata.uid === ref.uid ? rs : undefined;
  }

  /** Owners whose selector matches an orphan pod (they may adopt it). */
  private matchingOwners(pod: KubeObject): KubeObject[] {
    return this.ownersByNs.list(pod.metadata.namespace ?? '').filter((rs) => {
      try {
        const sel = this.kind.selector(rs);
        return !sel.isEmpty() && sel.matches(pod.metadata.labels);
      } catch {
        return false;
      }
    });
  }

  private podAdded(pod: KubeObject): void {
    if (pod.metadata.deletionTimestamp) return this.podDeleted(pod);
    if (controllerRef(pod)) {
      const rs = this.ownerOf(pod);
      if (!rs) return;
      this.expectations.creationObserved(objectKey(rs));
      this.enqueue(rs);
      return;
    }
    for (const rs of this.matchingOwners(pod)) this.enqueue(rs);
  }

  private podUpdated(old: KubeObject, pod: KubeObject): void {
    if (pod.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) {
      // a graceful deletion started: count it now, so a replacement is not held back
      this.podDeleted(pod);
      if (!sameLabels(old.metadata.labels, pod.metadata.labels)) this.podDeleted(old);
      return;
    }
    const labelsChanged = !sameLabels(old.metadata.labels, pod.metadata.labels);
    const oldRef = controllerRef(old);
    const curRef = controllerRef(pod);
    if (oldRef && oldRef.uid !== curRef?.uid) {
      const prev = this.ownerOf(old);
      if (prev) this.enqueue(prev);
    }
    const rs = this.ownerOf(pod);
    if (rs) {
      this.enqueue(rs);
      const minReady = Number(rs.spec?.minReadySeconds ?? 0);
      if (minReady > 0 && !isPodReady(old) && isPodReady(pod)) this.enqueueAfter(rs, minReady * 1000 + 1000);
      return;
    }
    if (!curRef && (labelsChanged || oldRef)) for (const m of this.matchingOwners(pod)) this.enqueue(m);
  }

  private podDeleted(pod: KubeObject): void {
    const rs = this.ownerOf(pod);
    if (!rs) return;
    const key = objectKey(rs);
    this.expectations.deletionObserved(key, objectKey(pod));
    this.enqueue(key);
  }

  /** Pods of every sibling owned by the same controller (a Deployment's ReplicaSets). */
  private relatedPods(rs: KubeObject): KubeObject[] {
    const ns = rs.metadata.namespace ?? '';
    const top = controllerRef(rs);
    if (!top) return this.pods.owned(ns, rs.metadata.uid);
    return this.ownersByNs
      .list(ns)
      .filter((o) => controllerRef(o)?.uid === top.uid)
      .flatMap((o) => this.pods.owned(ns, o.metadata.uid));
  }

  async reconcile(key: string): Promise<Result> {
    const rs = this.owners.get(key);
    if (!rs) {
      this.expectations.delete(key);
      this.slowStarts.forget(key);
      return done;
    }
    const { namespace, name } = nsName(key);
    const path = this.kind.path(namespace, name);
    const selector = this.kind.selector(rs);
    const satisfied = this.expectations.satisfied(key);
    // what it may claim: its own pods and the namespace's orphans (others' pods are skipped)
    const candidates = [...this.pods.owned(namespace, rs.metadata.uid), ...this.pods.orphans(namespace)].filter((p) => isActivePod(p));
    const active = await claimObjects(candidates, {
      owner: rs,
      selector,
      client: this.client,
      pathOf: (p) => `/api/v1/namespaces/${namespace}/pods/${p.metadata.name}`,
      canAdopt: ownerStillValid(this.client, path, rs),
    });
    if (!satisfied && !rs.metadata.deletionTimestamp) {
      const pending = this.expectations.pending(key);
      // Creations of a scale-up still unobserved (the last few of a burst): each requeues this
      // ReplicaSet when it is observed, and that sync writes the status. Writing it now too
      // costs a round trip that holds back the next burst (bench:controllers, 5,000 replicas:
      // one 150-250 ms status write per 500 pods on a busy server). The requeue is a safety
      // net for a creation never observed: the expectation expires, the status is written.
      if (pending && pending.add > 0 && pending.del <= 0) return requeueAfter(EXPECTATIONS_TIMEOUT_MS + 1000);
    }
    let manageError: unknown;
    if (satisfied && !rs.metadata.deletionTimestamp) {
      try {
        const more = await manageReplicas(rs, key, active, () => this.relatedPods(rs), { client: this.client, recorder: this.recorder, expectations: this.expectations, slowStarts: this.slowStarts });
        // A scale-up cut at BURST_REPLICAS: the status computed from `active` is already a
        // burst behind, and the pods just created requeue this ReplicaSet as they are
        // observed, so the next sync (which creates the next burst) writes a fresher one.
        // Writing it here would hold that sync back by a round trip through a busy server.
        if (more) return done;
      } catch (err) {
        manageError = err;
      }
    }
    const status = calculateStatus(rs, active, manageError, this.clock);
    const updated = await updateStatus(this.client, path, rs, status);
    if (manageError) throw manageError;
    const minReady = Number(updated.spec?.minReadySeconds ?? 0);
    const want = Number(updated.spec?.replicas ?? 1);
    if (minReady > 0 && (status.readyReplicas ?? 0) === want && (status.availableReplicas ?? 0) !== want) return requeueAfter(minReady * 1000);
    return done;
  }
}
