// The DaemonSet controller (upstream pkg/controller/daemon): one pod per eligible node, pinned
// to it by node affinity and placed by the scheduler; pods follow nodes that come, go or
// change labels and taints; RollingUpdate and OnDelete; ControllerRevisions for
// `kubectl rollout history|undo`; status counts. Level-triggered on the shared caches.
import type { KubeObject } from '../../api/types.js';
import { selectorFromLabelSelector } from '../../api/labels.js';
import { objectKey, type Informer } from '../../client/informer.js';
import { claimObjects, ownerStillValid } from '../runtime/claim.js';
import { Controller, type ControllerContext } from '../runtime/controller.js';
import { Expectations } from '../runtime/expectations.js';
import { ownedRevisions } from '../runtime/history.js';
import type { NamespaceIndex } from '../runtime/informers.js';
import { controllerRef, isPodReady, nsName, stableJson } from '../runtime/objects.js';
import { done, requeueAfter, sooner, type Result } from '../runtime/result.js';
import { cleanupHistory, constructHistory } from './history.js';
import { FailedPodBackoff, planNode, syncNodes, type NodePlan } from './manage.js';
import { daemonPodSpec, nodeShouldRunDaemonPod, targetNodeName, type Placement } from './placement.js';
import { calculateCounts, storeStatus } from './status.js';
import { planRollingUpdate } from './update.js';
import { isRollingUpdate } from './util.js';

const DS_PATH = '/apis/apps/v1/daemonsets';
const CR_PATH = '/apis/apps/v1/controllerrevisions';
const NODES_PATH = '/api/v1/nodes';
const PODS_PATH = '/api/v1/pods';

export class DaemonSetController extends Controller {
  private readonly creations: Expectations;
  private readonly deletions: Expectations;
  private readonly backoff = new FailedPodBackoff();
  private readonly daemonSets: Informer<KubeObject>;
  private readonly dsByNs: NamespaceIndex<KubeObject>;
  private readonly nodes: Informer<KubeObject>;
  private readonly pods: NamespaceIndex<KubeObject>;
  private readonly revisions: NamespaceIndex<KubeObject>;

  constructor(ctx: ControllerContext, workers = 2) {
    super('daemonset-controller', ctx, workers);
    this.creations = new Expectations(ctx.clock);
    this.deletions = new Expectations(ctx.clock);
    this.daemonSets = ctx.informers.informer(DS_PATH);
    this.dsByNs = ctx.informers.byNamespace(DS_PATH);
    this.nodes = ctx.informers.informer(NODES_PATH);
    this.pods = ctx.informers.byNamespace(PODS_PATH);
    this.revisions = ctx.informers.byNamespace(CR_PATH);
    this.daemonSets.addHandlers({
      add: (ds) => this.enqueue(ds),
      update: (_o, ds) => this.enqueue(ds),
      delete: (ds) => {
        this.creations.delete(objectKey(ds));
        this.deletions.delete(objectKey(ds));
        this.enqueue(ds);
      },
    });
    ctx.informers.informer(CR_PATH).addHandlers({
      add: (r) => this.enqueueOwnerOrMatching(r),
      update: (_o, r) => this.enqueueOwnerOrMatching(r),
      delete: (r) => this.enqueueOwner(r),
    });
    ctx.informers.informer(PODS_PATH).addHandlers({
      add: (p) => this.podAdded(p),
      update: (o, p) => this.podUpdated(o, p),
      delete: (p) => this.podDeleted(p),
    });
    this.nodes.addHandlers({ add: (n) => this.nodeChanged(undefined, n), update: (o, n) => this.nodeChanged(o, n), delete: () => this.enqueueAll() });
  }

  private ownerOf(o: KubeObject): KubeObject | undefined {
    const ref = controllerRef(o);
    if (!ref || ref.kind !== 'DaemonSet') return undefined;
    const ds = this.daemonSets.get(`${o.metadata.namespace}/${ref.name}`);
    return ds && ds.metadata.uid === ref.uid ? ds : undefined;
  }

  private enqueueOwner(o: KubeObject): void {
    const ds = this.ownerOf(o);
    if (ds) this.enqueue(ds);
  }

  /** The owner of o, or (for an orphan) every DaemonSet whose selector matches it. */
  private enqueueOwnerOrMatching(o: KubeObject): void {
    if (controllerRef(o)) return this.enqueueOwner(o);
    for (const ds of this.dsByNs.list(o.metadata.namespace ?? '')) {
      try {
        const sel = selectorFromLabelSelector(ds.spec?.selector);
        if (!sel.isEmpty() && sel.matches(o.metadata.labels)) this.enqueue(ds);
      } catch {
        // an invalid selector selects nothing
      }
    }
  }

  private enqueueAll(): void {
    for (const ds of this.daemonSets.list()) this.enqueue(ds);
  }

  private podAdded(pod: KubeObject): void {
    if (pod.metadata.deletionTimestamp) return this.podDeleted(pod);
    const ds = this.ownerOf(pod);
    if (ds) {
      this.creations.creationObserved(objectKey(ds));
      this.enqueue(ds);
    } else if (!controllerRef(pod)) this.enqueueOwnerOrMatching(pod);
  }

  private podUpdated(old: KubeObject, pod: KubeObject): void {
    if (pod.metadata.deletionTimestamp) return this.podDeleted(pod);
    const oldRef = controllerRef(old);
    if (oldRef && oldRef.uid !== controllerRef(pod)?.uid) this.enqueueOwner(old);
    const ds = this.ownerOf(pod);
    if (ds) {
      this.enqueue(ds);
      const minReady = Number(ds.spec?.minReadySeconds ?? 0);
      if (minReady > 0 && !isPodReady(old) && isPodReady(pod)) this.enqueueAfter(ds, minReady * 1000 + 1000);
      return;
    }
    if (!controllerRef(pod) && (oldRef || stableJson(old.metadata.labels) !== stableJson(pod.metadata.labels))) this.enqueueOwnerOrMatching(pod);
  }

