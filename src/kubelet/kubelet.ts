// The kubelet's pod side: an informer on the pods bound to this node feeds the pod workers,
// the PLEG re-syncs pods whose containers changed and reports runtime pods the API does not
// know (orphans, killed and removed). Everything stops with the signal; the containers stay.
import { join } from 'node:path';
import type { KubeObject } from '../api/types.js';
import { EventRecorder } from '../client/events.js';
import { Informer } from '../client/informer.js';
import type { RestClient } from '../client/rest.js';
import type { CriClient } from '../cri/client.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { podCgroupParent } from './cgroups.js';
import type { NodeAllocatable } from './env.js';
import { EvictionManager, type EvictionConfig } from './eviction/manager.js';
import { ImageManager } from './images.js';
import { plegLookup, type ContainerLocation, type PodRuntimeLookup } from './lookup.js';
import { restObjectSource } from './objects.js';
import { Pleg } from './pleg.js';
import { kmsgSource, OomKills } from './oom.js';
import { criProbeRunner } from './prober/runner.js';
import { Prober } from './prober/manager.js';
import type { ProbeResults } from './probes.js';
import { RuntimeView } from './runtime.js';
import { isMirrorPod } from './static/manifest.js';
import { StaticPods, type StaticPodOptions } from './static/manager.js';
import { MirrorStatusManager } from './static/status.js';
import { StatusManager } from './statusmanager.js';
import { PodSyncer } from './sync.js';
import { traceStart } from './trace.js';
import { LABEL_CONTAINER_NAME, LABEL_POD_UID, type Pod } from './types.js';
import { PodWorkers } from './workers.js';
import { StartGate } from './startgate.js';

export interface KubeletOptions {
  client: RestClient;
  cri: CriClient;
  nodeName: string;
  nodeIP: string;
  allocatable: NodeAllocatable;
  /** <dataDir>/agent/pods: one directory per pod uid (logs, volumes, /etc/hosts) */
  podsDir: string;
  /** cgroup parent of every pod: /<cgroupRoot>/pod<uid> */
  cgroupRoot: string;
  clock: Clock;
  log: Logger;
  /** default: the prober (liveness, readiness and startup probes over CRI and the pod network) */
  probes?: ProbeResults;
  plegPeriodMs?: number;
  resyncMs?: number;
  /** static pod sources (--pod-manifest-path, --manifest-url) */
  staticPods?: Pick<StaticPodOptions, 'manifestPath' | 'manifestUrl' | 'checkMs' | 'tickMs'>;
  /** memory eviction; onPressure writes the node's MemoryPressure condition and taint */
  eviction?: EvictionConfig & { onPressure(memory: boolean): Promise<void> };
  /** where OOM kills are read from (default: the kernel log) */
  oomKills?: OomKills;
  /** the image archives being imported at the agent's start: image checks and pulls wait for them */
  imagesImported?: Promise<void>;
  /** the runtime handler for sandboxes with hostPorts (kubelite's containerd: its CNI chain with portmap); default: the runtime's default handler */
  hostPortRuntimeHandler?: string;
  /** how many pods' sandboxes and containers are started at once, the oldest pod first (startgate.ts); default or 0: no limit */
  maxParallelPodStarts?: number;
}

export class Kubelet {
  readonly informer: Informer<Pod>;
  readonly pleg: Pleg;
  readonly workers: PodWorkers;
  readonly statuses: StatusManager;
  readonly lookup: PodRuntimeLookup;
  readonly recorder: EventRecorder;
  readonly probes: ProbeResults;
  readonly staticPods: StaticPods | undefined;
  readonly eviction: EvictionManager | undefined;
  private synced = false;

  constructor(private readonly o: KubeletOptions, private readonly signal: AbortSignal) {
    const log = o.log;
    const podDir = (uid: string) => join(o.podsDir, uid);
    const oomKills = o.oomKills ?? new OomKills(kmsgSource('/dev/kmsg', log));
    signal.addEventListener('abort', () => oomKills.close(), { once: true });
    const runtime = new RuntimeView(o.cri, oomKills);
    const objects = restObjectSource(o.client);
    this.recorder = new EventRecorder(o.client, 'kubelet', o.clock, log, o.nodeName);
    const images = new ImageManager(o.cri, this.recorder, objects, o.clock, o.imagesImported);
    const common = { cri: o.cri, runtime, recorder: this.recorder, clock: o.clock, log, podDir, cgroupRoot: o.cgroupRoot, nodeIP: () => o.nodeIP };
    const probes = (this.probes = o.probes ?? new Prober({ run: criProbeRunner(o.cri), recorder: this.recorder, clock: o.clock, log, nodeIP: () => o.nodeIP, onChange: (uid) => this.workers.kick(uid) }, signal));
    const syncer = new PodSyncer({ ...common, images, objects, allocatable: () => o.allocatable, probes, hostPortRuntimeHandler: o.hostPortRuntimeHandler, startGate: o.maxParallelPodStarts ? new StartGate(o.maxParallelPodStarts) : undefined });
    if (o.staticPods) this.staticPods = new StaticPods({ ...o.staticPods, nodeName: o.nodeName, client: o.client, clock: o.clock, log: log.child({ component: 'static-pods' }) }, signal);
    this.statuses = this.staticPods ? new MirrorStatusManager(o.client, log, this.staticPods) : new StatusManager(o.client, log);
    this.workers = new PodWorkers(
      { syncer, terminate: common, status: this.statuses, client: o.client, probes, clock: o.clock, log, nodeIP: () => o.nodeIP, resyncMs: o.resyncMs ?? 10_000, orphanGraceSeconds: 2, listingSince: (uid, since) => (since === -Infinity ? this.pleg.listingAfter(uid, since) : this.pleg.listingOf(uid, since)), settled: (uid, state) => this.pleg.observe(uid, state) },
      signal,
    );
    this.informer = new Informer<Pod>(o.client, { path: '/api/v1/pods', fieldSelector: `spec.nodeName=${o.nodeName}`, transform: dropManaged }, log);
    // mirror pods only show static pods: they are never run
    this.informer.addHandlers({
      add: (p) => (isMirrorPod(p) ? this.staticPods?.mirrorUpdated(p) : this.admit(p)),
      update: (_old, p) => (isMirrorPod(p) ? this.staticPods?.mirrorUpdated(p) : this.admit(p)),
      delete: (p) => (isMirrorPod(p) ? this.staticPods?.mirrorDeleted(p) : this.workers.gone(p.metadata.uid ?? '')),
    });
    this.pleg = new Pleg(o.cri, o.plegPeriodMs ?? 1000, (uid) => this.onRuntimeChange(uid), log);
    if (o.eviction) this.eviction = this.evictionManager(o.eviction);
    this.lookup = plegLookup(this.pleg, (ns, name) => this.staticPods?.uidOf(ns, name) ?? this.informer.get(`${ns}/${name}`)?.metadata.uid, podDir);
  }

