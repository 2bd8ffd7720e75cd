// The CronJob controller (upstream ControllerV2): on each sync it reconciles status.active with
// the Jobs it owns, trims finished Jobs to the history limits, and creates the Job for the most
// recent unmet scheduled time, named <cronjob>-<minutes since epoch> so that a retry can never
// create it twice. Time comes from ctx.clock, so tests drive it with a fake clock.
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import type { Informer } from '../../client/informer.js';
import { Controller, type ControllerContext } from '../runtime/controller.js';
import type { NamespaceIndex } from '../runtime/informers.js';
import { controllerRef, nsName, stableJson } from '../runtime/objects.js';
import { done, requeueAfter, type Result, isNamespaceTerminating } from '../runtime/result.js';
import { isKnownTimeZone } from '../../api/validation/cron.js';
import { parseCronSchedule, type Schedule } from './schedule.js';
import { cleanupFinishedJobs, deleteJob, finishedType, jobFromTemplate, jobName, type ActiveRef } from './jobs.js';
import { mostRecentScheduleTime, nextScheduleDelay, rfc1123zUTC } from './times.js';

export const CRONJOBS_PATH = '/apis/batch/v1/cronjobs';
export const JOBS_PATH = '/apis/batch/v1/jobs';

const cronJobPath = (ns: string, name: string) => `/apis/batch/v1/namespaces/${ns}/cronjobs/${name}`;

/** The schedule as upstream's formatSchedule spells it: spec.timeZone becomes a TZ= prefix. */
function formatSchedule(cj: KubeObject): string {
  const schedule = String(cj.spec?.schedule ?? '');
  const tz = cj.spec?.timeZone;
  if (schedule.includes('TZ') || typeof tz !== 'string' || !isKnownTimeZone(tz)) return schedule;
  return `TZ=${tz} ${schedule}`;
}

export class CronJobController extends Controller {
  private readonly cronJobs: Informer<KubeObject>;
  private readonly jobs: NamespaceIndex<KubeObject>;
  private readonly jobInformer: Informer<KubeObject>;

  constructor(ctx: ControllerContext, workers = 5) {
    super('cronjob-controller', ctx, workers);
    this.cronJobs = ctx.informers.informer(CRONJOBS_PATH);
    this.jobInformer = ctx.informers.informer(JOBS_PATH);
    this.jobs = ctx.informers.byNamespace(JOBS_PATH);
    this.cronJobs.addHandlers({
      add: (cj) => this.enqueue(cj),
      update: (old, cj) => this.cronJobUpdated(old, cj),
      delete: (cj) => this.enqueue(cj),
    });
    this.jobInformer.addHandlers({
      add: (j) => this.enqueueOwner(j),
      update: (old, j) => {
        const oldRef = controllerRef(old);
        if (oldRef && oldRef.uid !== controllerRef(j)?.uid) this.enqueueOwner(old);
        this.enqueueOwner(j);
      },
      delete: (j) => this.enqueueOwner(j),
    });
  }

  private enqueueOwner(job: KubeObject): void {
    const ref = controllerRef(job);
    if (!ref || ref.kind !== 'CronJob') return;
    const cj = this.cronJobs.get(`${job.metadata.namespace}/${ref.name}`);
    if (cj && cj.metadata.uid === ref.uid) this.enqueue(cj);
  }

  /** A new schedule or time zone: look again when it is next due, not now (upstream updateCronJob). */
  private cronJobUpdated(old: KubeObject, cj: KubeObject): void {
    if (old.spec?.schedule === cj.spec?.schedule && old.spec?.timeZone === cj.spec?.timeZone) return this.enqueue(cj);
    let sched: Schedule;
    try {
      sched = parseCronSchedule(formatSchedule(cj));
    } catch {
      void this.recorder.event(cj, 'Warning', 'UnParseableCronJobSchedule', `unparseable schedule for cronjob: ${cj.spec?.schedule}`);
      return;
    }
    this.enqueueAfter(cj, Math.max(0, nextScheduleDelay(cj, this.clock.now(), sched)));
  }

