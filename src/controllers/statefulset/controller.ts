// The StatefulSet controller (upstream pkg/controller/statefulset): claims pods and
// ControllerRevisions by selector, finds the current and update revisions, runs one pass of
// syncStatefulSet, writes status and trims revision history. Level-triggered on the shared
// caches; pod names are the identity, so a stale cache at worst sends a create that ends in
// AlreadyExists or a delete guarded by the pod's uid.
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import { selectorFromLabelSelector } from '../../api/labels.js';
import type { Informer } from '../../client/informer.js';
import { Controller, type ControllerContext } from '../runtime/controller.js';
import type { NamespaceIndex } from '../runtime/informers.js';
import { claimObjects, ownerStillValid } from '../runtime/claim.js';
import { controllerRef, isPodReady, nsName, stableJson } from '../runtime/objects.js';
import { done, requeueAfter, type Result } from '../runtime/result.js';
import { ordinalOf } from './identity.js';
import type { PodControlDeps } from './podcontrol.js';
import { resolveRevisions, truncateHistory } from './history.js';
import { completeRollingUpdate, syncStatefulSet, type StatefulSetStatus } from './sync.js';

const STS_PATH = '/apis/apps/v1/statefulsets';
const CR_PATH = '/apis/apps/v1/controllerrevisions';
const POD_PATH = '/api/v1/pods';
const PVC_PATH = '/api/v1/persistentvolumeclaims';

export class StatefulSetController extends Controller {
  private readonly sets: Informer<KubeObject>;
  private readonly setsByNs: NamespaceIndex<KubeObject>;
  private readonly pods: NamespaceIndex<KubeObject>;
  private readonly revisions: NamespaceIndex<KubeObject>;
  private readonly claims: Informer<KubeObject>;

  constructor(ctx: ControllerContext, workers = 5) {
    super('statefulset-controller', ctx, workers);
    this.sets = ctx.informers.informer(STS_PATH);
    this.setsByNs = ctx.informers.byNamespace(STS_PATH);
    this.pods = ctx.informers.byNamespace(POD_PATH);
    this.revisions = ctx.informers.byNamespace(CR_PATH);
    this.claims = ctx.informers.informer(PVC_PATH);
    this.sets.addHandlers({ add: (s) => this.enqueue(s), update: (_o, s) => this.enqueue(s), delete: (s) => this.enqueue(s) });
    ctx.informers.informer(POD_PATH).addHandlers({
      add: (p) => this.dependentChanged(undefined, p),
      update: (o, p) => this.dependentChanged(o, p),
      delete: (p) => this.dependentChanged(undefined, p),
    });
    ctx.informers.informer(CR_PATH).addHandlers({
      add: (r) => this.dependentChanged(undefined, r),
      update: (o, r) => this.dependentChanged(o, r),
      delete: (r) => this.dependentChanged(undefined, r),
    });
  }

  private ownerOf(o: KubeObject): KubeObject | undefined {
    const ref = controllerRef(o);
    if (!ref || ref.kind !== 'StatefulSet') return undefined;
    const set = this.sets.get(`${o.metadata.namespace}/${ref.name}`);
    return set && set.metadata.uid === ref.uid ? set : undefined;
  }

  /** A pod or revision changed: its owner looks again; an orphan is offered to matching sets. */
  private dependentChanged(old: KubeObject | undefined, o: KubeObject): void {
    if (old && controllerRef(old)?.uid !== controllerRef(o)?.uid) {
      const prev = this.ownerOf(old);
      if (prev) this.enqueue(prev);
    }
    const owner = this.ownerOf(o);
    if (owner) {
      this.enqueue(owner);
      const minReady = Number(owner.spec?.minReadySeconds ?? 0);
      if (old && minReady > 0 && !isPodReady(old) && isPodReady(o)) this.enqueueAfter(owner, minReady * 1000 + 100);
      return;
    }
    if (controllerRef(o)) return;
    for (const set of this.setsByNs.list(o.metadata.namespace ?? '')) {
      const sel = selectorFromLabelSelector(set.spec?.selector);
      if (!sel.isEmpty() && sel.matches(o.metadata.labels)) this.enqueue(set);
    }
  }

  async reconcile(key: string): Promise<Result> {
    const set = this.sets.get(key);
    if (!set) return done;
    const { namespace, name } = nsName(key);
    const path = `/apis/apps/v1/namespaces/${namespace}/statefulsets/${name}`;
    const selector = selectorFromLabelSelector(set.spec?.selector);
    if (selector.isEmpty()) {
      void this.recorder.event(set, 'Warning', 'SelectingAll', 'This statefulset is selecting all pods. A non-empty selector is required.');
      return done;
    }
    const canAdopt = ownerStillValid(this.client, path, set);
    // only pods named <set>-<ordinal> are members; others are never adopted (upstream isMemberOf)
    const candidates = this.pods.list(namespace).filter((p) => controllerRef(p) || ordinalOf(set, p) >= 0);
    const pods = await claimObjects(candidates, { owner: set, selector, client: this.client, pathOf: (p) => `/api/v1/namespaces/${namespace}/pods/${p.metadata.name}`, canAdopt });
    const revisions = await claimObjects(this.revisions.list(namespace), {
      owner: set,
      selector,
      client: this.client,
      pathOf: (r) => `/apis/apps/v1/namespaces/${namespace}/controllerrevisions/${r.metadata.name}`,
      canAdopt,
    });
    const revs = await resolveRevisions(this.client, set, revisions);
    const deps: PodControlDeps = { client: this.client, recorder: this.recorder, claim: (k) => this.claims.get(k) };
    let syncError: unknown;
    let status: StatefulSetStatus | undefined;
    let requeueMs: number | undefined;
    try {
      const r = await syncStatefulSet(deps, { set, ...revs, pods, now: this.clock.now() });
      status = r.status;
      requeueMs = r.requeueMs;
    } catch (err) {
      syncError = err;
    }
    if (status) {
      completeRollingUpdate(set, status);
      await this.writeStatus(path, set, status);
    }
    if (syncError) throw syncError;
    await truncateHistory(this.client, set, pods, revs.all, [revs.currentRevision, revs.updateRevision]);
    return requeueMs !== undefined ? requeueAfter(requeueMs) : done;
  }

  /** PUT status unless unchanged; on a conflict re-read once and retry. */
  private async writeStatus(path: string, set: KubeObject, status: StatefulSetStatus): Promise<void> {
    let cur = set;
    for (let attempt = 0; ; attempt++) {
      if (stableJson(cur.status ?? {}) === stableJson(status)) return;
      try {
        await this.client.json('PUT', `${path}/status`, { ...cur, status });
        return;
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 409) || attempt >= 1) throw err;
        cur = await this.client.json<KubeObject>('GET', path);
      }
    }
  }
}
