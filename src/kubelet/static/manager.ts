// Static pods: the pods of the manifest sources run through the same pod workers as API pods,
// with no API server needed; the API only sees a mirror pod per static pod. Timeline of one:
//   manifest seen ─▶ worker started (uid = config hash) ─▶ mirror pod created (annotation
//   config.mirror = hash, owned by the Node) ─▶ status written to the mirror on change
//   manifest edited: a new uid; the old pod is killed, the new one starts once it is gone;
//   the mirror (stale hash) is replaced. manifest removed: pod killed, mirror deleted.
//   mirror deleted or being deleted: deleted for good (grace 0) and made again; the pod runs on.
// reconcile() compares what the sources want with what runs and what the API shows; it runs
// after every change and every tickMs (mirror writes that failed are tried again then).
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import type { RestClient } from '../../client/rest.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { sleep } from '../sleep.js';
import type { Pod } from '../types.js';
import { ANNOTATION_CONFIG_HASH, ANNOTATION_CONFIG_MIRROR, ANNOTATION_CONFIG_SEEN, fullName } from './manifest.js';
import { FileSource, UrlSource, type SourceUpdate } from './sources.js';

/** What the manager needs of the pod workers. */
export interface StaticPodWorkers {
  update(pod: Pod): void;
  gone(uid: string, graceSeconds?: number): void;
  phaseOf(uid: string): string | undefined;
  kick(uid: string): void;
}

export interface StaticPodOptions {
  nodeName: string;
  client: RestClient;
  clock: Clock;
  log: Logger;
  /** --pod-manifest-path: a directory or one file */
  manifestPath?: string;
  /** --manifest-url */
  manifestUrl?: string;
  /** how often the path is re-read (besides fs events) and the URL fetched (default 20 s) */
  checkMs?: number;
  /** how often mirrors and pending starts are re-checked (default 1 s) */
  tickMs?: number;
}

export class StaticPods {
  private workers: StaticPodWorkers | undefined;
  private readonly bySource = new Map<string, Pod[]>();
  private readonly seen = new Map<string, string>();
  /** pods handed to the workers, by uid: the objects the workers hold (status is kept in them) */
  private readonly active = new Map<string, Pod>();
  /** uid -> full name of pods being killed */
  private readonly removing = new Map<string, string>();
  private readonly mirrors = new Map<string, KubeObject>();
  private ready = false;
  private nodeUID: string | undefined;
  /** the last reconcile error, while reconciles keep failing */
  private failing: string | undefined;
  private running: Promise<void> | undefined;
  private again = false;

  constructor(private readonly o: StaticPodOptions, private readonly signal: AbortSignal) {}

  /** Reads every source once, starts the pods and the watch loops; resolves after the first listing. */
  async start(workers: StaticPodWorkers): Promise<void> {
    this.workers = workers;
    const onUpdate: SourceUpdate = (id, pods) => {
      this.bySource.set(id, pods);
      this.kick();
    };
    const so = { nodeName: this.o.nodeName, log: this.o.log, onUpdate, checkMs: this.o.checkMs ?? 20_000 };
    const loops: Promise<void>[] = [];
    if (this.o.manifestPath) {
      const f = new FileSource(this.o.manifestPath, so);
      const first = await f.scan();
      this.bySource.set(f.id, first);
      loops.push(f.run(this.signal, first));
    }
    if (this.o.manifestUrl) {
      const u = new UrlSource(this.o.manifestUrl, so);
      const first = await u.fetchPods(this.signal);
      if (first) this.bySource.set(u.id, first);
      loops.push(u.run(this.signal, first));
    }
    this.ready = true;
    this.kick();
    void this.tick();
    void Promise.all(loops);
  }

  /** True for the runtime UIDs of static pods (the kubelet must not kill them as unknown). */
  owns(uid: string): boolean {
    return this.active.has(uid) || this.removing.has(uid) || [...this.bySource.values()].some((l) => l.some((p) => p.metadata.uid === uid));
  }

  isStatic(uid: string): boolean {
    return this.active.has(uid);
  }

  /** The uid of the running static pod named ns/name (the API's uid is the mirror's). */
  uidOf(namespace: string, name: string): string | undefined {
    for (const p of this.active.values()) if (p.metadata.namespace === namespace && p.metadata.name === name) return p.metadata.uid;
    return undefined;
  }

  /** The mirror pod of a running static pod, when the API has a current one. */
  mirrorOf(pod: Pod): KubeObject | undefined {
    const m = this.mirrors.get(fullName(pod));
    if (!m || m.metadata.deletionTimestamp || m.metadata.annotations?.[ANNOTATION_CONFIG_MIRROR] !== pod.metadata.uid) return undefined;
    return m;
  }

  /** Syncs a static pod again (its status was seeded from its mirror). */
  resync(uid: string): void {
    this.workers?.kick(uid);
  }

  /** A mirror pod of this node was added or changed (informer). */
  mirrorUpdated(m: KubeObject): void {
    const key = fullName(m);
    const had = this.mirrors.get(key);
    this.mirrors.set(key, m);
    this.kick();
    // a new mirror gets the status at once
    if (had?.metadata.uid !== m.metadata.uid) for (const p of this.active.values()) if (fullName(p) === key) this.workers?.kick(p.metadata.uid!);
  }

