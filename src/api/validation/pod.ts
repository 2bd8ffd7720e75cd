// PodSpec, Pod and PodTemplateSpec validation (ValidatePodSpec and friends).
import { FieldError } from '../errors.js';
import type { KubeObject } from '../types.js';
import { hostPortConflicts, validateContainerCommon, validateProbesAndLifecycle } from './container.js';
import { validateAnnotations, validateLabels, validateObjectMeta, validateDNS1123Label } from './meta.js';
import { isDNS1123Subdomain, isQualifiedName, isValidIP, isValidLabelValue, nameIsDNSSubdomain } from './names.js';
import type { Container, PodSpec, PodTemplateSpec, Toleration } from './shapes.js';
import { isObj } from './shapes.js';
import { validateVolumes } from './volumes.js';

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const MAX_INT32 = 2147483647;

export interface PodSpecOptions {
  /** The spec belongs to a Pod (not a template): hostPort must equal containerPort on hostNetwork. */
  isPod: boolean;
}

function validateContainers(spec: PodSpec, vols: Set<string>, path: string): FieldError[] {
  const cs = spec.containers ?? [];
  if (!Array.isArray(cs) || cs.length === 0) return [FieldError.required(path, '')];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  const grace = spec.terminationGracePeriodSeconds;
  cs.forEach((c: Container, i) => {
    const p = `${path}[${i}]`;
    if (!isObj(c)) return;
    errs.push(...validateContainerCommon(c, vols, p));
    if (names.has(c.name ?? '')) errs.push(FieldError.duplicate(`${p}.name`, c.name ?? ''));
    else names.add(c.name ?? '');
    errs.push(...validateProbesAndLifecycle(c, p, grace));
    if (c.restartPolicy !== undefined) errs.push(FieldError.forbidden(`${p}.restartPolicy`, 'may not be set for non-init containers'));
  });
  errs.push(...hostPortConflicts(cs, path));
  return errs;
}

function validateInitContainers(spec: PodSpec, vols: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set((spec.containers ?? []).map((c) => c?.name ?? ''));
  const grace = spec.terminationGracePeriodSeconds;
  (spec.initContainers ?? []).forEach((c, i) => {
    const p = `${path}[${i}]`;
    if (!isObj(c)) return;
    errs.push(...validateContainerCommon(c, vols, p));
    const sidecar = c.restartPolicy === 'Always';
    if (c.restartPolicy !== undefined && !sidecar) errs.push(FieldError.notSupported(`${p}.restartPolicy`, c.restartPolicy, ['Always']));
    if (names.has(c.name ?? '')) errs.push(FieldError.duplicate(`${p}.name`, c.name ?? ''));
    else if (c.name) names.add(c.name);
    errs.push(...hostPortConflicts([c], path, i));
    if (sidecar) errs.push(...validateProbesAndLifecycle(c, p, grace));
    else {
      for (const f of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
        if (c[f] !== undefined && c[f] !== null) errs.push(FieldError.forbidden(`${p}.${f}`, 'may not be set for init containers without restartPolicy=Always'));
      }
    }
  });
  return errs;
}

