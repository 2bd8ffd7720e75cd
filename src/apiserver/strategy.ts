// Per-kind rules the generic registry applies on create and update, as kube-apiserver's
// REST strategies do: what status looks like on create, which writes bump generation,
// what a status-subresource write may touch.
import type { KubeObject } from '../api/types.js';
import type { ResourceInfo } from '../api/resources.js';
import { deepEqual } from './patch/json.js';
import { daemonSetTemplateGenerationOnCreate, daemonSetTemplateGenerationOnUpdate } from './strategy-daemonset.js';

/** Kinds whose metadata.generation tracks spec changes. */
const GENERATION_KINDS = new Set(['Deployment', 'ReplicaSet', 'ReplicationController', 'DaemonSet', 'StatefulSet', 'Job', 'CronJob', 'PersistentVolumeClaim']);

/** Kinds whose PUT creates the object when it is absent (upstream AllowCreateOnUpdate). */
const CREATE_ON_UPDATE_KINDS = new Set(['Service', 'Endpoints', 'Event', 'Lease', 'LimitRange']);

export function allowCreateOnUpdate(ri: ResourceInfo): boolean {
  return CREATE_ON_UPDATE_KINDS.has(ri.kind);
}

export function hasStatusSubresource(ri: ResourceInfo): boolean {
  return ri.subresources.some((s) => s.name === 'status');
}

export function tracksGeneration(ri: ResourceInfo): boolean {
  return GENERATION_KINDS.has(ri.kind);
}

