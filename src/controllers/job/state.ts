// The working state of one Job sync, and the small status helpers the sync steps share:
// conditions as the Job controller writes them and the status shape it sends.
import type { KubeObject } from '../../api/types.js';
import type { EventRecorder } from '../../client/events.js';
import type { RestClient } from '../../client/rest.js';
import type { Clock } from '../../util/clock.js';
import type { Expectations } from '../runtime/expectations.js';
import type { BackoffRecord, BackoffStore } from './backoff.js';
import type { Interval } from './indexes.js';

export interface JobCondition {
  type: string;
  status: 'True' | 'False';
  lastProbeTime: string;
  lastTransitionTime: string;
  reason?: string;
  message?: string;
}

export interface Uncounted {
  succeeded?: string[];
  failed?: string[];
}

export interface SyncState {
  key: string;
  /** our copy of the Job; its status is what the sync writes */
  job: KubeObject;
  /** every pod the Job owns, terminal ones included */
  pods: KubeObject[];
  activePods: KubeObject[];
  active: number;
  succeeded: number;
  failed: number;
  ready: number;
  terminating: number;
  uncountedSucceeded: Set<string>;
  uncountedFailed: Set<string>;
  /** pods whose tracking finalizer we removed and have not yet seen without it */
  expectedRmFinalizers: Set<string>;
  prevSucceededIndexes: Interval[];
  succeededIndexes: Interval[];
  /** backoffLimitPerIndex only: the failed indexes, and per index the failed pod awaiting its replacement */
  failedIndexes?: Interval[];
  delayedDeletion: Map<number, KubeObject>;
  finishedCondition?: JobCondition;
  newBackoff: BackoffRecord;
  /** the earliest time (ms from now) this Job wants another sync */
  requeueMs?: number;
}

export interface SyncDeps {
  client: RestClient;
  recorder: EventRecorder;
  clock: Clock;
  expectations: Expectations;
  /** pod uids whose finalizer removal is in flight, per Job key */
  finalizers: FinalizerExpectations;
  backoff: BackoffStore;
}

export function requeueIn(s: SyncState, ms: number): void {
  s.requeueMs = s.requeueMs === undefined ? ms : Math.min(s.requeueMs, ms);
}

export function newCondition(type: string, status: 'True' | 'False', reason: string, message: string, now: string): JobCondition {
  const c: JobCondition = { type, status, lastProbeTime: now, lastTransitionTime: now };
  if (reason) c.reason = reason;
  if (message) c.message = message;
  return c;
}

export function conditionsOf(job: KubeObject): JobCondition[] {
  return (job.status?.conditions ?? []) as JobCondition[];
}

export function findCondition(job: KubeObject, type: string): JobCondition | undefined {
  return conditionsOf(job).find((c) => c.type === type);
}

/** Set a condition of the type (appending only a True one); true when something changed. */
export function ensureCondition(job: KubeObject, type: string, status: 'True' | 'False', reason: string, message: string, now: string): boolean {
  const list = conditionsOf(job);
  const i = list.findIndex((c) => c.type === type);
  if (i >= 0) {
    const c = list[i]!;
    if (c.status === status && (c.reason ?? '') === reason && (c.message ?? '') === message) return false;
    list[i] = newCondition(type, status, reason, message, now);
    job.status!.conditions = list;
    return true;
  }
  if (status === 'False') return false;
  job.status!.conditions = [...list, newCondition(type, status, reason, message, now)];
  return true;
}

export function isFinished(job: KubeObject): boolean {
  return conditionsOf(job).some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

/** The status as the API serializes it: zero counters and empty UID lists are omitted. */
export function wireStatus(status: Record<string, unknown>): Record<string, unknown> {
  const s = { ...status };
  for (const f of ['active', 'succeeded', 'failed']) if (!s[f]) delete s[f];
  if (!s.completedIndexes) delete s.completedIndexes;
  const u = (s.uncountedTerminatedPods ?? {}) as Uncounted;
  const uncounted: Uncounted = {};
  if (u.succeeded?.length) uncounted.succeeded = u.succeeded;
  if (u.failed?.length) uncounted.failed = u.failed;
  s.uncountedTerminatedPods = uncounted;
  return s;
}

/** Tracks the pods whose finalizer removal the controller asked for (upstream uidTrackingExpectations). */
export class FinalizerExpectations {
  private readonly byJob = new Map<string, Set<string>>();

  expected(jobKey: string): Set<string> {
    return new Set(this.byJob.get(jobKey) ?? []);
  }

  expect(jobKey: string, uids: string[]): void {
    let s = this.byJob.get(jobKey);
    if (!s) this.byJob.set(jobKey, (s = new Set()));
    for (const u of uids) s.add(u);
  }

  observed(jobKey: string, uid: string): void {
    const s = this.byJob.get(jobKey);
    if (!s) return;
    s.delete(uid);
    if (s.size === 0) this.byJob.delete(jobKey);
  }

  delete(jobKey: string): void {
    this.byJob.delete(jobKey);
  }
}
