// Start the default scheduler against an API server (it talks to the API like any client).
import type { RestClient } from '../client/rest.js';
import { Informer } from '../client/informer.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { DefaultAlgorithm, informerLister } from './algorithm.js';
import { Scheduler } from './scheduler.js';
import { startVolumeInformers } from './plugins/volumebinding/informers.js';

export interface StartSchedulerOptions {
  client: RestClient;
  clock: Clock;
  log: Logger;
  schedulerName?: string;
  percentageOfNodesToScore?: number;
  rng?: () => number;
  /** bindings in flight at once (default 64) */
  bindConcurrency?: number;
}

export async function startScheduler(o: StartSchedulerOptions, signal: AbortSignal): Promise<Scheduler> {
  const inf = (path: string) => new Informer(o.client, { path, pageSize: 5000 }, o.log);
  const listers = {
    namespaces: inf('/api/v1/namespaces'),
    services: inf('/api/v1/services'),
    replicaSets: inf('/apis/apps/v1/replicasets'),
    statefulSets: inf('/apis/apps/v1/statefulsets'),
    replicationControllers: inf('/api/v1/replicationcontrollers'),
  };
  for (const i of Object.values(listers)) void i.run(signal);
  await Promise.all(Object.values(listers).map((i) => i.waitForSync()));
  const storage = await startVolumeInformers(o.client, o.log, signal);
  const algorithm = new DefaultAlgorithm({ lister: informerLister(listers), percentageOfNodesToScore: o.percentageOfNodesToScore, rng: o.rng, volumes: storage.lister });
  const s = new Scheduler({ client: o.client, algorithm, clock: o.clock, log: o.log, schedulerName: o.schedulerName, bindConcurrency: o.bindConcurrency });
  // a claim bound or a volume made may let a waiting pod fit
  storage.onChange(() => s.queue.moveAllToActiveOrBackoff('StorageChange'));
  await s.start(signal);
  return s;
}

export { Scheduler } from './scheduler.js';
