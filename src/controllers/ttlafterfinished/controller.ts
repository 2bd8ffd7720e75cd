// The TTL-after-finished controller (upstream pkg/controller/ttlafterfinished): a finished Job
// with spec.ttlSecondsAfterFinished is deleted, with its pods, that many seconds after its
// Complete/Failed condition turned True. Before deleting it re-reads the Job, since the TTL may
// have been changed meanwhile, and deletes with a uid precondition and Foreground propagation
// (the Job stays, marked for deletion, until its pods are gone), as upstream does.
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import type { Informer } from '../../client/informer.js';
import { Controller, type ControllerContext } from '../runtime/controller.js';
import { nsName } from '../runtime/objects.js';
import { done, requeueAfter, type Result } from '../runtime/result.js';

const JOBS_PATH = '/apis/batch/v1/jobs';

/** When the TTL of a finished Job with a TTL expires (ms), or undefined. */
export function expiresAt(job: KubeObject): number | undefined {
  const ttl = job.spec?.ttlSecondsAfterFinished;
  if (typeof ttl !== 'number' || job.metadata.deletionTimestamp) return undefined;
  let finishedAt: number | undefined;
  for (const c of (job.status?.conditions ?? []) as { type?: string; status?: string; lastTransitionTime?: string }[]) {
    if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') {
      const t = c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : NaN;
      if (!Number.isNaN(t)) finishedAt = t;
    }
  }
  return finishedAt === undefined ? undefined : finishedAt + ttl * 1000;
}

export class TTLAfterFinishedController extends Controller {
  private readonly jobs: Informer<KubeObject>;

  constructor(ctx: ControllerContext, workers = 5) {
    super('ttl-after-finished-controller', ctx, workers);
    this.jobs = ctx.informers.informer(JOBS_PATH);
    const maybe = (j: KubeObject) => {
      if (expiresAt(j) !== undefined) this.enqueue(j);
    };
    this.jobs.addHandlers({ add: maybe, update: (_o, j) => maybe(j) });
  }

  async reconcile(key: string): Promise<Result> {
    const cached = this.jobs.get(key);
    if (!cached) return done;
    const at = expiresAt(cached);
    if (at === undefined) return done;
    if (at > this.clock.now()) return requeueAfter(at - this.clock.now());
    const { namespace, name } = nsName(key);
    const path = `/apis/batch/v1/namespaces/${namespace}/jobs/${name}`;
    let fresh: KubeObject;
    try {
      fresh = await this.client.json<KubeObject>('GET', path);
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return done;
      throw err;
    }
    const freshAt = expiresAt(fresh);
    if (freshAt === undefined) return done;
    if (freshAt > this.clock.now()) return requeueAfter(freshAt - this.clock.now());
    try {
      await this.client.json('DELETE', path, {
        apiVersion: 'v1',
        kind: 'DeleteOptions',
        propagationPolicy: 'Foreground',
        preconditions: { uid: fresh.metadata.uid },
      });
    } catch (err) {
      if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) throw err;
    }
    return done;
  }
}
