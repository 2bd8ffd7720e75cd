// ValidatePodUpdate: a pod's spec is immutable except for a handful of fields.
import { FieldError } from '../errors.js';
import type { KubeObject } from '../types.js';
import { validateObjectMetaUpdate } from './meta.js';
import { MIRROR_POD_ANNOTATION, validatePod, validateTolerations } from './pod.js';
import type { Container, PodSpec, Toleration } from './shapes.js';

const UPDATABLE = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];
const MAX_INT32 = 2147483647;

/** Order-insensitive JSON equality where absent and undefined are the same. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
    for (const k of keys) if (!deepEqual(ao[k], bo[k])) return false;
    return true;
  }
  return false;
}

/** A short line-per-field diff, in the spirit of upstream's cmp.Diff appendix. */
function diff(a: unknown, b: unknown, path: string, out: string[]): void {
  if (deepEqual(a, b)) return;
  const bothObjects = typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && Array.isArray(a) === Array.isArray(b);
  if (!bothObjects) {
    out.push(`-\t${path}: ${JSON.stringify(a ?? null)}`, `+\t${path}: ${JSON.stringify(b ?? null)}`);
    return;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  for (const k of new Set([...Object.keys(ao), ...Object.keys(bo)])) {
    diff(ao[k], bo[k], Array.isArray(a) ? `${path}[${k}]` : `${path}.${k}`, out);
  }
}

function containerUpdates(n: Container[] | undefined, o: Container[] | undefined, path: string): { errs: FieldError[]; stop: boolean } {
  const nn = n ?? [];
  if (nn.length !== (o ?? []).length) return { errs: [FieldError.forbidden(path, 'pod updates may not add or remove containers')], stop: true };
  const errs: FieldError[] = [];
  nn.forEach((c, i) => {
    if (!c?.image) errs.push(FieldError.required(`${path}[${i}].image`, ''));
  });
  return { errs, stop: false };
}

function onlyAddedTolerations(n: Toleration[] | undefined, o: Toleration[] | undefined): FieldError[] {
  for (const old of o ?? []) {
    const found = (n ?? []).some((t) => deepEqual({ ...old, tolerationSeconds: t.tolerationSeconds }, t));
    if (!found) return [FieldError.forbidden('spec.tolerations', 'existing toleration can not be modified except its tolerationSeconds')];
  }
  return validateTolerations(n, 'spec.tolerations');
}

/** A pod cannot become, or stop being, a mirror pod, nor point at another static pod. */
function mirrorAnnotationUpdate(pod: KubeObject, old: KubeObject): FieldError[] {
  const k = MIRROR_POD_ANNOTATION;
  const now = pod.metadata.annotations?.[k];
  const was = old.metadata.annotations?.[k];
  if (was !== undefined && now !== was) return [FieldError.forbidden(`metadata.annotations[${k}]`, 'may not remove or update mirror pod annotation')];
  if (was === undefined && now !== undefined) return [FieldError.forbidden(`metadata.annotations[${k}]`, 'may not add mirror pod annotation')];
  return [];
}

export function validatePodUpdate(pod: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateObjectMetaUpdate(pod.metadata, old.metadata);
  errs.push(...validatePod(pod));
  errs.push(...mirrorAnnotationUpdate(pod, old));
  const ns = (pod.spec ?? {}) as PodSpec;
  const os = (old.spec ?? {}) as PodSpec;
  for (const list of ['containers', 'initContainers'] as const) {
    const r = containerUpdates(ns[list], os[list], `spec.${list}`);
    errs.push(...r.errs);
    if (r.stop) return errs;
  }
  const nad = ns.activeDeadlineSeconds;
  const oad = os.activeDeadlineSeconds;
  if (nad !== undefined && nad !== null) {
    if (nad < 0 || nad > MAX_INT32) return [...errs, FieldError.invalid('spec.activeDeadlineSeconds', nad, `must be between 0 and ${MAX_INT32}, inclusive`)];
    if (oad !== undefined && oad !== null && oad < nad) {
      return [...errs, FieldError.invalid('spec.activeDeadlineSeconds', nad, 'must be less than or equal to previous value')];
    }
  } else if (oad !== undefined && oad !== null) {
    errs.push(FieldError.invalid('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'));
  }
  errs.push(...onlyAddedTolerations(ns.tolerations, os.tolerations));
  const oldGates = new Set((os.schedulingGates ?? []).map((g) => g?.name));
  (ns.schedulingGates ?? []).forEach((g, i) => {
    if (!oldGates.has(g?.name)) {
      errs.push(FieldError.forbidden(`spec.schedulingGates[${i}].name`, `only deletion is allowed, but found new scheduling gate '${g?.name ?? ''}'`));
    }
  });
  if (deepEqual(ns, os)) return errs;

  const munged: PodSpec = structuredClone(ns);
  munged.containers = (munged.containers ?? []).map((c, i) => ({ ...c, image: os.containers?.[i]?.image }));
  if (munged.initContainers || os.initContainers) {
    munged.initContainers = (munged.initContainers ?? []).map((c, i) => ({ ...c, image: os.initContainers?.[i]?.image }));
  }
  munged.activeDeadlineSeconds = os.activeDeadlineSeconds;
  munged.schedulingGates = os.schedulingGates;
  munged.tolerations = os.tolerations;
  const ogp = os.terminationGracePeriodSeconds;
  if (typeof ogp === 'number' && ogp < 0 && munged.terminationGracePeriodSeconds === 1) munged.terminationGracePeriodSeconds = ogp;
  if (!deepEqual(munged, os)) {
    const lines: string[] = [];
    diff(os, munged, 'spec', lines);
    errs.push(FieldError.forbidden('spec', `pod updates may not change fields other than ${UPDATABLE.join(',')}\n${lines.join('\n')}`));
  }
  return errs;
}
