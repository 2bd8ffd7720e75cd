// ObjectMeta, labels, annotations and metav1.LabelSelector validation (apimachinery wording).
import { FieldError } from '../errors.js';
import type { ObjectMeta } from '../types.js';
import { isDNS1123Label, isQualifiedName, isValidLabelValue, nameIsDNSLabel, type NameValidator } from './names.js';
import { isObj, type LabelSelector } from './shapes.js';

const TOTAL_ANNOTATION_SIZE = 256 * 1024;
const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

export function validateLabels(labels: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObj(labels)) return errs;
  for (const [k, v] of Object.entries(labels)) {
    for (const m of isQualifiedName(k)) errs.push(FieldError.invalid(path, k, m));
    const val = typeof v === 'string' ? v : String(v);
    for (const m of isValidLabelValue(val)) errs.push(FieldError.invalid(path, val, m));
  }
  return errs;
}

export function validateAnnotations(ann: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObj(ann)) return errs;
  let total = 0;
  for (const [k, v] of Object.entries(ann)) {
    for (const m of isQualifiedName(k.toLowerCase())) errs.push(FieldError.invalid(path, k, m));
    total += k.length + String(v).length;
  }
  if (total > TOTAL_ANNOTATION_SIZE) errs.push(FieldError.tooLong(path, '', TOTAL_ANNOTATION_SIZE));
  return errs;
}

