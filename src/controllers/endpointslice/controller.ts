// The EndpointSlice controller (upstream pkg/controller/endpointslice): for every service with
// a selector, EndpointSlices (labelled kubernetes.io/service-name and managed-by
// endpointslice-controller.k8s.io, owned by the service) listing its pods, terminating ones
// included with their conditions. Slices of a deleted service go with it (garbage collector).
// Pod changes are batched per service; the controller waits for its cache to show its own
// writes before the next sync of a service, so a stale cache never creates a slice twice.
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import { selectorFromSet } from '../../api/labels.js';
import type { Informer } from '../../client/informer.js';
import { Controller, type ControllerContext } from '../runtime/controller.js';
import type { NamespaceIndex } from '../runtime/informers.js';
import { nsName } from '../runtime/objects.js';
import { done, requeueAfter, type Result, isNamespaceTerminating } from '../runtime/result.js';
import { podEndpointsChanged, serviceFamilies, shouldPodBeInEndpoints } from '../endpoints/podutil.js';
import { Batcher, ENDPOINT_BATCH_MS, servicesSelecting } from '../endpoints/services.js';
import { LAST_CHANGE_TRIGGER_TIME, rfc3339Nano, TriggerTimeTracker } from '../endpoints/trigger.js';
import { CONTROLLER_NAME, endpointKey, endpointPorts, MANAGED_BY_LABEL, podToEndpoint, SERVICE_NAME_LABEL } from './endpoint.js';
import { planSlices, portsKey, type DesiredGroup } from './reconcile.js';

const SERVICES = '/api/v1/services';
const PODS = '/api/v1/pods';
const NODES = '/api/v1/nodes';
const SLICES = '/apis/discovery.k8s.io/v1/endpointslices';
const STALE_RETRY_MS = 100;

export class EndpointSliceController extends Controller {
  private readonly services: Informer<KubeObject>;
  private readonly servicesByNs: NamespaceIndex<KubeObject>;
  private readonly pods: NamespaceIndex<KubeObject>;
  private readonly nodes: Informer<KubeObject>;
  private readonly slicesByNs: NamespaceIndex<KubeObject>;
  private readonly triggers = new TriggerTimeTracker();
  private readonly batcher: Batcher;
  /** per service: slices we wrote, by name, with the resourceVersion (or '' for deleted) the cache must reach */
  private readonly written = new Map<string, Map<string, string>>();

  constructor(ctx: ControllerContext, workers = 5, batchMs = ENDPOINT_BATCH_MS) {
    super('endpointslice-controller', ctx, workers);
    this.batcher = new Batcher(batchMs, (k) => this.enqueue(k));
    this.services = ctx.informers.informer(SERVICES);
    this.servicesByNs = ctx.informers.byNamespace(SERVICES);
    this.pods = ctx.informers.byNamespace(PODS);
    this.nodes = ctx.informers.informer(NODES);
    this.slicesByNs = ctx.informers.byNamespace(SLICES);
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
    // a managed slice changed or deleted by someone else: bring it back in line
    ctx.informers.informer(SLICES).addHandlers({
      update: (_o, s) => this.sliceChanged(s),
      delete: (s) => this.sliceChanged(s, true),
    });
  }

  private podChanged(labelSets: (Record<string, string> | undefined)[], pod: KubeObject): void {
    for (const key of servicesSelecting(this.servicesByNs, pod, labelSets)) this.batcher.add(key);
  }

  private sliceChanged(s: KubeObject, deleted = false): void {
    const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
    if (!svc || s.metadata.labels?.[MANAGED_BY_LABEL] !== CONTROLLER_NAME) return;
    const key = `${s.metadata.namespace}/${svc}`;
    // our own write coming back is no news
    if (this.written.get(key)?.get(s.metadata.name!) === (deleted ? '' : s.metadata.resourceVersion)) return;
    this.batcher.add(key);
  }

  override async run(signal: AbortSignal): Promise<void> {
    signal.addEventListener('abort', () => this.batcher.stop(), { once: true });
    return super.run(signal);
  }