  mirrorDeleted(m: KubeObject): void {
    const key = fullName(m);
    if (this.mirrors.get(key)?.metadata.uid === m.metadata.uid) this.mirrors.delete(key);
    this.kick();
  }

  private async tick(): Promise<void> {
    while (!this.signal.aborted) {
      await sleep(this.o.tickMs ?? 1000, this.signal);
      this.kick();
    }
  }

  /** Runs reconcile, once at a time; a kick during a run runs it again after. */
  kick(): void {
    if (this.signal.aborted || !this.ready) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.reconcile();
          this.failing = undefined;
        } catch (err) {
          // the API server may be away for long (static pods run without it): say so once, not every tick
          const msg = (err as Error).message;
          if (!this.signal.aborted && this.failing !== msg) this.o.log.warn({ err: msg }, 'static pods: reconcile failed (retrying quietly)');
          else if (!this.signal.aborted) this.o.log.debug({ err: msg }, 'static pods: reconcile failed');
          this.failing = msg;
        }
      } while (this.again && !this.signal.aborted);
      this.running = undefined;
    })();
  }

  private wanted(): Map<string, Pod> {
    const want = new Map<string, Pod>();
    const names = new Set<string>();
    for (const pods of this.bySource.values()) {
      for (const p of pods) {
        const n = fullName(p);
        if (names.has(n)) {
          this.o.log.warn({ pod: n }, 'static pod name is duplicated; only the first is run');
          continue;
        }
        names.add(n);
        want.set(p.metadata.uid!, p);
      }
    }
    return want;
  }

  private async reconcile(): Promise<void> {
    const w = this.workers!;
    const want = this.wanted();
    for (const [uid, p] of this.active) {
      if (want.has(uid)) continue;
      this.o.log.info({ pod: fullName(p) }, 'static pod removed from its source: killing it');
      this.active.delete(uid);
      this.removing.set(uid, fullName(p));
      w.gone(uid, p.spec.terminationGracePeriodSeconds ?? 30);
    }
    for (const uid of this.removing.keys()) if (w.phaseOf(uid) === undefined) this.removing.delete(uid);
    const busyNames = new Set(this.removing.values());
    for (const [uid, p] of want) {
      if (this.active.has(uid)) continue;
      // one instance per name: an edited pod starts once its old version is gone
      if (this.removing.has(uid) || busyNames.has(fullName(p))) continue;
      if (!this.seen.has(uid)) this.seen.set(uid, new Date(this.o.clock.now()).toISOString());
      const pod = structuredClone(p);
      pod.metadata.annotations = { ...pod.metadata.annotations, [ANNOTATION_CONFIG_SEEN]: this.seen.get(uid)! };
      this.active.set(uid, pod);
      this.o.log.info({ pod: fullName(pod), uid }, 'static pod started');
      w.update(pod);
    }
    for (const uid of this.seen.keys()) if (!want.has(uid)) this.seen.delete(uid);
    await this.syncMirrors();
  }

  private podPath(ns: string, name: string): string {
    return `/api/v1/namespaces/${ns}/pods/${name}`;
  }

  private async syncMirrors(): Promise<void> {
    const byName = new Map([...this.active.values()].map((p) => [fullName(p), p]));
    for (const [key, m] of this.mirrors) {
      const p = byName.get(key);
      if (p && !m.metadata.deletionTimestamp && m.metadata.annotations?.[ANNOTATION_CONFIG_MIRROR] === p.metadata.uid) continue;
      // orphaned, stale or being deleted: removed at once (the static pod, if any, runs on)
      await this.deleteMirror(m);
    }
    for (const [key, p] of byName) if (!this.mirrors.has(key)) await this.createMirror(p);
  }

  private async deleteMirror(m: KubeObject): Promise<void> {
    try {
      await this.o.client.json('DELETE', this.podPath(m.metadata.namespace!, m.metadata.name!), { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, preconditions: { uid: m.metadata.uid } });
    } catch (err) {
      if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) throw err;
    }
    if (this.mirrors.get(fullName(m))?.metadata.uid === m.metadata.uid) this.mirrors.delete(fullName(m));
  }

  private async createMirror(p: Pod): Promise<void> {
    if (!this.nodeUID) this.nodeUID = (await this.o.client.json<KubeObject>('GET', `/api/v1/nodes/${this.o.nodeName}`)).metadata.uid;
    const { uid: _uid, resourceVersion: _rv, ...meta } = p.metadata;
    const body = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        ...meta,
        annotations: { ...meta.annotations, [ANNOTATION_CONFIG_MIRROR]: p.metadata.annotations?.[ANNOTATION_CONFIG_HASH] ?? p.metadata.uid! },
        ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: this.o.nodeName, uid: this.nodeUID, controller: true }],
      },
      spec: p.spec,
    };
    try {
      const made = await this.o.client.json<KubeObject>('POST', `/api/v1/namespaces/${p.metadata.namespace}/pods`, body);
      this.mirrorUpdated(made);
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 409)) throw err;
      // a pod of that name exists: the informer shows it, and the next pass replaces it if stale
    }
  }
}
