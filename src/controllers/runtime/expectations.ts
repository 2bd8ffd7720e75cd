// Expectations (client-go's ControllerExpectations + UIDTrackingExpectations): after a
// controller asks for N creations or deletions it waits until its informer has observed them
// (or 5 minutes have passed) before acting on that key again, so a stale cache never makes
// it create or delete twice.
import type { Clock } from '../../util/clock.js';

export const EXPECTATIONS_TIMEOUT_MS = 5 * 60 * 1000;

interface Record {
  add: number;
  del: number;
  /** keys of objects whose deletion we asked for and have not seen yet */
  deleting: Set<string>;
  timestamp: number;
}

export class Expectations {
  private readonly records = new Map<string, Record>();

  constructor(private readonly clock: Clock) {}

  /** True when the controller may act on key: nothing pending, or the record expired. */
  satisfied(key: string): boolean {
    const r = this.records.get(key);
    if (!r) return true;
    if (r.add <= 0 && r.del <= 0) return true;
    return this.clock.now() - r.timestamp > EXPECTATIONS_TIMEOUT_MS;
  }

  expectCreations(key: string, n: number): void {
    this.set(key, n, 0, []);
  }

  /** Expect the deletion of these objects (namespace/name keys). */
  expectDeletions(key: string, objectKeys: string[]): void {
    this.set(key, 0, objectKeys.length, objectKeys);
  }

  creationObserved(key: string): void {
    const r = this.records.get(key);
    if (r) r.add--;
  }

  /** A creation that will never be observed (the request failed or was skipped). */
  lowerCreations(key: string, n = 1): void {
    const r = this.records.get(key);
    if (r) r.add -= n;
  }

  /** The deletion of objectKey was observed (counted once however often it is reported). */
  deletionObserved(key: string, objectKey: string): void {
    const r = this.records.get(key);
    if (r && r.deleting.delete(objectKey)) r.del--;
  }

  delete(key: string): void {
    this.records.delete(key);
  }

  /** Pending counts, for tests and logs. */
  pending(key: string): { add: number; del: number } | undefined {
    const r = this.records.get(key);
    return r ? { add: r.add, del: r.del } : undefined;
  }

  private set(key: string, add: number, del: number, deleting: string[]): void {
    this.records.set(key, { add, del, deleting: new Set(deleting), timestamp: this.clock.now() });
  }
}
