// apps/v1, batch/v1 and ReplicationController defaults (SetDefaults_Deployment etc.).
import type { KubeObject } from '../types.js';
import { isObj } from '../validation/shapes.js';
import type { PodTemplateSpec } from '../validation/shapes.js';
import { defaultPodTemplate, defaultTemplateMeta } from './pod.js';
import { defaultPVC } from './core.js';

type Rec = Record<string, unknown>;
const unset = (v: unknown): boolean => v === undefined || v === null;

function specOf(obj: KubeObject): Rec {
  if (!isObj(obj.spec)) obj.spec = {};
  return obj.spec as Rec;
}
function statusOf(obj: KubeObject): void {
  if (!isObj(obj.status)) obj.status = {};
}
function sub(o: Rec, k: string): Rec {
  if (!isObj(o[k])) o[k] = {};
  return o[k] as Rec;
}

export function defaultDeployment(obj: KubeObject): void {
  const spec = specOf(obj);
  if (unset(spec.replicas)) spec.replicas = 1;
  const strategy = sub(spec, 'strategy');
  if (!strategy.type) strategy.type = 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const ru = sub(strategy, 'rollingUpdate');
    if (unset(ru.maxUnavailable)) ru.maxUnavailable = '25%';
    if (unset(ru.maxSurge)) ru.maxSurge = '25%';
  }
  if (unset(spec.revisionHistoryLimit)) spec.revisionHistoryLimit = 10;
  if (unset(spec.progressDeadlineSeconds)) spec.progressDeadlineSeconds = 600;
  defaultPodTemplate(spec.template as PodTemplateSpec);
  statusOf(obj);
}

export function defaultReplicaSet(obj: KubeObject): void {
  const spec = specOf(obj);
  if (unset(spec.replicas)) spec.replicas = 1;
  defaultPodTemplate(spec.template as PodTemplateSpec);
  statusOf(obj);
}

export function defaultReplicationController(obj: KubeObject): void {
  const spec = specOf(obj);
  const tmpl = spec.template as PodTemplateSpec | undefined;
  const labels = isObj(tmpl) && isObj(tmpl.metadata) ? tmpl.metadata.labels : undefined;
  if (isObj(labels)) {
    if (!isObj(spec.selector) || Object.keys(spec.selector).length === 0) spec.selector = { ...labels };
    if (!obj.metadata.labels || Object.keys(obj.metadata.labels).length === 0) obj.metadata.labels = { ...(labels as Record<string, string>) };
  }
  if (unset(spec.replicas)) spec.replicas = 1;
  defaultPodTemplate(tmpl);
  statusOf(obj);
}

export function defaultDaemonSet(obj: KubeObject): void {
  const spec = specOf(obj);
  const us = sub(spec, 'updateStrategy');
  if (!us.type) us.type = 'RollingUpdate';
  if (us.type === 'RollingUpdate') {
    const ru = sub(us, 'rollingUpdate');
    if (unset(ru.maxUnavailable)) ru.maxUnavailable = 1;
    if (unset(ru.maxSurge)) ru.maxSurge = 0;
  }
  if (unset(spec.revisionHistoryLimit)) spec.revisionHistoryLimit = 10;
  defaultPodTemplate(spec.template as PodTemplateSpec);
  statusOf(obj);
}

export function defaultStatefulSet(obj: KubeObject): void {
  const spec = specOf(obj);
  if (!spec.podManagementPolicy) spec.podManagementPolicy = 'OrderedReady';
  const us = sub(spec, 'updateStrategy');
  if (!us.type) {
    us.type = 'RollingUpdate';
    if (!isObj(us.rollingUpdate)) us.rollingUpdate = {};
  }
  if (us.type === 'RollingUpdate' && isObj(us.rollingUpdate) && unset(us.rollingUpdate.partition)) us.rollingUpdate.partition = 0;
  const pol = sub(spec, 'persistentVolumeClaimRetentionPolicy');
  if (!pol.whenDeleted) pol.whenDeleted = 'Retain';
  if (!pol.whenScaled) pol.whenScaled = 'Retain';
  if (unset(spec.replicas)) spec.replicas = 1;
  if (unset(spec.revisionHistoryLimit)) spec.revisionHistoryLimit = 10;
  defaultPodTemplate(spec.template as PodTemplateSpec);
  if (Array.isArray(spec.volumeClaimTemplates)) {
    for (const pvc of spec.volumeClaimTemplates as Rec[]) {
      if (!isObj(pvc)) continue;
      defaultTemplateMeta(pvc as { metadata?: Rec });
      defaultPVC(pvc as KubeObject);
    }
  }
  statusOf(obj);
}

export function defaultJob(obj: KubeObject): void {
  const spec = specOf(obj);
  if (unset(spec.completions) && unset(spec.parallelism)) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  if (unset(spec.parallelism)) spec.parallelism = 1;
  if (unset(spec.backoffLimit)) spec.backoffLimit = unset(spec.backoffLimitPerIndex) ? 6 : 2147483647;
  const tmpl = spec.template as PodTemplateSpec | undefined;
  const labels = isObj(tmpl) && isObj(tmpl.metadata) ? tmpl.metadata.labels : undefined;
  if (isObj(labels) && (!obj.metadata.labels || Object.keys(obj.metadata.labels).length === 0)) {
    obj.metadata.labels = { ...(labels as Record<string, string>) };
  }
  if (!spec.completionMode) spec.completionMode = 'NonIndexed';
  if (unset(spec.suspend)) spec.suspend = false;
  if (unset(spec.podReplacementPolicy)) spec.podReplacementPolicy = isObj(spec.podFailurePolicy) ? 'Failed' : 'TerminatingOrFailed';
  if (isObj(spec.podFailurePolicy) && Array.isArray(spec.podFailurePolicy.rules)) {
    for (const rule of spec.podFailurePolicy.rules as Rec[]) {
      for (const c of (isObj(rule) && Array.isArray(rule.onPodConditions) ? rule.onPodConditions : []) as Rec[]) {
        if (isObj(c) && !c.status) c.status = 'True';
      }
    }
  }
  defaultPodTemplate(tmpl);
  statusOf(obj);
}

export function defaultCronJob(obj: KubeObject): void {
  const spec = specOf(obj);
  if (!spec.concurrencyPolicy) spec.concurrencyPolicy = 'Allow';
  if (unset(spec.suspend)) spec.suspend = false;
  if (unset(spec.successfulJobsHistoryLimit)) spec.successfulJobsHistoryLimit = 3;
  if (unset(spec.failedJobsHistoryLimit)) spec.failedJobsHistoryLimit = 1;
  const jt = sub(spec, 'jobTemplate');
  defaultTemplateMeta(jt as { metadata?: Rec });
  // SetDefaults_Job does not run on a job template; only the pod template inside is defaulted.
  const jspec = sub(jt, 'spec');
  defaultPodTemplate(jspec.template as PodTemplateSpec);
  statusOf(obj);
}
