// The node lifecycle controller (upstream pkg/controller/nodelifecycle, "node-controller"):
// watches every node's Lease and Ready heartbeat; a node silent for longer than the grace
// period gets its conditions set to Unknown, its pods marked not Ready, and the taints that
// keep new pods away (NoSchedule, TaintNodesByCondition) and make the taint eviction
// controller move the running ones (NoExecute, paced per zone). A node that speaks again
// loses them. Timeline of a node whose kubelet dies at t=0 (defaults):
//   t=0 last lease renewal ─▶ t≈40 s Ready=Unknown, unreachable:NoSchedule+NoExecute, pods NotReady
//   ─▶ t≈340 s pods evicted (300 s default toleration) ─▶ replacements run elsewhere
import type { KubeObject } from '../../api/types.js';
import { ApiError } from '../../api/errors.js';
import type { Informer } from '../../client/informer.js';
import { Controller, type ControllerContext } from '../runtime/controller.js';
import { sleep } from '../runtime/objects.js';
import { done, requeueAfter, type Result } from '../runtime/result.js';
import { observe, readyCondition, unknownConditions, type NodeHealth } from './health.js';
import { forEachLimited, PodsByNode } from './podsbynode.js';
import { CONDITION_TAINTS, MANAGED_NO_SCHEDULE_KEYS, NO_EXECUTE, NO_SCHEDULE, TAINT_NOT_READY, TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE, hasTaint, nodeTaints, type Taint } from './taints.js';
import { DEFAULT_ZONE_RATES, Zones } from './zones.js';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
export const DEFAULT_NODE_MONITOR_GRACE_MS = 40_000;
export const DEFAULT_NODE_MONITOR_PERIOD_MS = 5_000;
/** a node that never posted a Ready condition gets this long (--node-startup-grace-period) */
export const DEFAULT_NODE_STARTUP_GRACE_MS = 60_000;
const STRATEGIC = 'application/strategic-merge-patch+json';
const MERGE = 'application/merge-patch+json';
const NO_EXECUTE_KEYS = [TAINT_NOT_READY, TAINT_UNREACHABLE];

export class NodeLifecycleController extends Controller {
  private readonly nodes: Informer<KubeObject>;
  private readonly leases: Informer<KubeObject>;
  private readonly pods: PodsByNode;
  private readonly health = new Map<string, NodeHealth>();
  private readonly zones: Zones;
  readonly graceMs: number;
  readonly periodMs: number;
  private readonly startupGraceMs: number;

  constructor(ctx: ControllerContext) {
    super('node-controller', ctx, 5);
    this.graceMs = ctx.settings?.nodeMonitorGracePeriodMs ?? DEFAULT_NODE_MONITOR_GRACE_MS;
    this.periodMs = ctx.settings?.nodeMonitorPeriodMs ?? DEFAULT_NODE_MONITOR_PERIOD_MS;
    this.startupGraceMs = Math.max(DEFAULT_NODE_STARTUP_GRACE_MS, this.graceMs);
    this.zones = new Zones(DEFAULT_ZONE_RATES, ctx.clock);
    this.nodes = ctx.informers.informer('/api/v1/nodes');
    this.leases = ctx.informers.informer(`/apis/coordination.k8s.io/v1/namespaces/${NODE_LEASE_NAMESPACE}/leases`);
    this.pods = new PodsByNode(ctx.informers.informer('/api/v1/pods'));
    this.nodes.addHandlers({ add: (n) => this.enqueue(n), update: (_o, n) => this.enqueue(n), delete: (n) => this.enqueue(n) });
    this.leases.addHandlers({ add: (l) => this.enqueue(l.metadata.name!), update: (_o, l) => this.enqueue(l.metadata.name!) });
  }

  /** The workers, plus the monitor pass: zone states, and a fresh look at every unhealthy node. */
  override async run(signal: AbortSignal): Promise<void> {
    const monitor = async () => {
      // a stop before the caches fill must not leave this loop waiting for them
      await Promise.race([this.ctx.informers.waitForSync(), new Promise<void>((r) => (signal.aborted ? r() : signal.addEventListener('abort', () => r(), { once: true })))]);
      while (!signal.aborted) {
        this.monitorPass();
        await sleep(this.periodMs, signal);
      }
    };
    await Promise.all([super.run(signal), monitor()]);
  }

  /**
   * Recompute the zone states from the cache (with `fresh`, a node as just written, in place
   * of its cached copy); true when the all-zones-down mode changed.
   */
  private refreshZones(all = this.nodes.list(), fresh?: KubeObject): boolean {
    return this.zones.update(all.map((n) => {
      const node = fresh && n.metadata.name === fresh.metadata.name ? fresh : n;
      return { node, ready: readyCondition(node)?.status };
    }));
  }

  private monitorPass(): void {
    const all = this.nodes.list();
    const changed = this.refreshZones(all);
    const now = this.clock.now();
    for (const n of all) {
      const h = this.health.get(n.metadata.name!);
      const silent = h !== undefined && now - h.probeMs > this.graceMs;
      if (changed || silent || readyCondition(n)?.status !== 'True') this.enqueue(n);
    }
  }

