// apps/v1 workloads and ReplicationController (apps and core validation).
import { FieldError } from '../errors.js';
import { selectorFromLabelSelector, selectorFromSet } from '../labels.js';
import type { KubeObject } from '../types.js';
import { nonNegative, validateLabelSelector, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { isValidPercent, nameIsDNSSubdomain } from './names.js';
import { validatePodTemplateSpec } from './pod.js';
import { deepEqual } from './podupdate.js';
import type { IntOrString, LabelSelector, PodTemplateSpec } from './shapes.js';
import { isObj } from './shapes.js';

type Rec = Record<string, unknown>;

/** ValidatePodTemplateSpecForReplicaSet: labels match, restartPolicy Always, no activeDeadlineSeconds. */
function templateForControllers(t: PodTemplateSpec | undefined, matches: ((l: Record<string, string>) => boolean) | undefined, kind: string): FieldError[] {
  const path = 'spec.template';
  if (!isObj(t)) return [FieldError.required(path, '')];
  const errs: FieldError[] = [];
  const labels = t.metadata?.labels ?? {};
  if (matches && !matches(labels)) errs.push(FieldError.invalid(`${path}.metadata.labels`, labels, '`selector` does not match template `labels`'));
  errs.push(...validatePodTemplateSpec(t, path));
  const rp = t.spec?.restartPolicy ?? '';
  if (rp !== 'Always') errs.push(FieldError.notSupported(`${path}.spec.restartPolicy`, rp, ['Always']));
  if (t.spec?.activeDeadlineSeconds !== undefined && t.spec.activeDeadlineSeconds !== null) {
    errs.push(FieldError.forbidden(`${path}.spec.activeDeadlineSeconds`, `activeDeadlineSeconds in ${kind} is not Supported`));
  }
  return errs;
}

/** Selector required, well-formed and non-empty; returns a matcher for the template check. */
function appsSelector(sel: unknown, kindWord: string, errs: FieldError[]): ((l: Record<string, string>) => boolean) | undefined {
  if (!isObj(sel)) {
    errs.push(FieldError.required('spec.selector', ''));
    return undefined;
  }
  const before = errs.length;
  errs.push(...validateLabelSelector(sel, 'spec.selector'));
  const ls = sel as LabelSelector;
  if (Object.keys(ls.matchLabels ?? {}).length + (ls.matchExpressions ?? []).length === 0) {
    errs.push(FieldError.invalid('spec.selector', sel, `empty selector is invalid for ${kindWord}`));
  }
  if (errs.length > before) return undefined;
  try {
    const s = selectorFromLabelSelector(ls as Parameters<typeof selectorFromLabelSelector>[0]);
    return (l) => s.matches(l);
  } catch {
    errs.push(FieldError.invalid('spec.selector', sel, 'invalid label selector'));
    return undefined;
  }
}

/** The numeric part of an int-or-percent (only compared against 0). */
const intOrPercent = (v: IntOrString | undefined): number => (typeof v === 'string' ? Number.parseInt(v, 10) : (v ?? 0));

function positiveIntOrPercent(v: unknown, path: string): FieldError[] {
  if (typeof v === 'string') return isValidPercent(v).map((m) => FieldError.invalid(path, v, m));
  return nonNegative(v, path);
}

function notMoreThan100(v: unknown, path: string): FieldError[] {
  return typeof v === 'string' && v.endsWith('%') && Number.parseInt(v, 10) > 100 ? [FieldError.invalid(path, v, 'must not be greater than 100%')] : [];
}

function rollingUpdate(ru: Rec, path: string): FieldError[] {
  const errs = [...positiveIntOrPercent(ru.maxUnavailable, `${path}.maxUnavailable`), ...positiveIntOrPercent(ru.maxSurge, `${path}.maxSurge`)];
  if (intOrPercent(ru.maxUnavailable as IntOrString) === 0 && intOrPercent(ru.maxSurge as IntOrString) === 0) {
    errs.push(FieldError.invalid(`${path}.maxUnavailable`, ru.maxUnavailable ?? 0, 'may not be 0 when `maxSurge` is 0'));
  }
  errs.push(...notMoreThan100(ru.maxUnavailable, `${path}.maxUnavailable`));
  return errs;
}

function strategy(s: unknown, path: string, types: [string, string], ruDetail: string): FieldError[] {
  const st = (isObj(s) ? s : {}) as Rec;
  const [recreate, rolling] = types;
  if (st.type === recreate) {
    return isObj(st.rollingUpdate) ? [FieldError.forbidden(`${path}.rollingUpdate`, `may not be specified when strategy \`type\` is '${recreate}'`)] : [];
  }
  if (st.type === rolling) {
    if (!isObj(st.rollingUpdate)) return [FieldError.required(`${path}.rollingUpdate`, ruDetail)];
    return rollingUpdate(st.rollingUpdate, `${path}.rollingUpdate`);
  }
  return [FieldError.notSupported(`${path}.type`, st.type ?? '', [...types].sort())];
}

function common(obj: KubeObject, kindWord: string, kind: string): { spec: Rec; errs: FieldError[] } {
  const errs = validateObjectMeta(obj.metadata, true, nameIsDNSSubdomain);
  const spec = (isObj(obj.spec) ? obj.spec : {}) as Rec;
  errs.push(...nonNegative(spec.replicas, 'spec.replicas'));
  const matches = appsSelector(spec.selector, kindWord, errs);
  errs.push(...templateForControllers(spec.template as PodTemplateSpec, matches, kind));
  errs.push(...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  errs.push(...nonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  return { spec, errs };
}

export function validateDeployment(obj: KubeObject): FieldError[] {
  const { spec, errs } = common(obj, 'deployment', 'ReplicaSet');
  errs.push(...strategy(spec.strategy, 'spec.strategy', ['Recreate', 'RollingUpdate'], 'this should be defaulted and never be nil'));
  const pds = spec.progressDeadlineSeconds;
  if (typeof pds === 'number') {
    errs.push(...nonNegative(pds, 'spec.progressDeadlineSeconds'));
    if (pds <= ((spec.minReadySeconds as number) ?? 0)) errs.push(FieldError.invalid('spec.progressDeadlineSeconds', pds, 'must be greater than minReadySeconds'));
  }
  return errs;
}

export function validateReplicaSet(obj: KubeObject): FieldError[] {
  return common(obj, 'deployment', 'ReplicaSet').errs;
}

export function validateDaemonSet(obj: KubeObject): FieldError[] {
  const { spec, errs } = common(obj, 'daemonset', 'DaemonSet');
  errs.push(...strategy(spec.updateStrategy, 'spec.updateStrategy', ['OnDelete', 'RollingUpdate'], 'this should be defaulted and never be nil'));
  return errs;
}

/**
 * The template as the controller makes pods from it: every volumeClaimTemplate is a claim volume,
 * so that volumeMounts naming a claim template validate (appended: the template's own volume
 * indices in error paths are unchanged).
 */
function withClaimVolumes(obj: KubeObject): KubeObject {
  const spec = isObj(obj.spec) ? (obj.spec as Rec) : undefined;
  const claims = spec && Array.isArray(spec.volumeClaimTemplates) ? (spec.volumeClaimTemplates as Rec[]) : [];
  const t = spec && isObj(spec.template) ? (spec.template as Rec) : undefined;
  if (!claims.length || !t || !isObj(t.spec)) return obj;
  const vols = Array.isArray(t.spec.volumes) ? [...(t.spec.volumes as Rec[])] : [];
  for (const c of claims) {
    const name = isObj(c) && isObj(c.metadata) ? c.metadata.name : undefined;
    if (typeof name === 'string' && name && !vols.some((v) => isObj(v) && v.name === name)) vols.push({ name, persistentVolumeClaim: { claimName: name } });
  }
  return { ...obj, spec: { ...spec, template: { ...t, spec: { ...t.spec, volumes: vols } } } };
}

export function validateStatefulSet(obj: KubeObject): FieldError[] {
  const { spec, errs } = common(withClaimVolumes(obj), 'statefulset', 'StatefulSet');
  const pmp = spec.podManagementPolicy ?? '';
  if (pmp !== 'OrderedReady' && pmp !== 'Parallel') errs.push(FieldError.notSupported('spec.podManagementPolicy', pmp, ['OrderedReady', 'Parallel']));
  const us = (isObj(spec.updateStrategy) ? spec.updateStrategy : {}) as Rec;
  if (us.type === 'OnDelete') {
    if (isObj(us.rollingUpdate)) errs.push(FieldError.invalid('spec.updateStrategy.rollingUpdate', us.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'"));
  } else if (us.type === 'RollingUpdate') {
    if (isObj(us.rollingUpdate)) errs.push(...nonNegative(us.rollingUpdate.partition, 'spec.updateStrategy.rollingUpdate.partition'));
  } else {
    errs.push(FieldError.notSupported('spec.updateStrategy', us.type ?? '', ['OnDelete', 'RollingUpdate']));
  }
  const pol = (isObj(spec.persistentVolumeClaimRetentionPolicy) ? spec.persistentVolumeClaimRetentionPolicy : {}) as Rec;
  for (const f of ['whenDeleted', 'whenScaled']) {
    const v = pol[f] ?? '';
    if (v !== 'Retain' && v !== 'Delete') errs.push(FieldError.notSupported(`spec.persistentVolumeClaimRetentionPolicy.${f}`, v, ['Retain', 'Delete']));
  }
  return errs;
}

export function validateReplicationController(obj: KubeObject): FieldError[] {
  const errs = validateObjectMeta(obj.metadata, true, nameIsDNSSubdomain);
  const spec = (isObj(obj.spec) ? obj.spec : {}) as Rec;
  errs.push(...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  const sel = isObj(spec.selector) ? (spec.selector as Record<string, string>) : {};
  if (Object.keys(sel).length === 0) errs.push(FieldError.required('spec.selector', ''));
  errs.push(...nonNegative(spec.replicas, 'spec.replicas'));
  const s = selectorFromSet(sel);
  errs.push(...templateForControllers(spec.template as PodTemplateSpec, s.isEmpty() ? undefined : (l) => s.matches(l), 'ReplicationController'));
  return errs;
}

/** apps/v1 selectors are immutable; StatefulSets also freeze most of their spec. */
export function validateAppsUpdate(kind: string, obj: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateObjectMetaUpdate(obj.metadata, old.metadata);
  const ns = (obj.spec ?? {}) as Rec;
  const os = (old.spec ?? {}) as Rec;
  if (kind !== 'ReplicationController' && !deepEqual(ns.selector, os.selector)) {
    errs.push(FieldError.invalid('spec.selector', ns.selector ?? null, 'field is immutable'));
  }
  if (kind === 'StatefulSet') {
    const allowed = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];
    const strip = (s: Rec): Rec => Object.fromEntries(Object.entries(s).filter(([k]) => !allowed.includes(k)));
    if (!deepEqual(strip(ns), strip(os))) {
      errs.push(
        FieldError.forbidden(
          'spec',
          "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
        ),
      );
    }
  }
  return errs;
}
