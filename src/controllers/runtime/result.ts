// The result contract of a reconcile, and the one place that turns it into queue actions
// (controller-runtime's reconcileHandler): done forgets the key's back-off, requeueAfter
// schedules a later look, a thrown error retries with per-key exponential back-off.
import { ApiError } from '../../api/errors.js';
import type { WorkQueue } from '../../client/workqueue.js';
import type { Logger } from '../../util/logger.js';

export type Result = { readonly type: 'done' } | { readonly type: 'requeueAfter'; readonly ms: number };

export const done: Result = { type: 'done' };

export function requeueAfter(ms: number): Result {
  return { type: 'requeueAfter', ms: Math.max(0, Math.ceil(ms)) };
}

/** The earlier of two results (done is "never"). */
export function sooner(a: Result, b: Result): Result {
  if (a.type === 'done') return b;
  if (b.type === 'done') return a;
  return a.ms <= b.ms ? a : b;
}

/** Apply a reconcile outcome to the queue: the retry policy of every controller. */
export function handleOutcome(queue: WorkQueue<string>, key: string, outcome: Result | Error, log: Logger, controller: string): void {
  if (outcome instanceof Error) {
    const quiet = outcome instanceof ApiError && (outcome.code === 409 || outcome.code === 404);
    const retries = queue.retries(key);
    const entry = { controller, key, retries, err: outcome.message };
    if (quiet || retries < 3) log.debug(entry, 'reconcile failed; retrying with back-off');
    else log.warn(entry, 'reconcile failed; retrying with back-off');
    queue.addRateLimited(key);
    return;
  }
  queue.forget(key);
  if (outcome.type === 'requeueAfter') queue.addAfter(key, outcome.ms);
}

/** A create refused because the namespace is being deleted (the API server's typed cause, not its wording). */
export function isNamespaceTerminating(err: unknown): boolean {
  return err instanceof ApiError && err.code === 403 && (err.details?.causes ?? []).some((c) => c.reason === 'NamespaceTerminating');
}