export function validateFinalizers(finalizers: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!Array.isArray(finalizers)) return errs;
  finalizers.forEach((f, i) => {
    const p = `${path}[${i}]`;
    const s = String(f);
    for (const m of isQualifiedName(s)) errs.push(FieldError.invalid(p, s, m));
    if (!s.includes('/') && !STANDARD_FINALIZERS.has(s)) {
      errs.push(FieldError.invalid(p, s, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
  });
  if (finalizers.includes('orphan') && finalizers.includes('foregroundDeletion')) {
    errs.push(FieldError.invalid(path, finalizers, 'finalizer orphan and foregroundDeletion cannot be both set'));
  }
  return errs;
}

/** ValidateObjectMeta: name/generateName, namespace rule, labels, annotations, finalizers. */
export function validateObjectMeta(meta: ObjectMeta | undefined, requiresNamespace: boolean, nameFn: NameValidator, path = 'metadata'): FieldError[] {
  const m = meta ?? {};
  const errs: FieldError[] = [];
  if (m.generateName) {
    for (const msg of nameFn(m.generateName, true)) errs.push(FieldError.invalid(`${path}.generateName`, m.generateName, msg));
  }
  if (!m.name) errs.push(FieldError.required(`${path}.name`, 'name or generateName is required'));
  else for (const msg of nameFn(m.name, false)) errs.push(FieldError.invalid(`${path}.name`, m.name, msg));
  if (requiresNamespace) {
    if (!m.namespace) errs.push(FieldError.required(`${path}.namespace`, ''));
    else for (const msg of nameIsDNSLabel(m.namespace, false)) errs.push(FieldError.invalid(`${path}.namespace`, m.namespace, msg));
  } else if (m.namespace) {
    errs.push(FieldError.forbidden(`${path}.namespace`, 'not allowed on this type'));
  }
  if (typeof m.generation === 'number' && m.generation < 0) errs.push(FieldError.invalid(`${path}.generation`, m.generation, 'must be greater than or equal to 0'));
  errs.push(...validateLabels(m.labels, `${path}.labels`));
  errs.push(...validateAnnotations(m.annotations, `${path}.annotations`));
  errs.push(...validateOwnerReferences(m.ownerReferences, `${path}.ownerReferences`));
  errs.push(...validateFinalizers(m.finalizers, `${path}.finalizers`));
  return errs;
}

function validateOwnerReferences(refs: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!Array.isArray(refs)) return errs;
  let controllers = 0;
  refs.forEach((r: Record<string, unknown>, i) => {
    if (!isObj(r)) return;
    if (!r.apiVersion) errs.push(FieldError.invalid(`${path}[${i}].apiVersion`, r.apiVersion ?? '', 'version must not be empty'));
    if (!r.kind) errs.push(FieldError.invalid(`${path}[${i}].kind`, r.kind ?? '', 'kind must not be empty'));
    if (!r.name) errs.push(FieldError.invalid(`${path}[${i}].name`, r.name ?? '', 'name must not be empty'));
    if (!r.uid) errs.push(FieldError.invalid(`${path}[${i}].uid`, r.uid ?? '', 'uid must not be empty'));
    if (r.controller === true) controllers++;
  });
  if (controllers > 1) errs.push(FieldError.invalid(path, refs, 'Only one reference can have Controller set to true'));
  return errs;
}

const canon = (v: unknown): string => JSON.stringify(v ?? null);

function immutable(newV: unknown, oldV: unknown, path: string): FieldError[] {
  return canon(newV) === canon(oldV) ? [] : [FieldError.invalid(path, newV ?? '', 'field is immutable')];
}

/** ValidateObjectMetaUpdate: identity fields are immutable; labels etc. re-validated. */
export function validateObjectMetaUpdate(meta: ObjectMeta | undefined, old: ObjectMeta | undefined, path = 'metadata'): FieldError[] {
  const n = meta ?? {};
  const o = old ?? {};
  const errs: FieldError[] = [];
  errs.push(...immutable(n.name, o.name, `${path}.name`));
  errs.push(...immutable(n.namespace, o.namespace, `${path}.namespace`));
  errs.push(...immutable(n.uid, o.uid, `${path}.uid`));
  errs.push(...immutable(n.creationTimestamp, o.creationTimestamp, `${path}.creationTimestamp`));
  if (o.deletionTimestamp !== undefined) errs.push(...immutable(n.deletionTimestamp, o.deletionTimestamp, `${path}.deletionTimestamp`));
  if (o.deletionGracePeriodSeconds !== undefined) {
    errs.push(...immutable(n.deletionGracePeriodSeconds, o.deletionGracePeriodSeconds, `${path}.deletionGracePeriodSeconds`));
  }
  if (o.deletionTimestamp && Array.isArray(n.finalizers)) {
    const before = new Set(o.finalizers ?? []);
    if (n.finalizers.some((f) => !before.has(f))) {
      errs.push(FieldError.forbidden(`${path}.finalizers`, 'no new finalizers can be added if the object is being deleted'));
    }
  }
  if (typeof n.generation === 'number' && n.generation < 0) errs.push(FieldError.invalid(`${path}.generation`, n.generation, 'must be greater than or equal to 0'));
  errs.push(...validateLabels(n.labels, `${path}.labels`));
  errs.push(...validateAnnotations(n.annotations, `${path}.annotations`));
  errs.push(...validateOwnerReferences(n.ownerReferences, `${path}.ownerReferences`));
  errs.push(...validateFinalizers(n.finalizers, `${path}.finalizers`));
  return errs;
}

/** metav1 ValidateLabelSelector (structure only; emptiness is checked by callers). */
export function validateLabelSelector(sel: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObj(sel)) return errs;
  const s = sel as LabelSelector;
  errs.push(...validateLabels(s.matchLabels, `${path}.matchLabels`));
  (s.matchExpressions ?? []).forEach((e, i) => {
    const p = `${path}.matchExpressions[${i}]`;
    const values = e?.values ?? [];
    switch (e?.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) errs.push(FieldError.required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) errs.push(FieldError.forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        errs.push(FieldError.invalid(`${p}.operator`, e?.operator ?? '', 'not a valid selector operator'));
    }
    for (const m of isQualifiedName(e?.key ?? '')) errs.push(FieldError.invalid(`${p}.key`, e?.key ?? '', m));
    values.forEach((v, j) => {
      for (const m of isValidLabelValue(v)) errs.push(FieldError.invalid(`${p}.values[${j}]`, v, m));
    });
  });
  return errs;
}

export function validateDNS1123Label(v: string, path: string): FieldError[] {
  return isDNS1123Label(v).map((m) => FieldError.invalid(path, v, m));
}

export function nonNegative(v: unknown, path: string): FieldError[] {
  return typeof v === 'number' && v < 0 ? [FieldError.invalid(path, v, 'must be greater than or equal to 0')] : [];
}