  private evictionManager(cfg: NonNullable<KubeletOptions['eviction']>): EvictionManager {
    const o = this.o;
    const running = (uid: string) => this.pleg.snapshot.containers.filter((c) => c.labels[LABEL_POD_UID] === uid && c.state === 'CONTAINER_RUNNING');
    return new EvictionManager(cfg, {
      client: o.client,
      recorder: this.recorder,
      clock: o.clock,
      log: o.log.child({ component: 'eviction' }),
      nodeName: o.nodeName,
      activePods: () => this.informer.list().filter((p) => !isMirrorPod(p) && !p.metadata.deletionTimestamp && this.workers.phaseOf(p.metadata.uid ?? '') === 'sync' && p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded'),
      containersOf: (uid) => running(uid).map((c) => ({ id: c.id, name: c.labels[LABEL_CONTAINER_NAME] ?? '' })),
      stopContainer: (id, grace) => o.cri.stopContainer(id, grace, { signal: this.signal }),
      cleanedUp: (uid) => this.workers.phaseOf(uid) !== 'sync' && this.workers.phaseOf(uid) !== 'terminating',
      cgroupParent: (uid) => podCgroupParent(o.cgroupRoot, uid),
      onPressure: cfg.onPressure,
    });
  }

  /** Hands an API pod to its worker; a pod not started yet may be refused under node pressure. */
  private admit(p: Pod): void {
    const uid = p.metadata.uid ?? '';
    const fresh = this.workers.phaseOf(uid) === undefined && (p.status?.phase ?? 'Pending') === 'Pending' && !p.metadata.deletionTimestamp;
    if (fresh) traceStart(uid, 'informer');
    const why = fresh ? this.eviction?.rejects(p) : undefined;
    if (!why) return this.workers.update(p);
    this.o.log.info({ pod: `${p.metadata.namespace}/${p.metadata.name}`, why }, 'pod rejected');
    void this.eviction!.reject(p, why).catch((err: Error) => this.o.log.warn({ err: err.message }, 'pod rejection not written'));
  }

  private onRuntimeChange(uid: string): void {
    if (this.workers.phaseOf(uid) !== undefined) return this.workers.kick(uid);
    if (!this.synced) return;
    if (this.informer.list().some((p) => p.metadata.uid === uid) || this.staticPods?.owns(uid)) return;
    this.o.log.info({ uid }, 'runtime has a pod the API does not know: killing it');
    this.workers.gone(uid);
  }

  /** Starts the loops; resolves once the pods of this node are listed and the runtime relisted. */
  async start(): Promise<{ done: Promise<void> }> {
    // static pods first: they run whether or not the API server answers
    await this.staticPods?.start(this.workers);
    // the runtime's first listing is taken while the informer lists: a pod's first sync (at the
    // informer's add, e.g. the first pod of a cold start) waits for it and uses its part
    // (listingSince: a worker's first sync may wait for a listing under way) instead of listing
    // the runtime once more on its own
    const relisted = this.pleg.relist(this.signal).catch((err: Error) => this.o.log.warn({ err: err.message }, 'pleg: first relist failed'));
    const informerDone = this.informer.run(this.signal);
    await Promise.race([this.informer.waitForSync(), new Promise<void>((r) => this.signal.addEventListener('abort', () => r(), { once: true }))]);
    await relisted;
    this.synced = true;
    for (const uid of this.pleg.podUIDs()) this.onRuntimeChange(uid);
    const plegDone = this.pleg.run(this.signal);
    const evictionDone = this.eviction?.run(this.signal);
    return { done: Promise.all([informerDone, plegDone, evictionDone]).then(() => undefined) };
  }

  /**
   * The lookup for the streaming server, relisting the runtime once when the PLEG's last listing
   * misses the container: a pod reported Ready a moment ago must already answer exec and logs.
   */
  async findContainerFresh(namespace: string, podName: string, containerName: string): Promise<ContainerLocation | undefined> {
    const hit = this.lookup.findContainer(namespace, podName, containerName);
    if (hit) return hit;
    await this.pleg.relist(this.signal).catch(() => undefined);
    return this.lookup.findContainer(namespace, podName, containerName);
  }
}

function dropManaged(p: Pod): Pod {
  delete (p as KubeObject).metadata.managedFields;
  return p;
}