  private podDeleted(pod: KubeObject): void {
    const ds = this.ownerOf(pod);
    if (!ds) return;
    this.deletions.deletionObserved(objectKey(ds), objectKey(pod));
    this.enqueue(ds);
  }

  /** Sync the DaemonSets for which the node's fitness changed (labels, taints: not heartbeats). */
  private nodeChanged(old: KubeObject | undefined, node: KubeObject): void {
    for (const ds of this.daemonSets.list()) {
      const cur = nodeShouldRunDaemonPod(node, ds);
      if (!old) {
        if (cur.shouldRun) this.enqueue(ds);
        continue;
      }
      const prev = nodeShouldRunDaemonPod(old, ds);
      if (prev.shouldRun !== cur.shouldRun || prev.shouldContinueRunning !== cur.shouldContinueRunning) this.enqueue(ds);
    }
  }

  async reconcile(key: string): Promise<Result> {
    const ds = this.daemonSets.get(key);
    if (!ds) {
      this.creations.delete(key);
      this.deletions.delete(key);
      return done;
    }
    const { namespace, name } = nsName(key);
    const selector = selectorFromLabelSelector(ds.spec?.selector);
    if (selector.isEmpty()) {
      void this.recorder.event(ds, 'Warning', 'SelectingAll', 'This daemon set is selecting all pods. A non-empty selector is required.');
      return done;
    }
    // a DaemonSet being deleted may have lost its history already: leave it to the garbage collector
    if (ds.metadata.deletionTimestamp) return done;
    const path = `/apis/apps/v1/namespaces/${namespace}/daemonsets/${name}`;
    const revs = await claimObjects(this.revisions.list(namespace), {
      owner: ds,
      selector,
      client: this.client,
      pathOf: (r) => `/apis/apps/v1/namespaces/${namespace}/controllerrevisions/${r.metadata.name}`,
      canAdopt: ownerStillValid(this.client, path, ds),
    });
    const history = await constructHistory(this.client, ds, ownedRevisions(revs, ds));
    const pods = await claimObjects(this.pods.list(namespace), {
      owner: ds,
      selector,
      client: this.client,
      pathOf: (p) => `/api/v1/namespaces/${namespace}/pods/${p.metadata.name}`,
      canAdopt: ownerStillValid(this.client, path, ds),
    });
    const nodes = this.nodes.list();
    const satisfied = this.creations.satisfied(key) && this.deletions.satisfied(key);
    let result: Result = done;
    let syncError: unknown;
    if (satisfied) {
      try {
        result = await this.update(ds, key, nodes, pods, history.hash);
        await cleanupHistory(this.client, ds, history.old, pods);
      } catch (err) {
        syncError = err;
      }
    }
    const now = this.clock.now();
    const counts = calculateCounts(ds, nodes, podsByNode(pods), history.hash, now);
    await storeStatus(this.client, ds, counts, satisfied);
    if (syncError) throw syncError;
    const minReady = Number(ds.spec?.minReadySeconds ?? 0);
    if (minReady > 0 && counts.numberReady !== counts.numberAvailable) result = sooner(result, requeueAfter(minReady * 1000));
    return result;
  }

  /** manage, then (once manage's effects are seen) one step of the rolling update. */
  private async update(ds: KubeObject, key: string, nodes: KubeObject[], pods: KubeObject[], hash: string): Promise<Result> {
    const spec = daemonPodSpec(ds);
    const cache = new Map<string, Placement>();
    const placement = (n: KubeObject): Placement => {
      let p = cache.get(n.metadata.name!);
      if (!p) cache.set(n.metadata.name!, (p = nodeShouldRunDaemonPod(n, ds, spec)));
      return p;
    };
    const byNode = podsByNode(pods);
    const plan: NodePlan = { create: [], delete: [] };
    const ctx = { ds, hash, now: this.clock.now(), recorder: this.recorder, backoff: this.backoff };
    for (const n of nodes) planNode(n.metadata.name!, placement(n), byNode.get(n.metadata.name!), ctx, plan);
    // pods for nodes that are gone and were never scheduled: nothing else would remove them
    const names = new Set(nodes.map((n) => n.metadata.name!));
    for (const [node, list] of byNode) {
      if (!names.has(node)) for (const p of list) if (!p.spec?.nodeName && !p.metadata.deletionTimestamp) plan.delete.push(p);
    }
    const deps = { client: this.client, recorder: this.recorder, creations: this.creations, deletions: this.deletions };
    await syncNodes(ds, key, plan.delete, plan.create, hash, deps);
    if (isRollingUpdate(ds) && this.creations.satisfied(key) && this.deletions.satisfied(key)) {
      const roll = planRollingUpdate(ds, nodes, byNode, placement, hash, this.clock.now());
      if (roll.create.length || roll.delete.length) await syncNodes(ds, key, roll.delete, roll.create, hash, deps);
    }
    return plan.retryAfter !== undefined ? requeueAfter(plan.retryAfter) : done;
  }
}

/** Live daemon pods per target node (terminal pods being deleted are finished business). */
function podsByNode(pods: KubeObject[]): Map<string, KubeObject[]> {
  const m = new Map<string, KubeObject[]>();
  for (const p of pods) {
    const phase = p.status?.phase;
    if (p.metadata.deletionTimestamp && (phase === 'Succeeded' || phase === 'Failed')) continue;
    const node = targetNodeName(p);
    if (!node) continue;
    let list = m.get(node);
    if (!list) m.set(node, (list = []));
    list.push(p);
  }
  return m;
}
