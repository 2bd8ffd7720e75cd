// Status of static pods goes to their mirror pods: the worker computes it from the static pod
// (whose status field is kept here, as the kubelet's status cache), and it is written to the
// mirror with the mirror's uid. With no mirror (yet, or no API server) nothing is written.
import type { RestClient } from '../../client/rest.js';
import type { Logger } from '../../util/logger.js';
import { StatusManager } from '../statusmanager.js';
import type { Pod } from '../types.js';
import type { StaticPods } from './manager.js';

export class MirrorStatusManager extends StatusManager {
  constructor(client: RestClient, log: Logger, private readonly statics: StaticPods) {
    super(client, log);
  }

  override async set(pod: Pod, status: Record<string, unknown>): Promise<boolean> {
    if (!this.statics.isStatic(pod.metadata.uid ?? '')) return super.set(pod, status);
    // the worker's pod object belongs to the static pod manager: the next status builds on this one
    pod.status = status;
    const mirror = this.statics.mirrorOf(pod);
    if (!mirror) return false;
    return super.set({ ...pod, metadata: { ...pod.metadata, uid: mirror.metadata.uid }, status: mirror.status ?? {} }, status);
  }
}
