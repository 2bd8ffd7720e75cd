// The Job controller (upstream pkg/controller/job): informer handlers turn Job and pod events
// into keys (pod events batched to one sync per second), reconcile claims the Job's pods and
// runs syncJob. Pods that lost their Job but still hold the tracking finalizer are queued as
// "orphan-pod:<ns>/<name>" and have the finalizer removed, so they can go.
import { ApiError } from '../../api/errors.js';
import { selectorFromLabelSelector } from '../../api/labels.js';
import type { KubeObject } from '../../api/types.js';
import { objectKey, type Informer } from '../../client/informer.js';
import { claimObjects, ownerStillValid } from '../runtime/claim.js';
import { Controller, type ControllerContext } from '../runtime/controller.js';
import { Expectations } from '../runtime/expectations.js';
import type { NamespaceIndex } from '../runtime/informers.js';
import { controllerRef, nsName } from '../runtime/objects.js';
import { done, requeueAfter, type Result } from '../runtime/result.js';
import { BackoffStore } from './backoff.js';
import { SYNC_BATCH_MS, removeTrackingFinalizer } from './manage.js';
import { hasTrackingFinalizer } from './pods.js';
import { FinalizerExpectations, isFinished, type SyncDeps } from './state.js';
import { newState, syncJob } from './sync.js';

export const JOBS_PATH = '/apis/batch/v1/jobs';
const PODS_PATH = '/api/v1/pods';
const ORPHAN = 'orphan-pod:';
/** spec.managedBy of Jobs this controller manages (or none). */
const JOB_CONTROLLER_NAME = 'kubernetes.io/job-controller';

const jobPath = (ns: string, name: string) => `/apis/batch/v1/namespaces/${ns}/jobs/${name}`;

export class JobController extends Controller {
  private readonly jobs: Informer<KubeObject>;
  private readonly jobsByNs: NamespaceIndex<KubeObject>;
  private readonly pods: Informer<KubeObject>;
  private readonly podsByNs: NamespaceIndex<KubeObject>;
  private readonly deps: SyncDeps;

  constructor(ctx: ControllerContext, workers = 5) {
    super('job-controller', ctx, workers);
    this.jobs = ctx.informers.informer(JOBS_PATH);
    this.jobsByNs = ctx.informers.byNamespace(JOBS_PATH);
    this.pods = ctx.informers.informer(PODS_PATH);
    this.podsByNs = ctx.informers.byNamespace(PODS_PATH);
    this.deps = {
      client: this.client,
      recorder: this.recorder,
      clock: this.clock,
      expectations: new Expectations(ctx.clock),
      finalizers: new FinalizerExpectations(),
      backoff: new BackoffStore(),
    };
    this.jobs.addHandlers({
      add: (j) => this.enqueue(j),
      update: (old, j) => this.jobUpdated(old, j),
      delete: (j) => {
        this.enqueue(j);
        this.cleanupPodFinalizers(j);
      },
    });
    this.pods.addHandlers({
      add: (p) => this.podAdded(p),
      update: (old, p) => this.podUpdated(old, p),
      delete: (p) => this.podDeleted(p, true),
    });
  }

  private jobUpdated(old: KubeObject, job: KubeObject): void {
    if (old.metadata.generation === job.metadata.generation) this.enqueueAfter(job, SYNC_BATCH_MS);
    else this.enqueue(job);
    // backup: a finished Job leaves no finalizer behind
    if (isFinished(job)) this.cleanupPodFinalizers(job);
    const ads = job.spec?.activeDeadlineSeconds;
    const start = job.status?.startTime as string | undefined;
    if (typeof ads === 'number' && start && ads !== old.spec?.activeDeadlineSeconds) {
      this.enqueueAfter(job, Date.parse(start) + ads * 1000 - this.clock.now());
    }
  }

  private cleanupPodFinalizers(job: KubeObject): void {
    for (const p of this.podsByNs.list(job.metadata.namespace ?? '')) {
      if (controllerRef(p)?.uid === job.metadata.uid && hasTrackingFinalizer(p)) this.queue.add(ORPHAN + objectKey(p));
    }
  }

  /** The Job named by the pod's controller reference, when it exists with that uid. */
  private jobOf(pod: KubeObject): KubeObject | undefined {
    const ref = controllerRef(pod);
    if (!ref || ref.kind !== 'Job') return undefined;
    const job = this.jobs.get(`${pod.metadata.namespace}/${ref.name}`);
    return job && job.metadata.uid === ref.uid ? job : undefined;
  }

  /** Jobs whose selector matches an orphan pod (they may adopt it). */
  private matchingJobs(pod: KubeObject): KubeObject[] {
    return this.jobsByNs.list(pod.metadata.namespace ?? '').filter((j) => {
      try {
        const sel = selectorFromLabelSelector(j.spec?.selector);
        return !sel.isEmpty() && sel.matches(pod.metadata.labels);
      } catch {
        return false;
      }
    });
  }

