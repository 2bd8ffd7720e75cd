// The eviction manager for memory (the kubelet's hard eviction): every intervalMs it measures
// memory.available; below the threshold the node reports MemoryPressure (until the pressure has
// been gone for pressureTransitionMs) and one pod is evicted per round, the first of
// rankForMemory: status Failed/Evicted with a DisruptionTarget condition, an Evicted event, its
// containers stopped with a 1 s grace; then the manager waits for the pod to be cleaned up.
// Static, mirror and system-critical pods are never evicted.
import type { EventRecorder } from '../../client/events.js';
import type { RestClient } from '../../client/rest.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { sleep } from '../sleep.js';
import { qosClass } from '../status.js';
import type { Pod } from '../types.js';
import { bytesQuantity, evictionMessage, rankForMemory, type Candidate } from './rank.js';
import { nodeMemory, podMemory, type NodeMemory, type PodMemory } from './stats.js';
import { thresholdBytes, type Threshold } from './thresholds.js';

/** Grace of containers of an evicted pod under a hard threshold (the kubelet's immediate eviction). */
export const EVICTION_GRACE_SECONDS = 1;
const CLEANUP_TIMEOUT_MS = 30_000;
const SYSTEM_CRITICAL_PRIORITY = 2_000_000_000;
const MEMORY_PRESSURE_TAINT = 'node.kubernetes.io/memory-pressure';

const isCritical = (pod: Pod): boolean => {
  const prio: unknown = (pod.spec as { priority?: unknown }).priority;
  return typeof prio === 'number' && prio >= SYSTEM_CRITICAL_PRIORITY;
};

type Toleration = { key?: string; operator?: string; value?: string; effect?: string };
const toleratesMemoryPressure = (pod: Pod): boolean =>
  (((pod.spec as { tolerations?: Toleration[] }).tolerations ?? []) as Toleration[]).some(
    (t) => (!t.effect || t.effect === 'NoSchedule') && (t.operator === 'Exists' ? !t.key || t.key === MEMORY_PRESSURE_TAINT : t.key === MEMORY_PRESSURE_TAINT && !t.value),
  );

export interface EvictionConfig {
  thresholds: Threshold[];
  /** how often memory is measured (the kubelet's housekeeping: 10 s) */
  intervalMs: number;
  /** MemoryPressure stays True this long after the last observation below the threshold (5 min) */
  pressureTransitionMs: number;
}

export interface EvictionDeps {
  client: RestClient;
  recorder: EventRecorder;
  clock: Clock;
  log: Logger;
  nodeName: string;
  /** pods this node runs now (API pods, not terminating) */
  activePods(): Pod[];
  /** running containers of a pod */
  containersOf(uid: string): { id: string; name: string }[];
  stopContainer(id: string, graceSeconds: number): Promise<void>;
  /** true once the pod's containers are stopped */
  cleanedUp(uid: string): boolean;
  cgroupParent(uid: string): string;
  /** reports a change of the node's memory pressure (node condition and taint); throws to be called again */
  onPressure(memory: boolean): Promise<void>;
  nodeMemory?: () => NodeMemory;
  podMemory?: (cgroupParent: string) => PodMemory | undefined;
}

export class EvictionManager {
  private lastBelow: number | undefined;
  private pressure = false;
  private applied: boolean | undefined;
  last: NodeMemory | undefined;

  constructor(private config: EvictionConfig, private readonly d: EvictionDeps) {}

  setConfig(c: Partial<EvictionConfig>): void {
    this.config = { ...this.config, ...c };
  }

