// Status of static pods goes to their mirror pods: the worker computes it from the static pod
// (whose status field is kept here, as the kubelet's status cache), and it is written to the
// mirror with the mirror's uid. With no mirror (yet, or no API server) nothing is written.
// A mirror that outlived an agent restart carries the status to continue from (startTime,
// transition times): the first time it is seen, the static pod takes it over.
import type { RestClient } from '../../client/rest.js';
import type { Logger } from '../../util/logger.js';
import { StatusManager } from '../statusmanager.js';
import type { Pod } from '../types.js';
import type { StaticPods } from './manager.js';

export class MirrorStatusManager extends StatusManager {
  private readonly seeded = new Set<string>();

  constructor(client: RestClient, log: Logger, private readonly statics: StaticPods) {
    super(client, log);
  }

  override async set(pod: Pod, status: Record<string, unknown>): Promise<boolean> {
    const uid = pod.metadata.uid ?? '';
    if (!this.statics.isStatic(uid)) return super.set(pod, status);
    const mirror = this.statics.mirrorOf(pod);
    if (mirror && !this.seeded.has(uid)) {
      this.seeded.add(uid);
      if (typeof mirror.status?.startTime === 'string' && pod.status?.startTime !== mirror.status.startTime) {
        pod.status = structuredClone(mirror.status);
        this.statics.resync(uid);
        return false;
      }
    }
    // the worker's pod object belongs to the static pod manager: the next status builds on this one
    pod.status = status;
    if (!mirror) return false;
    return super.set({ ...pod, metadata: { ...pod.metadata, uid: mirror.metadata.uid }, status: mirror.status ?? {} }, status);
  }

  override forget(uid: string): void {
    this.seeded.delete(uid);
    super.forget(uid);
  }
}