  async reconcile(name: string): Promise<Result> {
    let node = this.nodes.get(name);
    if (!node) {
      const h = this.health.get(name);
      if (h) {
        this.health.delete(name);
        void this.recorder.event(nodeRef(name, h.uid), 'Normal', 'RemovingNode', `Removing Node ${name} from Controller`);
      }
      return done;
    }
    const now = this.clock.now();
    const prev = this.health.get(name);
    const h = observe(prev, node, this.leases.get(`${NODE_LEASE_NAMESPACE}/${name}`), now);
    if (h !== prev) {
      this.health.set(name, h);
      void this.recorder.event(nodeRef(name, h.uid), 'Normal', 'RegisteredNode', `Registered Node ${name} in Controller`);
    }
    const grace = readyCondition(node) ? this.graceMs : this.startupGraceMs;
    const silentFor = now - h.probeMs;
    if (silentFor > grace) node = await this.markUnknown(node);

    const ready = readyCondition(node)?.status;
    if (h.lastReady === 'True' && ready !== 'True') {
      void this.recorder.event(nodeRef(name, h.uid), 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
      await this.markPodsNotReady(name);
    }
    h.lastReady = ready;

    const wait = await this.syncTaints(node, ready);
    const untilSilent = silentFor > grace ? Infinity : grace - silentFor + 1;
    const next = Math.min(untilSilent, wait);
    return next === Infinity ? done : requeueAfter(next);
  }

  /** Set the monitored conditions to Unknown; returns the node as written (or as it was). */
  private async markUnknown(node: KubeObject): Promise<KubeObject> {
    const conditions = unknownConditions(node, this.clock.nowRFC3339());
    if (!conditions) return node;
    this.log.info({ node: node.metadata.name }, 'node stopped posting status; conditions set to Unknown');
    return this.client.json<KubeObject>('PATCH', `/api/v1/nodes/${node.metadata.name}/status`, { metadata: { resourceVersion: node.metadata.resourceVersion }, status: { conditions } }, STRATEGIC);
  }

  /** Upstream MarkPodsNotReady: Ready=False on every pod of the node, with a NodeNotReady event. */
  private async markPodsNotReady(nodeName: string): Promise<void> {
    const now = this.clock.nowRFC3339();
    const pods = this.pods.list(nodeName).filter((p) => (p.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True'));
    await forEachLimited(pods, 16, async (p) => {
      try {
        await this.client.json('PATCH', `/api/v1/namespaces/${p.metadata.namespace}/pods/${p.metadata.name}/status`, { status: { conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: now }] } }, STRATEGIC);
      } catch (err) {
        if (err instanceof ApiError && err.code === 404) return;
        throw err;
      }
      void this.recorder.event(p, 'Warning', 'NodeNotReady', 'Node is not ready');
    });
  }

  /**
   * Bring the taints this controller manages in line with the node's conditions. Adding a
   * NoExecute taint to a node that has neither waits for its zone's token; returns how long
   * to wait before trying again (Infinity: nothing pending).
   */
  private async syncTaints(node: KubeObject, ready: string | undefined): Promise<number> {
    const cur = nodeTaints(node);
    const conds = (node.status?.conditions ?? []) as { type: string; status: string }[];
    const wantNoSchedule = new Set(CONDITION_TAINTS.filter((t) => conds.some((c) => c.type === t.type && c.status === t.status)).map((t) => t.key));
    if (node.spec?.unschedulable === true) wantNoSchedule.add(TAINT_UNSCHEDULABLE);

    let wantNoExecute = ready === 'False' ? TAINT_NOT_READY : ready === 'Unknown' ? TAINT_UNREACHABLE : undefined;
    // a node about to be tainted may be the one that takes its zone (or the cluster) down:
    // decide on current zone states, not those of the last monitor pass
    if (wantNoExecute && !NO_EXECUTE_KEYS.some((k) => hasTaint(cur, k, NO_EXECUTE)) && this.refreshZones(this.nodes.list(), node)) {
      for (const n of this.nodes.list()) this.enqueue(n);
    }
    if (this.zones.allDown) wantNoExecute = undefined;
    let wait = Infinity;
    let admitted = false;
    if (wantNoExecute && !hasTaint(cur, wantNoExecute, NO_EXECUTE)) {
      // swapping not-ready <-> unreachable is immediate; a newly failing node waits its turn
      const swapping = NO_EXECUTE_KEYS.some((k) => hasTaint(cur, k, NO_EXECUTE));
      if (!swapping) {
        const a = this.zones.admit(node);
        if (!a.ok) {
          wait = a.waitMs;
          wantNoExecute = undefined;
        } else admitted = true;
      }
    }

    const keep = (t: Taint) => {
      if (t.effect === NO_SCHEDULE && MANAGED_NO_SCHEDULE_KEYS.has(t.key)) return wantNoSchedule.has(t.key);
      if (t.effect === NO_EXECUTE && NO_EXECUTE_KEYS.includes(t.key)) return t.key === wantNoExecute;
      return true;
    };
    const next = cur.filter(keep);
    for (const key of wantNoSchedule) if (!hasTaint(next, key, NO_SCHEDULE)) next.push({ key, effect: NO_SCHEDULE });
    if (wantNoExecute && !hasTaint(next, wantNoExecute, NO_EXECUTE)) next.push({ key: wantNoExecute, effect: NO_EXECUTE, timeAdded: this.clock.nowRFC3339() });
    if (next.length === cur.length && next.every((t, i) => t === cur[i])) return wait;

    this.log.info({ node: node.metadata.name, taints: next.map((t) => `${t.key}:${t.effect}`) }, 'node taints updated');
    try {
      await this.client.json('PATCH', `/api/v1/nodes/${node.metadata.name}`, { metadata: { resourceVersion: node.metadata.resourceVersion }, spec: { taints: next.length ? next : null } }, MERGE);
    } catch (err) {
      if (admitted) this.zones.refund(node); // a conflict must not cost the zone its turn
      throw err;
    }
    return wait;
  }
}

function nodeRef(name: string, uid: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, uid } };
}