  private managedSlices(namespace: string, name: string): KubeObject[] {
    return this.slicesByNs.list(namespace).filter((s) => s.metadata.labels?.[SERVICE_NAME_LABEL] === name && s.metadata.labels?.[MANAGED_BY_LABEL] === CONTROLLER_NAME);
  }

  /** True while the cache has not caught up with our last writes for this service. */
  private cacheIsStale(key: string, slices: KubeObject[]): boolean {
    const w = this.written.get(key);
    if (!w) return false;
    const byName = new Map(slices.map((s) => [s.metadata.name!, s]));
    for (const [name, rv] of w) {
      const s = byName.get(name);
      const seen = rv === '' ? !s : !!s && Number(s.metadata.resourceVersion) >= Number(rv);
      if (seen) w.delete(name);
    }
    if (w.size === 0) this.written.delete(key);
    return w.size > 0;
  }

  private remember(key: string, name: string, rv: string): void {
    let w = this.written.get(key);
    if (!w) this.written.set(key, (w = new Map()));
    w.set(name, rv);
  }

  async reconcile(key: string): Promise<Result> {
    const { namespace, name } = nsName(key);
    const svc = this.services.get(key);
    if (!svc) {
      this.triggers.forget(key);
      this.written.delete(key);
      return done;
    }
    const selector = svc.spec?.selector as Record<string, string> | undefined;
    if (svc.spec?.type === 'ExternalName' || !selector) return done;
    const slices = this.managedSlices(namespace, name);
    if (this.cacheIsStale(key, slices)) return requeueAfter(STALE_RETRY_MS);
    const sel = selectorFromSet(selector);
    const pods = this.pods.list(namespace).filter((p) => sel.matches(p.metadata.labels) && shouldPodBeInEndpoints(p, true));
    const trigger = this.triggers.compute(key, svc, pods);
    const families = serviceFamilies(svc);
    // slices of an earlier service of that name, or of an address type the service no longer has, go
    const owned = (s: KubeObject) => s.metadata.ownerReferences?.some((r) => r.controller && r.uid === svc.metadata.uid) === true;
    const stale = slices.filter((s) => !owned(s) || !families.includes(String(s.addressType)));
    for (const s of stale) await this.deleteSlice(key, s);
    for (const family of families) {
      const desired = new Map<string, DesiredGroup>();
      for (const pod of pods) {
        const ep = podToEndpoint(pod, this.nodes.get(String(pod.spec?.nodeName ?? '')), svc, family);
        if (!ep) continue;
        const ports = endpointPorts(svc, pod);
        const pk = portsKey(ports);
        let g = desired.get(pk);
        if (!g) desired.set(pk, (g = { ports, endpoints: new Map() }));
        g.endpoints.set(endpointKey(ep), ep);
      }
      const plan = planSlices(svc, family, desired, slices.filter((s) => owned(s) && s.addressType === family));
      const stamp = (s: KubeObject): KubeObject =>
        trigger === undefined ? s : { ...s, metadata: { ...s.metadata, annotations: { ...(s.metadata.annotations ?? {}), [LAST_CHANGE_TRIGGER_TIME]: rfc3339Nano(trigger) } } };
      for (const s of plan.delete) await this.deleteSlice(key, s);
      for (const s of plan.update) {
        const out = await this.client.json<KubeObject>('PUT', `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices/${s.metadata.name}`, stamp(s));
        this.remember(key, out.metadata.name!, out.metadata.resourceVersion!);
      }
      for (const s of plan.create) {
        try {
          const out = await this.client.json<KubeObject>('POST', `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices`, stamp(s));
          this.remember(key, out.metadata.name!, out.metadata.resourceVersion!);
        } catch (err) {
          if (isNamespaceTerminating(err)) return done;
          throw err;
        }
      }
    }
    return done;
  }

  private async deleteSlice(key: string, s: KubeObject): Promise<void> {
    try {
      await this.client.json('DELETE', `/apis/discovery.k8s.io/v1/namespaces/${s.metadata.namespace}/endpointslices/${s.metadata.name}`, {
        apiVersion: 'v1',
        kind: 'DeleteOptions',
        preconditions: { uid: s.metadata.uid },
      });
    } catch (err) {
      if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) throw err;
    }
    this.remember(key, s.metadata.name!, '');
  }
}
