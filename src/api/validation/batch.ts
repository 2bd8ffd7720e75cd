// batch/v1 Job and CronJob validation.
import { FieldError } from '../errors.js';
import { selectorFromLabelSelector } from '../labels.js';
import type { KubeObject } from '../types.js';
import { cronScheduleError, isKnownTimeZone } from './cron.js';
import { nonNegative, validateLabelSelector, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { nameIsDNSSubdomain } from './names.js';
import { validatePodTemplateSpec } from './pod.js';
import { deepEqual } from './podupdate.js';
import type { LabelSelector, PodTemplateSpec } from './shapes.js';
import { isObj } from './shapes.js';

type Rec = Record<string, unknown>;

/** validateJobSpec: shared by Jobs and CronJob job templates (no selector rules). */
function jobSpec(spec: Rec, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished']) {
    errs.push(...nonNegative(spec[f], `${path}.${f}`));
  }
  const mode = spec.completionMode;
  if (mode !== undefined && mode !== null) {
    if (mode !== 'NonIndexed' && mode !== 'Indexed') errs.push(FieldError.notSupported(`${path}.completionMode`, mode, ['NonIndexed', 'Indexed']));
    if (mode === 'Indexed' && (spec.completions === undefined || spec.completions === null)) {
      errs.push(FieldError.required(`${path}.completions`, 'when completion mode is Indexed'));
    }
  }
  const t = spec.template as PodTemplateSpec | undefined;
  errs.push(...validatePodTemplateSpec(t, `${path}.template`));
  const rp = t?.spec?.restartPolicy ?? '';
  if (rp !== 'OnFailure' && rp !== 'Never') errs.push(FieldError.notSupported(`${path}.template.spec.restartPolicy`, rp, ['OnFailure', 'Never']));
  return errs;
}

export function validateJob(obj: KubeObject): FieldError[] {
  const errs = validateObjectMeta(obj.metadata, true, nameIsDNSSubdomain);
  const spec = (isObj(obj.spec) ? obj.spec : {}) as Rec;
  errs.push(...jobSpec(spec, 'spec'));
  if (!isObj(spec.selector)) {
    errs.push(FieldError.required('spec.selector', ''));
    return errs;
  }
  const before = errs.length;
  errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  if (errs.length > before) return errs;
  const labels = ((spec.template as PodTemplateSpec | undefined)?.metadata?.labels ?? {}) as Record<string, string>;
  const sel = selectorFromLabelSelector(spec.selector as Parameters<typeof selectorFromLabelSelector>[0]);
  if (!sel.isEmpty() && !sel.matches(labels)) {
    errs.push(FieldError.invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
  }
  return errs;
}

export function validateJobUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateObjectMetaUpdate(obj.metadata, old.metadata);
  const ns = (obj.spec ?? {}) as Rec;
  const os = (old.spec ?? {}) as Rec;
  for (const f of ['selector', 'completions', 'completionMode']) {
    if (!deepEqual(ns[f], os[f]) && !(f === 'completions' && ns.completionMode === 'Indexed')) {
      errs.push(FieldError.invalid(`spec.${f}`, ns[f] ?? null, 'field is immutable'));
    }
  }
  // The template may change only while the job is suspended (upstream: scheduling directives).
  if (!deepEqual(ns.template, os.template) && !(os.suspend === true && ns.suspend === true)) {
    errs.push(FieldError.invalid('spec.template', ns.template ?? null, 'field is immutable'));
  }
  return errs;
}

const CONCURRENCY = ['Allow', 'Forbid', 'Replace'];

export function validateCronJob(obj: KubeObject, old?: KubeObject): FieldError[] {
  const errs = old ? validateObjectMetaUpdate(obj.metadata, old.metadata) : validateObjectMeta(obj.metadata, true, nameIsDNSSubdomain);
  const name = obj.metadata?.name ?? '';
  if (name.length > 52) errs.push(FieldError.invalid('metadata.name', name, 'must be no more than 52 characters'));
  const spec = (isObj(obj.spec) ? obj.spec : {}) as Rec;
  const schedule = typeof spec.schedule === 'string' ? spec.schedule : '';
  if (!schedule) errs.push(FieldError.required('spec.schedule', ''));
  else {
    const oldSchedule = (old?.spec as Rec | undefined)?.schedule;
    if (/^(CRON_)?TZ=/.test(schedule) && schedule !== oldSchedule) {
      errs.push(FieldError.invalid('spec.schedule', schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
    } else {
      const msg = cronScheduleError(schedule);
      if (msg) errs.push(FieldError.invalid('spec.schedule', schedule, msg));
    }
  }
  errs.push(...nonNegative(spec.startingDeadlineSeconds, 'spec.startingDeadlineSeconds'));
  const tz = spec.timeZone;
  if (typeof tz === 'string') {
    if (tz === '') errs.push(FieldError.invalid('spec.timeZone', tz, 'timeZone must be nil or non-empty string'));
    else if (tz.split('/').some((p) => p === '.' || p === '..' || p.startsWith('-') || !/^[A-Za-z._+\-0-9]+$/.test(p))) {
      errs.push(FieldError.invalid('spec.timeZone', tz, `unknown time zone ${tz}`));
    } else {
      if (tz.toLowerCase() === 'local') {
        errs.push(FieldError.invalid('spec.timeZone', tz, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'));
      } else if (!isKnownTimeZone(tz)) errs.push(FieldError.invalid('spec.timeZone', tz, `unknown time zone ${tz}`));
    }
  }
  const cp = (spec.concurrencyPolicy as string) ?? '';
  if (cp === '') errs.push(FieldError.required('spec.concurrencyPolicy', ''));
  else if (!CONCURRENCY.includes(cp)) errs.push(FieldError.notSupported('spec.concurrencyPolicy', cp, CONCURRENCY));
  const jt = (isObj(spec.jobTemplate) ? spec.jobTemplate : {}) as Rec;
  const jspec = (isObj(jt.spec) ? jt.spec : {}) as Rec;
  errs.push(...jobSpec(jspec, 'spec.jobTemplate.spec'));
  if (isObj(jspec.selector)) errs.push(FieldError.invalid('spec.jobTemplate.spec.selector', jspec.selector as LabelSelector, '`selector` will be auto-generated'));
  if (jspec.manualSelector === true) errs.push(FieldError.notSupported('spec.jobTemplate.spec.manualSelector', true, ['nil', 'false']));
  errs.push(...nonNegative(spec.successfulJobsHistoryLimit, 'spec.successfulJobsHistoryLimit'));
  errs.push(...nonNegative(spec.failedJobsHistoryLimit, 'spec.failedJobsHistoryLimit'));
  return errs;
}
