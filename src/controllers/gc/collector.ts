// Garbage collector (upstream pkg/controller/garbagecollector), keyed by uid:
// - a dependent all of whose owners are gone is deleted (Background; Foreground when it has
//   dependents of its own and an owner waits in foreground deletion); dangling references
//   next to a live owner are removed;
// - an owner being deleted with the `orphan` finalizer loses its dependents' references to it,
//   then the finalizer;
// - an owner with `foregroundDeletion` deletes its blocking dependents and loses the
//   finalizer once none is left.
import { ApiError } from '../../api/errors.js';
import type { KubeObject, OwnerReference } from '../../api/types.js';
import { Controller, type ControllerContext } from '../runtime/controller.js';
import { done, requeueAfter, type Result } from '../runtime/result.js';
import { FOREGROUND, ORPHAN, OwnerGraph, hasFinalizer, ownerRefs, type GraphNode } from './graph.js';
import { ResourceMapper } from './mapper.js';

/** Resources whose objects the collector follows (owners of other kinds are looked up live). */
export const MONITORED: readonly { apiVersion: string; kind: string; path: string }[] = [
  { apiVersion: 'v1', kind: 'Pod', path: '/api/v1/pods' },
  { apiVersion: 'v1', kind: 'ReplicationController', path: '/api/v1/replicationcontrollers' },
  { apiVersion: 'v1', kind: 'ConfigMap', path: '/api/v1/configmaps' },
  { apiVersion: 'v1', kind: 'Secret', path: '/api/v1/secrets' },
  { apiVersion: 'v1', kind: 'Service', path: '/api/v1/services' },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim', path: '/api/v1/persistentvolumeclaims' },
  { apiVersion: 'apps/v1', kind: 'Deployment', path: '/apis/apps/v1/deployments' },
  { apiVersion: 'apps/v1', kind: 'ReplicaSet', path: '/apis/apps/v1/replicasets' },
  { apiVersion: 'apps/v1', kind: 'DaemonSet', path: '/apis/apps/v1/daemonsets' },
  { apiVersion: 'apps/v1', kind: 'StatefulSet', path: '/apis/apps/v1/statefulsets' },
  { apiVersion: 'apps/v1', kind: 'ControllerRevision', path: '/apis/apps/v1/controllerrevisions' },
  { apiVersion: 'batch/v1', kind: 'Job', path: '/apis/batch/v1/jobs' },
  { apiVersion: 'batch/v1', kind: 'CronJob', path: '/apis/batch/v1/cronjobs' },
  { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', path: '/apis/discovery.k8s.io/v1/endpointslices' },
];

const MERGE = 'application/merge-patch+json';

/** Same owner references, deletion state and finalizers: nothing the collector acts on changed (most updates are status). */
function sameForCollector(a: KubeObject, b: KubeObject): boolean {
  if (!!a.metadata.deletionTimestamp !== !!b.metadata.deletionTimestamp) return false;
  if (!sameJsonArray(a.metadata.finalizers, b.metadata.finalizers)) return false;
  return sameJsonArray(a.metadata.ownerReferences, b.metadata.ownerReferences);
}

/** JSON.stringify(x ?? []) === JSON.stringify(y ?? []), without building the strings when the arrays differ in length or are equal member by member. */
function sameJsonArray(x: readonly unknown[] | undefined, y: readonly unknown[] | undefined): boolean {
  if (x === y) return true;
  const xs = x ?? [];
  const ys = y ?? [];
  if (!Array.isArray(xs) || !Array.isArray(ys)) return JSON.stringify(xs) === JSON.stringify(ys);
  if (xs.length !== ys.length) return false;
  for (let i = 0; i < xs.length; i++) {
    const p = xs[i];
    const q = ys[i];
    if (p === q) continue;
    if (typeof p !== 'object' || typeof q !== 'object' || p === null || q === null) return JSON.stringify(p) === JSON.stringify(q) && sameJsonArray(xs.slice(i + 1), ys.slice(i + 1));
    const pk = Object.keys(p);
    const qk = Object.keys(q);
    if (pk.length !== qk.length) return false;
    for (let j = 0; j < pk.length; j++) {
      const k = pk[j]!;
      if (k !== qk[j]) return false;
      const pv = (p as Record<string, unknown>)[k];
      const qv = (q as Record<string, unknown>)[k];
      if (pv !== qv && (typeof pv !== 'object' || JSON.stringify(pv) !== JSON.stringify(qv))) return false;
    }
  }
  return true;
}
type OwnerState = 'solid' | 'dangling' | 'waiting';

export class GarbageCollector extends Controller {
  readonly graph = new OwnerGraph();
  private readonly mapper: ResourceMapper;

  constructor(ctx: ControllerContext, workers = 5) {
    super('garbage-collector-controller', ctx, workers);
    this.mapper = new ResourceMapper(ctx.client);
    for (const m of MONITORED) {
      ctx.informers.informer(m.path).addHandlers({
        add: (o) => this.observe(o, m.apiVersion, m.kind),
        update: (_old, o) => this.observe(o, m.apiVersion, m.kind),
        delete: (o) => this.gone(o),
      });
    }
  }

  /**
   * Safety net: every few seconds, look again at objects whose owners the graph does not
   * hold, so that an event seen in an unlucky order never leaves a dependent behind.
   */
  override async run(signal: AbortSignal): Promise<void> {
    const t = setInterval(() => {
      for (const n of this.graph.withMissingOwners()) this.queue.add(n.uid);
    }, 5000);
    t.unref();
    signal.addEventListener('abort', () => clearInterval(t), { once: true });
    return super.run(signal);
  }

  private observe(o: KubeObject, apiVersion: string, kind: string): void {
    if (!o.metadata.uid) return;
    const prev = this.graph.upsert(o, apiVersion, kind);
    const uid = o.metadata.uid;
    const deleting = !!o.metadata.deletionTimestamp;
    if (prev && sameForCollector(prev.obj, o)) return;
    if (ownerRefs(o).length || (deleting && (hasFinalizer(o, ORPHAN) || hasFinalizer(o, FOREGROUND)))) this.queue.add(uid);
    // owners waiting for their dependents hear about every change of one
    for (const r of [...ownerRefs(o), ...(prev ? ownerRefs(prev.obj) : [])]) this.queue.add(r.uid);
  }

  private gone(o: KubeObject): void {
    const uid = o.metadata.uid;
    if (!uid) return;
    const deps = this.graph.dependents(uid);
    this.graph.remove(uid);
    for (const d of deps) this.queue.add(d.uid);
    for (const r of ownerRefs(o)) this.queue.add(r.uid);
  }

  async reconcile(uid: string): Promise<Result> {
    const node = this.graph.get(uid);
    if (!node) return done;
    const o = node.obj;
    if (o.metadata.deletionTimestamp) {
      if (hasFinalizer(o, ORPHAN)) return this.orphanDependents(node);
      if (hasFinalizer(o, FOREGROUND)) return this.deleteDependentsFirst(node);
      return done;
    }
    if (!ownerRefs(o).length) return done;
    const states = await Promise.all(ownerRefs(o).map(async (r) => [r, await this.ownerState(node, r)] as const));
    const solid = states.filter(([, s]) => s === 'solid');
    const gone = states.filter(([, s]) => s !== 'solid').map(([r]) => r.uid);
    if (solid.length) {
      if (gone.length) await this.patchOwners(node, ownerRefs(o).filter((r) => !gone.includes(r.uid)));
      return done;
    }
    const waiting = states.some(([, s]) => s === 'waiting');
    let policy = 'Background';
    if (waiting && this.graph.hasDependents(uid)) policy = 'Foreground';
    else if (hasFinalizer(o, ORPHAN)) policy = 'Orphan';
    else if (hasFinalizer(o, FOREGROUND)) policy = 'Foreground';
    this.log.debug({ kind: node.kind, name: node.name, policy }, 'deleting object whose owners are gone');
    await this.deleteNode(node, policy);
    return done;
  }

  /** solid: exists with that uid; waiting: exists and deletes its dependents first; dangling: gone. */
  private async ownerState(node: GraphNode, r: OwnerReference): Promise<OwnerState> {
    const known = this.graph.get(r.uid);
    let owner = known?.obj;
    if (!owner) {
      const m = await this.mapper.map(r.apiVersion, r.kind);
      if (!m) return 'solid'; // unknown kind: never delete on a guess
      try {
        owner = await this.client.json<KubeObject>('GET', m.path(node.namespace, r.name));
      } catch (err) {
        if (err instanceof ApiError && err.code === 404) return 'dangling';
        throw err;
      }
      if (owner.metadata.uid !== r.uid) return 'dangling';
    }
    return owner.metadata.deletionTimestamp && hasFinalizer(owner, FOREGROUND) ? 'waiting' : 'solid';
  }

  private async orphanDependents(node: GraphNode): Promise<Result> {
    const results = await Promise.allSettled(
      this.graph.dependents(node.uid).map((d) => this.patchOwners(d, ownerRefs(d.obj).filter((r) => r.uid !== node.uid))),
    );
    const failed = results.find((x): x is PromiseRejectedResult => x.status === 'rejected');
    if (failed) throw failed.reason;
    await this.removeFinalizer(node, ORPHAN);
    return done;
  }

  private async deleteDependentsFirst(node: GraphNode): Promise<Result> {
    const blocking = this.graph.dependents(node.uid).filter((d) => ownerRefs(d.obj).some((r) => r.uid === node.uid && r.blockOwnerDeletion));
    if (!blocking.length) {
      await this.removeFinalizer(node, FOREGROUND);
      return done;
    }
    for (const d of blocking) {
      if (d.obj.metadata.deletionTimestamp) continue;
      await this.deleteNode(d, this.graph.hasDependents(d.uid) ? 'Foreground' : 'Background');
    }
    return requeueAfter(5000); // dependents' deletions bring us back sooner
  }

  private async pathOf(n: GraphNode): Promise<string | undefined> {
    return (await this.mapper.map(n.apiVersion, n.kind))?.path(n.namespace, n.name);
  }

  private async deleteNode(n: GraphNode, propagationPolicy: string): Promise<void> {
    const path = await this.pathOf(n);
    if (!path) return;
    try {
      await this.client.json('DELETE', path, { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy, preconditions: { uid: n.uid } });
    } catch (err) {
      if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) throw err;
    }
  }

  private async patchOwners(n: GraphNode, refs: OwnerReference[]): Promise<void> {
    const path = await this.pathOf(n);
    if (!path) return;
    const patch = { metadata: { resourceVersion: n.obj.metadata.resourceVersion, ownerReferences: refs.length ? refs : null } };
    try {
      await this.client.json('PATCH', path, patch, MERGE);
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err;
    }
  }

  private async removeFinalizer(n: GraphNode, f: string): Promise<void> {
    const path = await this.pathOf(n);
    if (!path) return;
    const rest = (n.obj.metadata.finalizers ?? []).filter((x) => x !== f);
    const patch = { metadata: { resourceVersion: n.obj.metadata.resourceVersion, finalizers: rest.length ? rest : null } };
    try {
      await this.client.json('PATCH', path, patch, MERGE);
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err;
    }
  }
}