export function validateTolerations(tols: Toleration[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (tols ?? []).forEach((t, i) => {
    const p = `${path}[${i}]`;
    if (!isObj(t)) return;
    if (t.key) for (const m of isQualifiedName(t.key)) errs.push(FieldError.invalid(`${p}.key`, t.key, m));
    if (!t.key && t.operator !== 'Exists') {
      errs.push(FieldError.invalid(`${p}.operator`, t.operator ?? '', 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null && t.effect !== 'NoExecute') {
      errs.push(FieldError.invalid(`${p}.effect`, t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    switch (t.operator ?? '') {
      case 'Equal':
      case '': {
        const msgs = isValidLabelValue(t.value ?? '');
        if (msgs.length) errs.push(FieldError.invalid(`${p}.operator`, t.value ?? '', msgs.join(';')));
        break;
      }
      case 'Exists':
        if (t.value) errs.push(FieldError.invalid(`${p}.operator`, t.value, "value must be empty when `operator` is 'Exists'"));
        break;
      default:
        errs.push(FieldError.notSupported(`${p}.operator`, t.operator, ['Equal', 'Exists']));
    }
    if (t.effect && !TAINT_EFFECTS.includes(t.effect)) errs.push(FieldError.notSupported(`${p}.effect`, t.effect, TAINT_EFFECTS));
  });
  return errs;
}

function validatePodSecurityContext(sc: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObj(sc)) return errs;
  for (const f of ['fsGroup', 'runAsUser', 'runAsGroup']) {
    const v = sc[f];
    if (typeof v === 'number' && (v < 0 || v > 4294967295)) errs.push(FieldError.invalid(`${path}.${f}`, v, 'must be between 0 and 4294967295, inclusive'));
  }
  if (Array.isArray(sc.supplementalGroups)) {
    sc.supplementalGroups.forEach((g: unknown, i: number) => {
      if (typeof g === 'number' && (g < 0 || g > 4294967295)) errs.push(FieldError.invalid(`${path}.supplementalGroups[${i}]`, g, 'must be between 0 and 4294967295, inclusive'));
    });
  }
  return errs;
}

export function validatePodSpec(spec: PodSpec | undefined, path: string, opts: PodSpecOptions): FieldError[] {
  const s: PodSpec = isObj(spec) ? spec : {};
  const errs: FieldError[] = [];
  if (s.terminationGracePeriodSeconds === undefined || s.terminationGracePeriodSeconds === null) {
    errs.push(FieldError.required(`${path}.terminationGracePeriodSeconds`, ''));
  }
  const { names: vols, errs: vErrs } = validateVolumes(s.volumes, `${path}.volumes`);
  errs.push(...vErrs);
  errs.push(...validateContainers(s, vols, `${path}.containers`));
  errs.push(...validateInitContainers(s, vols, `${path}.initContainers`));
  if (s.hostNetwork === true) {
    (s.containers ?? []).forEach((c, i) =>
      (c?.ports ?? []).forEach((p, j) => {
        const hp = p?.hostPort ?? 0;
        if ((opts.isPod || hp !== 0) && hp !== p?.containerPort) {
          errs.push(FieldError.invalid(`${path}.containers[${i}].ports[${j}].hostPort`, hp, 'must match `containerPort` when `hostNetwork` is true'));
        }
      }),
    );
  }
  const rp = s.restartPolicy ?? '';
  if (rp === '') errs.push(FieldError.required(`${path}.restartPolicy`, ''));
  else if (!RESTART_POLICIES.includes(rp)) errs.push(FieldError.notSupported(`${path}.restartPolicy`, rp, RESTART_POLICIES));
  const dp = s.dnsPolicy ?? '';
  if (dp === '') errs.push(FieldError.required(`${path}.dnsPolicy`, ''));
  else if (!DNS_POLICIES.includes(dp)) errs.push(FieldError.notSupported(`${path}.dnsPolicy`, dp, DNS_POLICIES));
  errs.push(...validateLabels(s.nodeSelector, `${path}.nodeSelector`));
  errs.push(...validatePodSecurityContext(s.securityContext, `${path}.securityContext`));
  (s.imagePullSecrets ?? []).forEach((ref, i) => {
    if (isObj(ref) && Object.keys(ref).some((k) => k !== 'name')) errs.push(FieldError.invalid(`${path}.imagePullSecrets[${i}]`, ref, 'only name may be set'));
  });
  if (dp === 'None') {
    if (!isObj(s.dnsConfig)) errs.push(FieldError.required(`${path}.dnsConfig`, 'must provide `dnsConfig` when `dnsPolicy` is None'));
    else if (!s.dnsConfig.nameservers?.length) {
      errs.push(FieldError.required(`${path}.dnsConfig.nameservers`, 'must provide at least one DNS nameserver when `dnsPolicy` is None'));
    }
  }
  if (isObj(s.dnsConfig)) {
    (s.dnsConfig.nameservers ?? []).forEach((ns, i) => {
      if (!isValidIP(ns)) errs.push(FieldError.invalid(`${path}.dnsConfig.nameservers[${i}]`, ns, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
    });
  }
  const gates = new Set<string>();
  (s.schedulingGates ?? []).forEach((g, i) => {
    const n = g?.name ?? '';
    for (const m of isQualifiedName(n)) errs.push(FieldError.invalid(`${path}.schedulingGates[${i}]`, n, m));
    if (gates.has(n)) errs.push(FieldError.duplicate(`${path}.schedulingGates[${i}]`, n));
    gates.add(n);
  });
  if (s.serviceAccountName) for (const m of isDNS1123Subdomain(s.serviceAccountName)) errs.push(FieldError.invalid(`${path}.serviceAccountName`, s.serviceAccountName, m));
  if (s.nodeName) for (const m of isDNS1123Subdomain(s.nodeName)) errs.push(FieldError.invalid(`${path}.nodeName`, s.nodeName, m));
  if (s.activeDeadlineSeconds !== undefined && s.activeDeadlineSeconds !== null) {
    const v = s.activeDeadlineSeconds;
    if (v < 1 || v > MAX_INT32) errs.push(FieldError.invalid(`${path}.activeDeadlineSeconds`, v, `must be between 1 and ${MAX_INT32}, inclusive`));
  }
  if (s.hostname) errs.push(...validateDNS1123Label(s.hostname, `${path}.hostname`));
  if (s.subdomain) errs.push(...validateDNS1123Label(s.subdomain, `${path}.subdomain`));
  if (s.tolerations?.length) errs.push(...validateTolerations(s.tolerations, `${path}.tolerations`));
  if (s.priorityClassName) for (const m of isDNS1123Subdomain(s.priorityClassName)) errs.push(FieldError.invalid(`${path}.priorityClassName`, s.priorityClassName, m));
  return errs;
}

/** Marks a pod as the API's mirror of a kubelet's static pod (value: the static pod's hash). */
export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

/** ValidatePodCreate (and the metadata/spec half of ValidatePodUpdate). */
export function validatePod(pod: KubeObject): FieldError[] {
  const errs = validateObjectMeta(pod.metadata, true, nameIsDNSSubdomain);
  const spec = pod.spec as PodSpec | undefined;
  errs.push(...validatePodSpec(spec, 'spec', { isPod: true }));
  const mirror = pod.metadata?.annotations?.[MIRROR_POD_ANNOTATION];
  if (mirror !== undefined && !spec?.nodeName) errs.push(FieldError.invalid(`metadata.annotations[${MIRROR_POD_ANNOTATION}]`, mirror, 'must set spec.nodeName if mirror pod annotation is set'));
  for (const list of ['containers', 'initContainers'] as const) {
    (spec?.[list] ?? []).forEach((c, i) => {
      if (c?.image && c.image.trim() !== c.image) errs.push(FieldError.invalid(`spec.${list}[${i}].image`, c.image, 'must not have leading or trailing whitespace'));
    });
  }
  return errs;
}

export function validatePodCreate(pod: KubeObject): FieldError[] {
  const errs = validatePod(pod);
  const spec = (pod.spec ?? {}) as PodSpec;
  if (spec.ephemeralContainers?.length) errs.push(FieldError.forbidden('spec.ephemeralContainers', 'cannot be set on create'));
  if (spec.nodeName && spec.schedulingGates?.length) errs.push(FieldError.forbidden('spec.nodeName', 'cannot be set until all schedulingGates have been cleared'));
  return errs;
}

/** ValidatePodTemplateSpec: template labels/annotations plus the embedded PodSpec. */
export function validatePodTemplateSpec(t: PodTemplateSpec | undefined, path: string): FieldError[] {
  if (!isObj(t)) return [FieldError.required(path, '')];
  const errs: FieldError[] = [];
  errs.push(...validateLabels(t.metadata?.labels, `${path}.labels`));
  errs.push(...validateAnnotations(t.metadata?.annotations, `${path}.annotations`));
  errs.push(...validatePodSpec(t.spec, `${path}.spec`, { isPod: false }));
  if (t.spec?.ephemeralContainers?.length) errs.push(FieldError.forbidden(`${path}.spec.ephemeralContainers`, 'ephemeral containers not allowed in pod template'));
  return errs;
}