/** Pod QoS class from requests/limits (Guaranteed, Burstable, BestEffort). */
export function qosClass(pod: KubeObject): string {
  const containers: any[] = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    for (const r of ['cpu', 'memory']) {
      if (req[r] !== undefined || lim[r] !== undefined) any = true;
      if (lim[r] === undefined || (req[r] !== undefined && String(req[r]) !== String(lim[r]))) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** Secrets: stringData is write-only sugar; it is merged into data (base64) and dropped. */
export function normalizeSecret(obj: KubeObject): void {
  const sd = obj.stringData as Record<string, unknown> | undefined;
  if (sd && typeof sd === 'object') {
    const data = { ...((obj.data as Record<string, string> | undefined) ?? {}) };
    for (const [k, v] of Object.entries(sd)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
    obj.data = data;
  }
  delete obj.stringData;
}

/** The labels upstream's Job strategy puts on generated selectors and pod templates. */
export const JOB_NAME_LABELS = ['job-name', 'batch.kubernetes.io/job-name'];
export const JOB_UID_LABELS = ['controller-uid', 'batch.kubernetes.io/controller-uid'];

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Jobs without manualSelector get a selector on their own uid, and the pod template the matching labels (upstream
 * generateSelector, run by the Job strategy once the uid is set). Labels the user already set are left alone, so a
 * conflicting one fails validation.
 */
export function generateJobSelector(obj: KubeObject): void {
  if (!isRec(obj.spec) || obj.spec.manualSelector === true) return;
  const spec = obj.spec;
  const uid = obj.metadata.uid ?? '';
  const template = isRec(spec.template) ? spec.template : (spec.template = {});
  const tmeta = isRec(template.metadata) ? template.metadata : (template.metadata = {});
  const labels = isRec(tmeta.labels) ? tmeta.labels : (tmeta.labels = {});
  for (const k of JOB_NAME_LABELS) if (!(k in labels)) labels[k] = obj.metadata.name ?? '';
  for (const k of JOB_UID_LABELS) if (!(k in labels)) labels[k] = uid;
  const selector = isRec(spec.selector) ? spec.selector : (spec.selector = {});
  const matchLabels = isRec(selector.matchLabels) ? selector.matchLabels : (selector.matchLabels = {});
  if (!('batch.kubernetes.io/controller-uid' in matchLabels)) matchLabels['batch.kubernetes.io/controller-uid'] = uid;
}

export function prepareForCreate(ri: ResourceInfo, obj: KubeObject): void {
  if (ri.kind === 'Secret') normalizeSecret(obj);
  if (ri.group === 'batch' && ri.kind === 'Job') generateJobSelector(obj);
  if (ri.group === 'apps' && ri.kind === 'DaemonSet') daemonSetTemplateGenerationOnCreate(obj);
  if (hasStatusSubresource(ri)) {
    if (ri.kind === 'Pod') {
      obj.status = { phase: 'Pending', qosClass: qosClass(obj) };
    } else if (ri.kind === 'Namespace') {
      obj.status = { phase: 'Active' };
    } else if (ri.kind === 'PersistentVolumeClaim' || ri.kind === 'PersistentVolume') {
      obj.status = { phase: 'Pending' };
    } else if (ri.kind !== 'Node' && ri.kind !== 'Service') {
      obj.status = {};
    }
  }
  if (ri.kind === 'Namespace') {
    obj.spec = { ...(obj.spec ?? {}), finalizers: obj.spec?.finalizers ?? ['kubernetes'] };
    obj.status = { phase: 'Active' };
  }
  if (ri.kind === 'Service') {
    obj.status = { loadBalancer: {} };
  }
  if (tracksGeneration(ri)) obj.metadata.generation = 1;
  else delete obj.metadata.generation;
}

function specOf(obj: KubeObject): unknown {
  // everything except metadata/status/kind/apiVersion counts as "spec" (ConfigMap data etc.)
  const { metadata: _m, status: _s, kind: _k, apiVersion: _a, ...rest } = obj;
  return rest;
}

/** Semantic equality of JSON values: key order does not matter (clients re-encode objects). */
export function sameJson(a: unknown, b: unknown): boolean {
  return deepEqual(a, b);
}

/**
 * Main-resource update: status is preserved when the kind has a status subresource;
 * generation bumps on spec changes.
 */
export function prepareForUpdate(ri: ResourceInfo, obj: KubeObject, old: KubeObject, subresource = ''): void {
  if (ri.kind === 'Secret') normalizeSecret(obj);
  if (ri.kind === 'Namespace' && subresource === 'finalize') {
    // only spec.finalizers may change through namespaces/finalize
    const fin = obj.spec?.finalizers;
    Object.assign(obj, { ...old, metadata: obj.metadata, spec: { ...(old.spec ?? {}), finalizers: fin ?? [] } });
    return;
  }
  if (subresource === 'binding') return; // binding sets spec.nodeName and the PodScheduled condition together
  if (ri.group === 'apps' && ri.kind === 'DaemonSet') daemonSetTemplateGenerationOnUpdate(obj, old);
  if (hasStatusSubresource(ri) && ri.kind !== 'Namespace') {
    if (old.status === undefined) delete obj.status;
    else obj.status = old.status;
  }
  if (ri.kind === 'Namespace') {
    obj.status = old.status;
    obj.spec = old.spec;
  }
  if (tracksGeneration(ri)) {
    const oldGen = old.metadata.generation ?? 1;
    // Deployments also count annotation changes: they are copied to the ReplicaSets
    const annotationsChanged = ri.kind === 'Deployment' && !sameJson(obj.metadata.annotations ?? {}, old.metadata.annotations ?? {});
    obj.metadata.generation = sameJson(specOf(obj), specOf(old)) && !annotationsChanged ? oldGen : oldGen + 1;
  } else {
    delete obj.metadata.generation;
  }
}

/** Status-subresource update: only status changes; metadata and spec come from the stored object. */
export function prepareForStatusUpdate(ri: ResourceInfo, obj: KubeObject, old: KubeObject): KubeObject {
  const next: KubeObject = { ...old, status: obj.status, metadata: { ...old.metadata, managedFields: obj.metadata.managedFields ?? old.metadata.managedFields } };
  if (ri.kind === 'Pod' && obj.status && old.status?.qosClass && !obj.status.qosClass) next.status = { ...obj.status, qosClass: old.status.qosClass };
  return next;
}
