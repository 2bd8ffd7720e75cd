// Writes pod status to the API only when it changed: a JSON merge patch of pods/status with the
// fields the kubelet owns (null clears one). Remembers what it wrote so that a sync running
// before the informer has seen the write does not write the same status again.
import { ApiError } from '../api/errors.js';
import type { RestClient } from '../client/rest.js';
import type { Logger } from '../util/logger.js';
import { canonical, statusDiffers } from './status.js';
import type { Pod } from './types.js';

const MERGE = 'application/merge-patch+json';

export class StatusManager {
  private readonly written = new Map<string, string>();
  /** per uid: the status last written (or found already in place) */
  private readonly last = new Map<string, Record<string, unknown>>();
  writes = 0;

  constructor(
    private readonly client: RestClient,
    private readonly log: Logger,
  ) {}

  /** Writes status when it differs from the pod's; returns true when it wrote. */
  async set(pod: Pod, status: Record<string, unknown>): Promise<boolean> {
    const uid = pod.metadata.uid ?? '';
    const c = canonical(status);
    if (!statusDiffers(pod.status as Record<string, unknown> | undefined, status)) {
      this.written.set(uid, c);
      this.last.set(uid, status);
      return false;
    }
    if (this.written.get(uid) === c) return false;
    const path = `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/status`;
    try {
      await this.client.text('PATCH', path, { metadata: { uid }, status }, MERGE); // the pod it answers with is not needed: not parsed
      this.written.set(uid, c);
      this.last.set(uid, status);
      this.writes++;
      return true;
    } catch (err) {
      if (err instanceof ApiError && (err.code === 404 || err.code === 409)) {
        this.log.debug({ pod: pod.metadata.name, code: err.code }, 'status not written: pod gone or replaced');
        return false;
      }
      throw err;
    }
  }

  /** True when the pod's status shows exactly what this manager last wrote for it (the echo of its own write). */
  echoes(pod: Pod): boolean {
    const s = this.last.get(pod.metadata.uid ?? '');
    return s !== undefined && !statusDiffers(pod.status as Record<string, unknown> | undefined, s);
  }

  forget(uid: string): void {
    this.written.delete(uid);
    this.last.delete(uid);
  }
}
