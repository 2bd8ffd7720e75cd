// A StatefulSet pod's identity and storage (upstream stateful_set_utils.go): the name
// <set>-<ordinal>, the pod-name and pod-index labels, hostname = name and subdomain =
// serviceName, and one claim <template>-<set>-<ordinal> per volumeClaimTemplate.
import type { KubeObject } from '../../api/types.js';
import { newControllerRef } from '../runtime/objects.js';

export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';
export const REVISION_LABEL = 'controller-revision-hash';

type Volume = { name: string; persistentVolumeClaim?: { claimName: string; readOnly?: boolean }; [k: string]: unknown };

export function startOrdinal(set: KubeObject): number {
  return Number(set.spec?.ordinals?.start ?? 0);
}

export function replicasOf(set: KubeObject): number {
  const r = set.spec?.replicas;
  return r === undefined || r === null ? 1 : Number(r);
}

/** The ordinal of a pod named <set>-<n>, or -1 when the name is not of that form. */
export function ordinalOf(set: KubeObject, pod: KubeObject): number {
  const prefix = `${set.metadata.name}-`;
  const name = pod.metadata.name ?? '';
  if (!name.startsWith(prefix)) return -1;
  const rest = name.slice(prefix.length);
  return /^(0|[1-9][0-9]*)$/.test(rest) ? Number(rest) : -1;
}

export function podName(set: KubeObject, ordinal: number): string {
  return `${set.metadata.name}-${ordinal}`;
}

export function claimName(set: KubeObject, template: KubeObject, ordinal: number): string {
  return `${template.metadata.name}-${set.metadata.name}-${ordinal}`;
}

export function claimTemplates(set: KubeObject): KubeObject[] {
  return (set.spec?.volumeClaimTemplates ?? []) as KubeObject[];
}

/** Claim name per template name, for the pod with this ordinal. */
export function podClaims(set: KubeObject, ordinal: number): Map<string, string> {
  return new Map(claimTemplates(set).map((t) => [t.metadata.name!, claimName(set, t, ordinal)]));
}

/** The pod's name, labels, hostname and subdomain are those of its ordinal. */
export function identityMatches(set: KubeObject, pod: KubeObject): boolean {
  const ord = ordinalOf(set, pod);
  return (
    ord >= 0 &&
    pod.metadata.namespace === set.metadata.namespace &&
    pod.metadata.labels?.[POD_NAME_LABEL] === pod.metadata.name &&
    pod.metadata.labels?.[POD_INDEX_LABEL] === String(ord)
  );
}

/** Every claim template is mounted from the pod's own claim. */
export function storageMatches(set: KubeObject, pod: KubeObject): boolean {
  const ord = ordinalOf(set, pod);
  if (ord < 0) return false;
  const vols = new Map(((pod.spec?.volumes ?? []) as Volume[]).map((v) => [v.name, v]));
  for (const [vol, claim] of podClaims(set, ord)) {
    if (vols.get(vol)?.persistentVolumeClaim?.claimName !== claim) return false;
  }
  return true;
}

/** Claims of the pod as the templates describe them (upstream getPersistentVolumeClaims). */
export function newClaims(set: KubeObject, ordinal: number): KubeObject[] {
  const sel = (set.spec?.selector?.matchLabels ?? {}) as Record<string, string>;
  return claimTemplates(set).map((t) => {
    const metadata: KubeObject['metadata'] = { name: claimName(set, t, ordinal), namespace: set.metadata.namespace };
    const labels = { ...(t.metadata.labels ?? {}), ...sel };
    if (Object.keys(labels).length) metadata.labels = labels;
    if (t.metadata.annotations) metadata.annotations = { ...t.metadata.annotations };
    const spec = structuredClone(t.spec ?? {});
    return { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata, spec };
  });
}

/** The pod for ordinal from the set's template, with identity, storage and revision label. */
export function newPod(set: KubeObject, ordinal: number, revision: string): KubeObject {
  const t = (set.spec?.template ?? {}) as { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; finalizers?: string[] }; spec?: Record<string, unknown> };
  const tm = t.metadata ?? {};
  const name = podName(set, ordinal);
  const metadata: KubeObject['metadata'] = {
    name,
    namespace: set.metadata.namespace,
    labels: { ...(tm.labels ?? {}), [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal), [REVISION_LABEL]: revision },
    ownerReferences: [newControllerRef(set)],
  };
  if (tm.annotations) metadata.annotations = { ...tm.annotations };
  if (tm.finalizers) metadata.finalizers = [...tm.finalizers];
  const spec = structuredClone(t.spec ?? {}) as Record<string, unknown>;
  spec.hostname = name;
  if (set.spec?.serviceName) spec.subdomain = set.spec.serviceName;
  // claim volumes first, then the template's others; a claim template wins over a template
  // volume of the same name (upstream updateStorage)
  const claims = podClaims(set, ordinal);
  const vols: Volume[] = [...claims].map(([vol, claim]) => ({ name: vol, persistentVolumeClaim: { claimName: claim } }));
  for (const v of (spec.volumes ?? []) as Volume[]) if (!claims.has(v.name)) vols.push(v);
  if (vols.length) spec.volumes = vols;
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec };
}
