// Mirror pods (the API's view of a kubelet's static pods) may not reference API objects the
// kubelet could not have read without the API: service accounts, secrets, token projections.
// As kube-apiserver's ServiceAccount admission does for pods carrying kubernetes.io/config.mirror.
import { ApiError } from '../api/errors.js';
import type { KubeObject } from '../api/types.js';
import { MIRROR_POD_ANNOTATION } from '../api/validation/pod.js';
import type { PodSpec } from '../api/validation/shapes.js';

function referencesSecrets(spec: PodSpec): boolean {
  if ((spec.imagePullSecrets ?? []).length) return true;
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])]) {
    if ((c?.envFrom ?? []).some((e) => e?.secretRef)) return true;
    if ((c?.env ?? []).some((e) => e?.valueFrom?.secretKeyRef)) return true;
  }
  for (const v of spec.volumes ?? []) {
    if (v?.secret) return true;
    if ((v?.projected?.sources ?? []).some((s) => s?.secret)) return true;
  }
  return false;
}

export function admitMirrorPod(pod: KubeObject): void {
  if (pod.metadata.annotations?.[MIRROR_POD_ANNOTATION] === undefined) return;
  const spec = (pod.spec ?? {}) as PodSpec;
  const forbid = (why: string) => ApiError.forbidden(`pods "${pod.metadata.name ?? ''}" is forbidden: ${why}`);
  if (spec.serviceAccountName) throw forbid('a mirror pod may not reference service accounts');
  if (referencesSecrets(spec)) throw forbid('a mirror pod may not reference secrets');
  for (const v of spec.volumes ?? []) {
    if ((v?.projected?.sources ?? []).some((s) => s?.serviceAccountToken)) throw forbid('a mirror pod may not use ServiceAccountToken volume projections');
  }
}
