// The taint eviction controller (upstream pkg/controller/tainteviction): a pod on a node with
// NoExecute taints is deleted at once when it does not tolerate one of them, after the
// smallest tolerationSeconds of the tolerations it uses when they all have a limit, and
// never when one of them has none. The timer starts when this controller first sees the pod
// on the tainted node; a taint that goes away first cancels it ("Cancelling deletion").
// An evicted pod gets the DisruptionTarget condition, so its owner can tell why it went.
import type { KubeObject } from '../../api/types.js';
import { ApiError } from '../../api/errors.js';
import { objectKey, type Informer } from '../../client/informer.js';
import { Controller, type ControllerContext } from '../runtime/controller.js';
import { nsName } from '../runtime/objects.js';
import { done, requeueAfter, type Result } from '../runtime/result.js';
import { PodsByNode, podNodeName } from './podsbynode.js';
import { NO_EXECUTE, matchingTolerations, minTolerationMs, nodeTaints, podTolerations, type Taint } from './taints.js';

export const EVICTION_REASON = 'TaintManagerEviction';
export const DISRUPTION_REASON = 'DeletionByTaintManager';
export const DISRUPTION_MESSAGE = 'Taint manager: deleting due to NoExecute taint';
const STRATEGIC = 'application/strategic-merge-patch+json';

interface Scheduled {
  uid: string;
  startMs: number;
  /** the eviction went out; kept so that later pod updates do not evict twice */
  fired: boolean;
}

function noExecuteTaints(node: KubeObject | undefined): Taint[] {
  return nodeTaints(node).filter((t) => t.effect === NO_EXECUTE);
}

function sameNoExecute(a: KubeObject, b: KubeObject): boolean {
  const key = (n: KubeObject) =>
    noExecuteTaints(n)
      .map((t) => `${t.key}=${t.value ?? ''}`)
      .sort()
      .join(',');
  return key(a) === key(b);
}

/** The pod as an event's involvedObject (upstream refers to it by namespace and name only). */
function podRef(key: string): KubeObject {
  const { namespace, name } = nsName(key);
  return { apiVersion: 'v1', kind: 'Pod', metadata: { namespace, name } };
}

export class TaintEvictionController extends Controller {
  private readonly pods: Informer<KubeObject>;
  private readonly nodes: Informer<KubeObject>;
  private readonly byNode: PodsByNode;
  private readonly scheduled = new Map<string, Scheduled>();

  constructor(ctx: ControllerContext) {
    super('taint-eviction-controller', ctx, 8);
    this.pods = ctx.informers.informer('/api/v1/pods');
    this.nodes = ctx.informers.informer('/api/v1/nodes');
    this.byNode = new PodsByNode(this.pods);
    const podChanged = (p: KubeObject) => {
      const key = objectKey(p);
      if (this.scheduled.has(key) || noExecuteTaints(this.nodes.get(podNodeName(p))).length > 0) this.enqueue(key);
    };
    this.pods.addHandlers({ add: podChanged, update: (_o, p) => podChanged(p), delete: podChanged });
    const nodePods = (n: KubeObject) => {
      for (const p of this.byNode.list(n.metadata.name!)) this.enqueue(p);
    };
    this.nodes.addHandlers({
      add: (n) => noExecuteTaints(n).length > 0 && nodePods(n),
      update: (o, n) => !sameNoExecute(o, n) && nodePods(n),
      delete: nodePods,
    });
  }

  async reconcile(key: string): Promise<Result> {
    const pod = this.pods.get(key);
    if (!pod) return this.cancel(key);
    if (pod.metadata.deletionTimestamp) {
      this.scheduled.delete(key); // already on its way out
      return done;
    }
    const taints = noExecuteTaints(this.nodes.get(podNodeName(pod)));
    if (taints.length === 0) return this.cancel(key);
    const used = matchingTolerations(taints, podTolerations(pod));
    const min = used ? minTolerationMs(used) : 0;
    if (min < 0) return this.cancel(key); // tolerated for good
    const now = this.clock.now();
    let s = this.scheduled.get(key);
    if (!s || s.uid !== pod.metadata.uid) {
      s = { uid: pod.metadata.uid ?? '', startMs: now, fired: false };
      this.scheduled.set(key, s);
    }
    if (s.fired) return done;
    const fireAt = s.startMs + min;
    if (fireAt > now) return requeueAfter(fireAt - now);
    await this.evict(key, pod, s);
    return done;
  }

  private cancel(key: string): Result {
    const s = this.scheduled.get(key);
    if (!s) return done;
    this.scheduled.delete(key);
    if (!s.fired) void this.recorder.event(podRef(key), 'Normal', EVICTION_REASON, `Cancelling deletion of Pod ${key}`);
    return done;
  }

  /** Mark the pod (DisruptionTarget), then delete it with its own grace period. */
  private async evict(key: string, pod: KubeObject, s: Scheduled): Promise<void> {
    s.fired = true;
    void this.recorder.event(podRef(key), 'Normal', EVICTION_REASON, `Marking for deletion Pod ${key}`);
    const path = `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`;
    try {
      const cur = ((pod.status?.conditions ?? []) as { type: string; status: string; reason?: string }[]).find((c) => c.type === 'DisruptionTarget');
      if (cur?.status !== 'True' || cur.reason !== DISRUPTION_REASON) {
        const condition = { type: 'DisruptionTarget', status: 'True', reason: DISRUPTION_REASON, message: DISRUPTION_MESSAGE, lastTransitionTime: this.clock.nowRFC3339() };
        await this.client.json('PATCH', `${path}/status`, { status: { conditions: [condition] } }, STRATEGIC);
      }
      await this.client.json('DELETE', path, { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid: pod.metadata.uid } });
    } catch (err) {
      // 404, or 409 on the uid: the pod (or that incarnation of it) is gone already
      if (err instanceof ApiError && (err.code === 404 || err.code === 409)) return;
      s.fired = false;
      throw err;
    }
    this.log.info({ pod: key, node: podNodeName(pod) }, 'pod evicted: it does not tolerate the node NoExecute taints');
  }
}