  /** The Jobs whose controller reference names this CronJob (whatever their labels). */
  private jobsOf(cj: KubeObject): KubeObject[] {
    return this.jobs.list(cj.metadata.namespace ?? '').filter((j) => {
      const ref = controllerRef(j);
      return ref?.kind === 'CronJob' && ref.name === cj.metadata.name;
    });
  }

  async reconcile(key: string): Promise<Result> {
    const cached = this.cronJobs.get(key);
    if (!cached) return done;
    const cj = structuredClone(cached);
    const before = stableJson(cj.status ?? {});
    const jobs = this.jobsOf(cj);
    await cleanupFinishedJobs(cj, jobs, this.deps());
    let outcome: Result | Error;
    try {
      outcome = await this.syncCronJob(cj, jobs);
    } catch (err) {
      outcome = err instanceof Error ? err : new Error(String(err));
    }
    if (stableJson(cj.status ?? {}) !== before) {
      const { namespace, name } = nsName(key);
      await this.client.json('PUT', `${cronJobPath(namespace, name)}/status`, cj);
    }
    if (outcome instanceof Error) throw outcome;
    return outcome;
  }

  private deps() {
    return { client: this.client, recorder: this.recorder };
  }

  private active(cj: KubeObject): ActiveRef[] {
    return (cj.status?.active ?? []) as ActiveRef[];
  }

  private setActive(cj: KubeObject, refs: ActiveRef[]): void {
    cj.status ??= {};
    if (refs.length) cj.status.active = refs;
    else delete cj.status.active;
  }

