// Pod-replacement back-off after failures (upstream backoff_utils): per Job, the failures
// since the last success and when the last one happened. The n-th consecutive failure delays
// the next pod creation by 10 s * 2^(n-1), capped.
import type { KubeObject } from '../../api/types.js';
import { finishedTime } from './pods.js';

export const POD_FAILURE_BACKOFF_MS = 10_000;
/**
 * The cap of the replacement delay. The Job documentation says six minutes, but the 1.32
 * controller (MaxJobPodFailureBackOff) caps at ten, and that is what a cluster does.
 */
export const MAX_POD_FAILURE_BACKOFF_MS = 10 * 60_000;

export interface BackoffRecord {
  failuresAfterLastSuccess: number;
  lastFailureTime?: number;
}

export class BackoffStore {
  private readonly records = new Map<string, BackoffRecord>();

  get(key: string): BackoffRecord {
    return this.records.get(key) ?? { failuresAfterLastSuccess: 0 };
  }

  set(key: string, r: BackoffRecord): void {
    this.records.set(key, r);
  }

  delete(key: string): void {
    this.records.delete(key);
  }
}

/** The record after newly finished (not yet counted) pods. */
export function nextRecord(prev: BackoffRecord, newSucceeded: KubeObject[], newFailed: KubeObject[]): BackoffRecord {
  const failed = newFailed.map(finishedTime).sort((a, b) => a - b);
  if (newSucceeded.length === 0) {
    if (failed.length === 0) return prev;
    return { failuresAfterLastSuccess: prev.failuresAfterLastSuccess + failed.length, lastFailureTime: failed[failed.length - 1] };
  }
  const lastSuccess = Math.max(...newSucceeded.map(finishedTime));
  const after = failed.filter((t) => t > lastSuccess);
  return after.length ? { failuresAfterLastSuccess: after.length, lastFailureTime: after[after.length - 1] } : { failuresAfterLastSuccess: 0 };
}

/** How long pod creation must still wait, in ms. */
export function remainingBackoff(r: BackoffRecord, now: number, baseMs = POD_FAILURE_BACKOFF_MS, maxMs = MAX_POD_FAILURE_BACKOFF_MS): number {
  if (r.failuresAfterLastSuccess === 0 || r.lastFailureTime === undefined) return 0;
  let d = baseMs;
  for (let i = 1; i < r.failuresAfterLastSuccess; i++) {
    d *= 2;
    if (d >= maxMs) {
      d = maxMs;
      break;
    }
  }
  const elapsed = now - r.lastFailureTime;
  return elapsed > d ? 0 : d - elapsed;
}
