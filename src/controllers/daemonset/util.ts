// DaemonSet helpers (upstream pkg/controller/daemon/util): the labels put on daemon pods,
// whether a pod runs the current template, the rolling-update budgets, pod ordering.
import type { KubeObject } from '../../api/types.js';
import { scaledValue } from '../deployment/util.js';
import { newControllerRef } from '../runtime/objects.js';
import { addDaemonTolerations, pinToNode } from './placement.js';

export const REVISION_HASH_LABEL = 'controller-revision-hash';
export const TEMPLATE_GENERATION_LABEL = 'pod-template-generation';
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

/** The template generation the API server keeps in an annotation; undefined when absent or bad. */
export function templateGeneration(ds: KubeObject): string | undefined {
  const v = ds.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION];
  return v !== undefined && /^\d+$/.test(v) ? v : undefined;
}

/** The pod runs the current template: its hash label, or (for old pods) its generation label, matches. */
export function isPodUpdated(pod: KubeObject, hash: string, generation: string | undefined): boolean {
  const labels = pod.metadata.labels ?? {};
  return (hash !== '' && labels[REVISION_HASH_LABEL] === hash) || (generation !== undefined && labels[TEMPLATE_GENERATION_LABEL] === generation);
}

/** The pod ds creates for node (upstream CreatePodTemplate + ReplaceDaemonSetPodNodeNameNodeAffinity). */
export function daemonPodFor(ds: KubeObject, node: string, hash: string): KubeObject {
  const t = (ds.spec?.template ?? {}) as { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; finalizers?: string[] }; spec?: Record<string, unknown> };
  const spec = structuredClone(t.spec ?? {});
  addDaemonTolerations(spec);
  spec.affinity = pinToNode(spec.affinity as Record<string, unknown> | undefined, node);
  const labels = { ...(t.metadata?.labels ?? {}) };
  const gen = templateGeneration(ds);
  if (gen !== undefined) labels[TEMPLATE_GENERATION_LABEL] = gen;
  if (hash) labels[REVISION_HASH_LABEL] = hash;
  const metadata: KubeObject['metadata'] = { generateName: `${ds.metadata.name}-`, namespace: ds.metadata.namespace, labels, ownerReferences: [newControllerRef(ds)] };
  if (t.metadata?.annotations) metadata.annotations = { ...t.metadata.annotations };
  if (t.metadata?.finalizers) metadata.finalizers = [...t.metadata.finalizers];
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec };
}

export function isRollingUpdate(ds: KubeObject): boolean {
  return (ds.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

/** Surge is allowed: RollingUpdate with a maxSurge other than 0. */
export function allowsSurge(ds: KubeObject): boolean {
  if (!isRollingUpdate(ds)) return false;
  const s = ds.spec?.updateStrategy?.rollingUpdate?.maxSurge;
  return s !== undefined && s !== null && s !== 0 && s !== '0' && s !== '0%';
}

/** [maxSurge, maxUnavailable] for desired nodes, rounded up; both 0 would stall, so unavailable becomes 1. */
export function rollingBudgets(ds: KubeObject, desired: number): [number, number] {
  if (!isRollingUpdate(ds)) return [0, 0];
  const ru = ds.spec?.updateStrategy?.rollingUpdate ?? {};
  const surge = allowsSurge(ds) ? scaledValue(ru.maxSurge, desired, true) : 0;
  let unavailable = scaledValue(ru.maxUnavailable ?? 1, desired, true);
  if (desired > 0 && surge === 0 && unavailable === 0) unavailable = 1;
  return [surge, unavailable];
}

/** Scheduled pods first, then oldest first, then by name (upstream podByCreationTimestampAndPhase). */
export function byCreationAndPhase(a: KubeObject, b: KubeObject): number {
  const sa = a.spec?.nodeName ? 0 : 1;
  const sb = b.spec?.nodeName ? 0 : 1;
  if (sa !== sb) return sa - sb;
  const ta = Date.parse(a.metadata.creationTimestamp ?? '') || 0;
  const tb = Date.parse(b.metadata.creationTimestamp ?? '') || 0;
  return ta - tb || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}