  /** Everything but the status write; mutates cj.status. */
  private async syncCronJob(cj: KubeObject, jobs: KubeObject[]): Promise<Result> {
    const now = this.clock.now();
    const ns = cj.metadata.namespace!;
    const children = new Set<string>();
    for (const j of jobs) {
      children.add(j.metadata.uid!);
      const found = this.active(cj).some((r) => r.uid === j.metadata.uid);
      const finished = finishedType(j);
      if (!found && !finished) {
        const fresh = await this.client.json<KubeObject>('GET', cronJobPath(ns, cj.metadata.name!));
        if (((fresh.status?.active ?? []) as ActiveRef[]).some((r) => r.uid === j.metadata.uid)) {
          // our cache was behind: carry on with the fresh object (and its resourceVersion)
          Object.assign(cj, { metadata: fresh.metadata, spec: fresh.spec, status: fresh.status });
          continue;
        }
        void this.recorder.event(cj, 'Warning', 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${j.metadata.name}`);
      } else if (finished) {
        if (found) {
          this.setActive(cj, this.active(cj).filter((r) => r.uid !== j.metadata.uid));
          void this.recorder.event(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${j.metadata.name}, condition: ${finished}`);
        }
        const completion = j.status?.completionTime as string | undefined;
        if (finished === 'Complete' && completion) {
          const last = cj.status?.lastSuccessfulTime as string | undefined;
          if (!last || Date.parse(completion) > Date.parse(last)) (cj.status ??= {}).lastSuccessfulTime = completion;
        }
      }
    }
    // an active Job that no longer exists (checked against the API, not a slow cache)
    for (const ref of this.active(cj)) {
      if (children.has(ref.uid)) continue;
      try {
        await this.client.json('GET', `/apis/batch/v1/namespaces/${ref.namespace}/jobs/${ref.name}`);
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) throw err;
        void this.recorder.event(cj, 'Normal', 'MissingJob', `Active job went missing: ${ref.name}`);
        this.setActive(cj, this.active(cj).filter((r) => r.uid !== ref.uid));
      }
    }
    if (cj.metadata.deletionTimestamp) return done;
    const tz = cj.spec?.timeZone;
    if (typeof tz === 'string' && !isKnownTimeZone(tz)) {
      void this.recorder.event(cj, 'Warning', 'UnknownTimeZone', `invalid timeZone: ${JSON.stringify(tz)}: unknown time zone ${tz}`);
      return done;
    }
    if (cj.spec?.suspend === true) return done;
    const schedule = String(cj.spec?.schedule ?? '');
    if (schedule.includes('TZ')) {
      void this.recorder.event(
        cj,
        'Warning',
        'UnsupportedSchedule',
        `CRON_TZ or TZ used in schedule ${JSON.stringify(schedule)} is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details`,
      );
    }
    let sched: Schedule;
    try {
      sched = parseCronSchedule(formatSchedule(cj));
    } catch (err) {
      void this.recorder.event(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: ${JSON.stringify(schedule)} : ${(err as Error).message}`);
      return done;
    }
    const next = () => requeueAfter(Math.max(0, nextScheduleDelay(cj, now, sched)));
    const recent = mostRecentScheduleTime(cj, now, sched, true);
    if (recent.missed === 'many' && recent.mostRecent !== undefined) {
      void this.recorder.event(cj, 'Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
    }
    if (recent.mostRecent === undefined) {
      if (recent.error) {
        void this.recorder.event(cj, 'Warning', 'InvalidSchedule', `invalid schedule: ${schedule} : ${recent.error}`);
        return done;
      }
      return next();
    }
    const scheduled = recent.mostRecent;
    const deadline = cj.spec?.startingDeadlineSeconds;
    if (typeof deadline === 'number' && scheduled + deadline * 1000 < now) {
      void this.recorder.event(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${rfc1123zUTC(scheduled)}`);
      return next();
    }
    const name = jobName(cj, scheduled);
    const last = cj.status?.lastScheduleTime as string | undefined;
    if (this.active(cj).some((r) => r.name === name && r.namespace === ns) || (last && Date.parse(last) === scheduled)) return next();
    const policy = cj.spec?.concurrencyPolicy ?? 'Allow';
    if (policy === 'Forbid' && this.active(cj).length > 0) {
      void this.recorder.event(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      return next();
    }
    if (policy === 'Replace') {
      for (const ref of this.active(cj)) {
        let job: KubeObject;
        try {
          job = await this.client.json<KubeObject>('GET', `/apis/batch/v1/namespaces/${ref.namespace}/jobs/${ref.name}`);
        } catch (err) {
          void this.recorder.event(cj, 'Warning', 'FailedGet', `Get job: ${(err as Error).message}`);
          throw err;
        }
        if (!(await deleteJob(cj, job, this.deps()))) throw new Error(`could not replace job ${ref.namespace}/${ref.name}`);
        this.setActive(cj, this.active(cj).filter((r) => r.uid !== job.metadata.uid));
      }
    }
    const req = jobFromTemplate(cj, scheduled);
    let created: KubeObject;
    try {
      created = await this.client.json<KubeObject>('POST', `/apis/batch/v1/namespaces/${ns}/jobs`, req);
      void this.recorder.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata.name}`);
    } catch (err) {
      if (isNamespaceTerminating(err)) throw err;
      if (!(err instanceof ApiError && err.code === 409)) {
        void this.recorder.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${(err as Error).message}`);
        throw err;
      }
      // created before by us (status update lost) or by someone else
      created = await this.client.json<KubeObject>('GET', `/apis/batch/v1/namespaces/${ns}/jobs/${name}`);
      if (controllerRef(created)?.uid !== cj.metadata.uid) return done;
      if (this.active(cj).some((r) => r.uid === created.metadata.uid)) return done;
    }
    this.setActive(cj, [
      ...this.active(cj),
      { kind: 'Job', namespace: ns, name: created.metadata.name!, uid: created.metadata.uid!, apiVersion: 'batch/v1', resourceVersion: created.metadata.resourceVersion! },
    ]);
    (cj.status ??= {}).lastScheduleTime = new Date(scheduled).toISOString().replace(/\.\d{3}Z$/, 'Z');
    return next();
  }
}