  get underMemoryPressure(): boolean {
    return this.pressure;
  }

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.synchronize(signal);
      } catch (err) {
        if (!signal.aborted) this.d.log.warn({ err: (err as Error).message }, 'eviction manager: round failed');
      }
      await sleep(this.config.intervalMs, signal);
    }
  }

  /** One round; returns the evicted pod, if any. */
  async synchronize(signal: AbortSignal): Promise<Pod | undefined> {
    const t = this.config.thresholds.find((x) => x.signal === 'memory.available');
    const mem = (this.d.nodeMemory ?? nodeMemory)();
    this.last = mem;
    const limit = t ? thresholdBytes(t, mem.capacity) : 0;
    const met = t !== undefined && mem.available < limit;
    const now = this.d.clock.now();
    if (met) this.lastBelow = now;
    this.pressure = this.lastBelow !== undefined && now - this.lastBelow <= this.config.pressureTransitionMs;
    if (this.applied !== this.pressure) {
      try {
        await this.d.onPressure(this.pressure);
        this.applied = this.pressure;
      } catch (err) {
        this.d.log.warn({ err: (err as Error).message }, 'eviction manager: node condition not written');
      }
    }
    if (!met) return undefined;
    this.d.log.info({ available: mem.available, threshold: limit }, 'eviction manager: attempting to reclaim memory');
    void this.d.recorder.event({ apiVersion: 'v1', kind: 'Node', metadata: { name: this.d.nodeName, uid: this.d.nodeName } }, 'Warning', 'EvictionThresholdMet', 'Attempting to reclaim memory');
    const cands = this.candidates();
    if (!cands.length) {
      this.d.log.warn('eviction manager: thresholds met, but no pod can be evicted');
      return undefined;
    }
    const victim = rankForMemory(cands)[0]!;
    await this.evict(victim, bytesQuantity(limit), bytesQuantity(mem.available));
    await this.waitCleanup(victim.pod.metadata.uid!, signal);
    return victim.pod;
  }

  /**
   * The kubelet's admission while under memory pressure: a new BestEffort pod that does not
   * tolerate the memory-pressure taint is refused; the message says why, undefined admits.
   */
  rejects(pod: Pod): string | undefined {
    if (!this.pressure || isCritical(pod) || qosClass(pod) !== 'BestEffort' || toleratesMemoryPressure(pod)) return undefined;
    return 'The node had condition: [MemoryPressure]. ';
  }

  /** A refused pod fails at once, as the kubelet's rejectPod. */
  async reject(pod: Pod, message: string): Promise<void> {
    void this.d.recorder.event(pod, 'Warning', 'Evicted', message);
    const path = `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/status`;
    await this.d.client.json('PATCH', path, { metadata: { uid: pod.metadata.uid }, status: { phase: 'Failed', reason: 'Evicted', message: `Pod was rejected: ${message}`, qosClass: qosClass(pod) } }, 'application/merge-patch+json');
  }

  private candidates(): Candidate[] {
    const out: Candidate[] = [];
    for (const pod of this.d.activePods()) {
      if (isCritical(pod)) continue;
      const uid = pod.metadata.uid!;
      const m = (this.d.podMemory ?? podMemory)(this.d.cgroupParent(uid));
      const containers = new Map<string, number>();
      for (const c of this.d.containersOf(uid)) {
        const used = m?.containers.get(c.id);
        if (used !== undefined) containers.set(c.name, used);
      }
      out.push({ pod, usage: m?.pod, containers });
    }
    return out;
  }

  private async evict(c: Candidate, thresholdQuantity: string, available: string): Promise<void> {
    const pod = c.pod;
    const message = evictionMessage(c, thresholdQuantity, available);
    this.d.log.info({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, message }, 'eviction manager: evicting pod');
    void this.d.recorder.event(pod, 'Warning', 'Evicted', message);
    const prev = Array.isArray(pod.status?.conditions) ? (pod.status.conditions as { type: string }[]) : [];
    const conditions = [
      ...prev.filter((x) => x.type !== 'DisruptionTarget'),
      { type: 'DisruptionTarget', status: 'True', lastProbeTime: null, lastTransitionTime: this.d.clock.nowRFC3339(), reason: 'TerminationByKubelet', message },
    ];
    const path = `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/status`;
    await this.d.client.json('PATCH', path, { metadata: { uid: pod.metadata.uid }, status: { phase: 'Failed', reason: 'Evicted', message, conditions } }, 'application/merge-patch+json');
    // the pod worker kills the pod once it sees it Failed; the memory is wanted back now
    await Promise.all(this.d.containersOf(pod.metadata.uid!).map((x) => this.d.stopContainer(x.id, EVICTION_GRACE_SECONDS).catch(() => undefined)));
  }

  private async waitCleanup(uid: string, signal: AbortSignal): Promise<void> {
    const end = this.d.clock.now() + CLEANUP_TIMEOUT_MS;
    while (!signal.aborted && this.d.clock.now() < end && !this.d.cleanedUp(uid)) await sleep(500, signal);
  }
}
