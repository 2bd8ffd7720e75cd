// The Jobs of a CronJob: how one is made from the template, how finished ones are trimmed to
// the history limits (oldest start first), and how one is deleted (background propagation,
// so the garbage collector takes its pods).
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import type { EventRecorder } from '../../client/events.js';
import type { RestClient } from '../../client/rest.js';
import { newControllerRef } from '../runtime/objects.js';
import { rfc3339In } from './times.js';

export const SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

/** An entry of status.active (an ObjectReference). */
export interface ActiveRef {
  kind: string;
  namespace: string;
  name: string;
  uid: string;
  apiVersion: string;
  resourceVersion: string;
}

export interface JobDeps {
  client: RestClient;
  recorder: EventRecorder;
}

/** "Complete" or "Failed" when the Job has finished (a True condition of either type). */
export function finishedType(j: KubeObject): 'Complete' | 'Failed' | undefined {
  for (const c of (j.status?.conditions ?? []) as { type?: string; status?: string }[]) {
    if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') return c.type;
  }
  return undefined;
}

/** Job names carry the scheduled time in minutes since the epoch: one name per scheduled run. */
export function jobName(cj: KubeObject, scheduledMs: number): string {
  return `${cj.metadata.name}-${Math.floor(scheduledMs / 60_000)}`;
}

/** The Job for the run scheduled at scheduledMs (upstream getJobFromTemplate2). */
export function jobFromTemplate(cj: KubeObject, scheduledMs: number): KubeObject {
  const tmpl = (cj.spec?.jobTemplate ?? {}) as { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: unknown };
  const tz = typeof cj.spec?.timeZone === 'string' ? cj.spec.timeZone : '';
  const annotations = { ...(tmpl.metadata?.annotations ?? {}), [SCHEDULED_TIMESTAMP_ANNOTATION]: rfc3339In(scheduledMs, tz === 'UTC' ? '' : tz) };
  const metadata: KubeObject['metadata'] = {
    name: jobName(cj, scheduledMs),
    namespace: cj.metadata.namespace,
    annotations,
    ownerReferences: [newControllerRef(cj)],
  };
  if (tmpl.metadata?.labels) metadata.labels = { ...tmpl.metadata.labels };
  return { apiVersion: 'batch/v1', kind: 'Job', metadata, spec: structuredClone(tmpl.spec ?? {}) };
}

/** Delete a Job and its pods; false (after a FailedDelete event) when the API refused. */
export async function deleteJob(cj: KubeObject, job: KubeObject, d: JobDeps): Promise<boolean> {
  try {
    await d.client.json('DELETE', `/apis/batch/v1/namespaces/${job.metadata.namespace}/jobs/${job.metadata.name}`, {
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      propagationPolicy: 'Background',
    });
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 404)) {
      void d.recorder.event(cj, 'Warning', 'FailedDelete', `Deleted job: ${(err as Error).message}`);
      return false;
    }
  }
  const active = ((cj.status?.active ?? []) as ActiveRef[]).filter((r) => r.uid !== job.metadata.uid);
  if (cj.status) {
    if (active.length) cj.status.active = active;
    else delete cj.status.active;
  }
  void d.recorder.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata.name}`);
  return true;
}

/** Jobs sorted by start time, those never started last, names breaking ties (upstream byJobStartTime). */
function byStartTime(a: KubeObject, b: KubeObject): number {
  const as = a.status?.startTime as string | undefined;
  const bs = b.status?.startTime as string | undefined;
  if (!as && bs) return 1;
  if (as && !bs) return -1;
  const d = (as ? Date.parse(as) : 0) - (bs ? Date.parse(bs) : 0);
  if (d !== 0) return d;
  return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : (a.metadata.name ?? '') > (b.metadata.name ?? '') ? 1 : 0;
}

/** Delete the oldest finished Jobs beyond successfulJobsHistoryLimit / failedJobsHistoryLimit. */
export async function cleanupFinishedJobs(cj: KubeObject, jobs: KubeObject[], d: JobDeps): Promise<void> {
  const limits = { Complete: cj.spec?.successfulJobsHistoryLimit, Failed: cj.spec?.failedJobsHistoryLimit };
  for (const type of ['Complete', 'Failed'] as const) {
    const limit = limits[type];
    if (typeof limit !== 'number') continue;
    const finished = jobs.filter((j) => finishedType(j) === type && !j.metadata.deletionTimestamp).sort(byStartTime);
    for (const j of finished.slice(0, Math.max(0, finished.length - limit))) await deleteJob(cj, j, d);
  }
}
