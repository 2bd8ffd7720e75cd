// Shared informers: one informer per collection path for every controller in the manager
// (so they share one pod cache), plus a namespace index kept by handlers, since most
// controllers look at "the pods of this namespace".
import type { KubeObject } from '../../api/types.js';
import { Informer, dropManagedFields, objectKey } from '../../client/informer.js';
import type { RestClient } from '../../client/rest.js';
import type { Logger } from '../../util/logger.js';

export class NamespaceIndex<T extends KubeObject> {
  private readonly byNs = new Map<string, Map<string, T>>();

  constructor(informer: Informer<T>) {
    informer.addHandlers({
      add: (o) => this.put(o),
      update: (_old, o) => this.put(o),
      delete: (o) => {
        const m = this.byNs.get(o.metadata.namespace ?? '');
        m?.delete(objectKey(o));
        if (m && m.size === 0) this.byNs.delete(o.metadata.namespace ?? '');
      },
    });
  }

  list(namespace: string): T[] {
    const m = this.byNs.get(namespace);
    return m ? [...m.values()] : [];
  }

  private put(o: T): void {
    const ns = o.metadata.namespace ?? '';
    let m = this.byNs.get(ns);
    if (!m) this.byNs.set(ns, (m = new Map()));
    m.set(objectKey(o), o);
  }
}

/**
 * Objects by the uid of their controller (the ownerReference with controller: true), and the
 * orphans (no controller) by namespace: what an owner claims (upstream's controllerUID
 * index). A ReplicaSet's sync looks at its own pods and the namespace's orphans, not at every
 * pod of the namespace.
 */
export class ControllerIndex<T extends KubeObject> {
  private readonly byUid = new Map<string, Map<string, T>>();
  private readonly orphansByNs = new Map<string, Map<string, T>>();
  /** where each key is filed: a controller uid, or '\0' + namespace for an orphan */
  private readonly bucketOf = new Map<string, string>();

  constructor(informer: Informer<T>) {
    informer.addHandlers({
      add: (o) => this.put(o),
      update: (_old, o) => this.put(o),
      delete: (o) => this.remove(objectKey(o)),
    });
  }

  /** The objects whose controller has this uid, in namespace. */
  owned(namespace: string, uid: string | undefined): T[] {
    const m = uid === undefined ? undefined : this.byUid.get(uid);
    if (!m) return [];
    const out: T[] = [];
    for (const o of m.values()) if ((o.metadata.namespace ?? '') === namespace) out.push(o);
    return out;
  }

  /** Objects in namespace without a controller. */
  orphans(namespace: string): T[] {
    const m = this.orphansByNs.get(namespace);
    return m ? [...m.values()] : [];
  }

  private put(o: T): void {
    const key = objectKey(o);
    const uid = o.metadata.ownerReferences?.find((r) => r.controller === true)?.uid;
    const bucket = uid !== undefined ? uid : '\0' + (o.metadata.namespace ?? '');
    const was = this.bucketOf.get(key);
    if (was !== undefined && was !== bucket) this.remove(key);
    this.bucketOf.set(key, bucket);
    const maps = uid !== undefined ? this.byUid : this.orphansByNs;
    const id = uid !== undefined ? uid : o.metadata.namespace ?? '';
    let m = maps.get(id);
    if (!m) maps.set(id, (m = new Map()));
    m.set(key, o);
  }

  private remove(key: string): void {
    const bucket = this.bucketOf.get(key);
    if (bucket === undefined) return;
    this.bucketOf.delete(key);
    const orphan = bucket.charCodeAt(0) === 0;
    const maps = orphan ? this.orphansByNs : this.byUid;
    const id = orphan ? bucket.slice(1) : bucket;
    const m = maps.get(id);
    m?.delete(key);
    if (m && m.size === 0) maps.delete(id);
  }
}

interface Entry {
  informer: Informer<KubeObject>;
  index?: NamespaceIndex<KubeObject>;
  byController?: ControllerIndex<KubeObject>;
}

export class SharedInformers {
  private readonly entries = new Map<string, Entry>();
  private signal: AbortSignal | undefined;

  constructor(
    private readonly client: RestClient,
    private readonly log: Logger,
  ) {}

  /** The informer for a collection path (e.g. /api/v1/pods), created on first use. */
  informer<T extends KubeObject = KubeObject>(path: string): Informer<T> {
    return this.entry(path).informer as unknown as Informer<T>;
  }

  /** A namespace index over the informer for path. */
  byNamespace<T extends KubeObject = KubeObject>(path: string): NamespaceIndex<T> {
    const e = this.entry(path);
    if (!e.index) e.index = new NamespaceIndex(e.informer);
    return e.index as unknown as NamespaceIndex<T>;
  }

  /** A controller-uid index over the informer for path. */
  byController<T extends KubeObject = KubeObject>(path: string): ControllerIndex<T> {
    const e = this.entry(path);
    if (!e.byController) e.byController = new ControllerIndex(e.informer);
    return e.byController as unknown as ControllerIndex<T>;
  }

  /** Start every informer (and any created later) until the signal aborts. */
  start(signal: AbortSignal): void {
    this.signal = signal;
    for (const e of this.entries.values()) void e.informer.run(signal);
  }

  async waitForSync(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => e.informer.waitForSync()));
  }

  private entry(path: string): Entry {
    let e = this.entries.get(path);
    if (!e) {
      // no controller reads metadata.managedFields (kube-controller-manager trims them too):
      // smaller caches, and the objects they write back carry none, which the server reads as
      // "keep the stored entries" without comparing them
      e = { informer: new Informer<KubeObject>(this.client, { path, pageSize: 500, transform: dropManagedFields }, this.log) };
      this.entries.set(path, e);
      if (this.signal && !this.signal.aborted) void e.informer.run(this.signal);
    }
    return e;
  }
}