  private podAdded(pod: KubeObject): void {
    if (pod.metadata.deletionTimestamp) return this.podDeleted(pod, false);
    if (controllerRef(pod)) {
      const job = this.jobOf(pod);
      if (!job) {
        if (hasTrackingFinalizer(pod)) this.queue.add(ORPHAN + objectKey(pod));
        return;
      }
      this.deps.expectations.creationObserved(objectKey(job));
      this.enqueueAfter(job, SYNC_BATCH_MS);
      return;
    }
    if (hasTrackingFinalizer(pod)) this.queue.add(ORPHAN + objectKey(pod));
    for (const j of this.matchingJobs(pod)) this.enqueueAfter(j, SYNC_BATCH_MS);
  }

  private podUpdated(old: KubeObject, pod: KubeObject): void {
    if (pod.metadata.deletionTimestamp) return this.podDeleted(pod, false);
    const removed = !hasTrackingFinalizer(pod);
    const oldRef = controllerRef(old);
    const curRef = controllerRef(pod);
    if (oldRef && oldRef.uid !== curRef?.uid) {
      const prev = this.jobOf(old);
      if (prev) {
        if (removed) this.deps.finalizers.observed(objectKey(prev), pod.metadata.uid!);
        this.enqueueAfter(prev, SYNC_BATCH_MS);
      }
    }
    if (curRef) {
      const job = this.jobOf(pod);
      if (!job) {
        if (hasTrackingFinalizer(pod)) this.queue.add(ORPHAN + objectKey(pod));
        return;
      }
      if (removed) this.deps.finalizers.observed(objectKey(job), pod.metadata.uid!);
      this.enqueueAfter(job, SYNC_BATCH_MS);
      return;
    }
    if (hasTrackingFinalizer(pod)) this.queue.add(ORPHAN + objectKey(pod));
    if (JSON.stringify(old.metadata.labels) !== JSON.stringify(pod.metadata.labels) || oldRef) {
      for (const j of this.matchingJobs(pod)) this.enqueueAfter(j, SYNC_BATCH_MS);
    }
  }

  /** final: the pod is gone; otherwise it was marked for deletion. */
  private podDeleted(pod: KubeObject, final: boolean): void {
    const job = this.jobOf(pod);
    if (!job || isFinished(job)) {
      if (!final && hasTrackingFinalizer(pod)) this.queue.add(ORPHAN + objectKey(pod));
      return;
    }
    const key = objectKey(job);
    this.deps.expectations.deletionObserved(key, objectKey(pod));
    if (final || !hasTrackingFinalizer(pod)) this.deps.finalizers.observed(key, pod.metadata.uid!);
    this.enqueueAfter(job, SYNC_BATCH_MS);
  }

  async reconcile(key: string): Promise<Result> {
    if (key.startsWith(ORPHAN)) return this.syncOrphanPod(key.slice(ORPHAN.length));
    const cached = this.jobs.get(key);
    if (!cached) {
      this.deps.expectations.delete(key);
      this.deps.finalizers.delete(key);
      this.deps.backoff.delete(key);
      return done;
    }
    if (isFinished(cached)) {
      this.deps.backoff.delete(key);
      return done;
    }
    // a Job handed to another controller (spec.managedBy) is left alone
    const managedBy = cached.spec?.managedBy;
    if (typeof managedBy === 'string' && managedBy !== JOB_CONTROLLER_NAME) return done;
    const mode = cached.spec?.completionMode;
    if (mode !== undefined && mode !== 'NonIndexed' && mode !== 'Indexed') {
      void this.recorder.event(cached, 'Warning', 'UnknownCompletionMode', 'Skipped Job sync because completion mode is unknown');
      return done;
    }
    const job = structuredClone(cached);
    const { namespace, name } = nsName(key);
    const satisfied = this.deps.expectations.satisfied(key);
    const pods = await claimObjects(this.podsByNs.list(namespace), {
      owner: job,
      selector: selectorFromLabelSelector(job.spec?.selector),
      client: this.client,
      pathOf: (p) => `/api/v1/namespaces/${namespace}/pods/${p.metadata.name}`,
      canAdopt: ownerStillValid(this.client, jobPath(namespace, name), job),
    });
    const state = newState(key, job, pods, this.deps);
    const manageError = await syncJob(this.deps, state, satisfied);
    if (manageError) throw manageError;
    return state.requeueMs === undefined ? done : requeueAfter(state.requeueMs);
  }

  /** Remove the tracking finalizer of a pod whose Job is gone or finished. */
  private async syncOrphanPod(podKey: string): Promise<Result> {
    const pod = this.pods.get(podKey);
    if (!pod) return done;
    const ref = controllerRef(pod);
    if (ref) {
      if (ref.kind !== 'Job' || ref.apiVersion !== 'batch/v1') return done;
      const job = this.jobOf(pod);
      const managedBy = job?.spec?.managedBy;
      if (typeof managedBy === 'string' && managedBy !== JOB_CONTROLLER_NAME) return done;
      if (job && !isFinished(job)) return done; // adopted meanwhile
    }
    try {
      await removeTrackingFinalizer(this.deps, pod);
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err;
    }
    return done;
  }
}
