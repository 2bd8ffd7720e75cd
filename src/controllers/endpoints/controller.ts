// The Endpoints controller (upstream pkg/controller/endpoint): for every service with a
// selector, an Endpoints object of the same name listing the addresses of the pods it selects.
// Services without a selector (like `kubernetes`, whose Endpoints the API server keeps) are
// left alone; Endpoints of a deleted service are deleted. Pod changes are batched per service.
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import { selectorFromSet } from '../../api/labels.js';
import { objectKey, type Informer } from '../../client/informer.js';
import { Controller, type ControllerContext } from '../runtime/controller.js';
import type { NamespaceIndex } from '../runtime/informers.js';
import { nsName, stableJson } from '../runtime/objects.js';
import { done, requeueAfter, type Result, isNamespaceTerminating } from '../runtime/result.js';
import { HEADLESS_LABEL, isHeadless, podEndpointsChanged } from './podutil.js';
import { Batcher, ENDPOINT_BATCH_MS, servicesSelecting } from './services.js';
import { buildSubsets, OVER_CAPACITY_ANNOTATION, truncateSubsets } from './subsets.js';
import { LAST_CHANGE_TRIGGER_TIME, rfc3339Nano, TriggerTimeTracker } from './trigger.js';

const SERVICES = '/api/v1/services';
const PODS = '/api/v1/pods';
const ENDPOINTS = '/api/v1/endpoints';
/** Endpoints used as leader-election locks carry it; they are nobody's service (upstream). */
const LEADER_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';
const STALE_RETRY_MS = 50;

export class EndpointsController extends Controller {
  private readonly services: Informer<KubeObject>;
  private readonly servicesByNs: NamespaceIndex<KubeObject>;
  private readonly pods: NamespaceIndex<KubeObject>;
  private readonly endpoints: Informer<KubeObject>;
  private readonly triggers = new TriggerTimeTracker();
  private readonly batcher: Batcher;
  /** resourceVersion of our last write per service, until the cache shows it (no write from a stale copy) */
  private readonly written = new Map<string, number>();

  constructor(ctx: ControllerContext, workers = 5, batchMs = ENDPOINT_BATCH_MS) {
    super('endpoint-controller', ctx, workers);
    this.batcher = new Batcher(batchMs, (k) => this.enqueue(k));
    this.services = ctx.informers.informer(SERVICES);
    this.servicesByNs = ctx.informers.byNamespace(SERVICES);
    this.pods = ctx.informers.byNamespace(PODS);
    this.endpoints = ctx.informers.informer(ENDPOINTS);
    this.services.addHandlers({ add: (s) => this.enqueue(s), update: (_o, s) => this.enqueue(s), delete: (s) => this.enqueue(s) });
    ctx.informers.informer(PODS).addHandlers({
      add: (p) => this.podChanged([p.metadata.labels], p),
      update: (o, p) => {
        // which services care first: in a namespace without any, nothing else is looked at
        const keys = servicesSelecting(this.servicesByNs, p, [o.metadata.labels, p.metadata.labels]);
        if (keys.length && podEndpointsChanged(o, p)) for (const k of keys) this.batcher.add(k);
      },
      delete: (p) => this.podChanged([p.metadata.labels], p),
    });
    // deleted by someone else: put it back if the service still wants it
    this.endpoints.addHandlers({
      delete: (ep) => {
        this.written.delete(objectKey(ep));
        this.enqueue(ep);
      },
    });
  }

  private podChanged(labelSets: (Record<string, string> | undefined)[], pod: KubeObject): void {
    for (const key of servicesSelecting(this.servicesByNs, pod, labelSets)) this.batcher.add(key);
  }

  override async run(signal: AbortSignal): Promise<void> {
    signal.addEventListener('abort', () => this.batcher.stop(), { once: true });
    // once at start: Endpoints whose service went away while no controller ran are deleted
    void this.ctx.informers.waitForSync().then(() => {
      for (const ep of this.endpoints.list()) if (!ep.metadata.annotations?.[LEADER_ANNOTATION]) this.enqueue(ep);
    });
    return super.run(signal);
  }

  async reconcile(key: string): Promise<Result> {
    const { namespace, name } = nsName(key);
    const path = `/api/v1/namespaces/${namespace}/endpoints/${name}`;
    const svc = this.services.get(key);
    if (!svc) {
      this.triggers.forget(key);
      this.written.delete(key);
      try {
        await this.client.json('DELETE', path);
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) throw err;
      }
      return done;
    }
    if (svc.spec?.type === 'ExternalName') return done;
    const selector = svc.spec?.selector as Record<string, string> | undefined;
    if (!selector) return done;
    const cur = this.endpoints.get(key);
    const mine = this.written.get(key);
    if (mine !== undefined) {
      if (!cur || Number(cur.metadata.resourceVersion) < mine) return requeueAfter(STALE_RETRY_MS);
      this.written.delete(key);
    }
    const sel = selectorFromSet(selector);
    const pods = this.pods.list(namespace).filter((p) => sel.matches(p.metadata.labels));
    const trigger = this.triggers.compute(key, svc, pods);
    const subsets = buildSubsets(svc, pods);
    const truncated = truncateSubsets(subsets);
    const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
    if (isHeadless(svc)) labels[HEADLESS_LABEL] = '';
    if (cur && stableJson(cur.subsets ?? []) === stableJson(subsets) && stableJson(cur.metadata.labels ?? {}) === stableJson(labels) && !!cur.metadata.annotations?.[OVER_CAPACITY_ANNOTATION] === truncated) {
      return done;
    }
    const annotations: Record<string, string> = { ...(cur?.metadata.annotations ?? {}) };
    if (trigger !== undefined) annotations[LAST_CHANGE_TRIGGER_TIME] = rfc3339Nano(trigger);
    else delete annotations[LAST_CHANGE_TRIGGER_TIME];
    if (truncated) annotations[OVER_CAPACITY_ANNOTATION] = 'truncated';
    else delete annotations[OVER_CAPACITY_ANNOTATION];
    const metadata: KubeObject['metadata'] = { ...(cur?.metadata ?? { name, namespace }), labels };
    if (Object.keys(labels).length === 0) delete metadata.labels;
    if (Object.keys(annotations).length) metadata.annotations = annotations;
    else delete metadata.annotations;
    const ep: KubeObject = { apiVersion: 'v1', kind: 'Endpoints', metadata, ...(subsets.length ? { subsets } : {}) };
    try {
      const out = cur ? await this.client.json<KubeObject>('PUT', path, ep) : await this.client.json<KubeObject>('POST', `/api/v1/namespaces/${namespace}/endpoints`, ep);
      this.written.set(key, Number(out.metadata.resourceVersion));
    } catch (err) {
      if (!cur && isNamespaceTerminating(err)) return done;
      if (!(err instanceof ApiError && err.code === 409)) {
        const msg = cur ? `Failed to update endpoint ${namespace}/${name}: ${(err as Error).message}` : `Failed to create endpoint for service ${namespace}/${name}: ${(err as Error).message}`;
        void this.recorder.event(ep, 'Warning', cur ? 'FailedToUpdateEndpoint' : 'FailedToCreateEndpoint', msg);
      }
      throw err;
    }
    return done;
  }
}
