// The scheduler on its own worker thread (opt-in; not wired into `kubelite server`): the same
// code as `kubelite scheduler`, reaching the API over HTTPS on loopback with its bindings
// pipelined, so scheduling and informer decoding run on another core than the API server.
// The thread starts with startSchedulerWorker() and ends with stop().
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { RestClient } from '../client/rest.js';
import { realClock } from '../util/clock.js';
import { createLogger, silentLogger } from '../util/logger.js';
import { startScheduler } from './index.js';

export interface SchedulerWorkerOptions {
  server: string;
  token: string;
  caPem: string;
  /** pino level for the thread's log (stderr); none: silent */
  logLevel?: string;
  schedulerName?: string;
  bindConcurrency?: number;
}

export interface SchedulerWorker {
  /** Stops the scheduler and ends the thread. */
  stop(): Promise<void>;
}

const TAG = '__kubeliteSchedulerWorker';

type FromWorker = { type: 'synced' } | { type: 'error'; message: string };

/** Starts the scheduler on a worker thread; resolves once its caches are synced. */
export function startSchedulerWorker(o: SchedulerWorkerOptions): Promise<SchedulerWorker> {
  const w = new Worker(new URL(import.meta.url), { workerData: { ...o, [TAG]: true } });
  return new Promise((resolve, reject) => {
    const onExit = (code: number) => reject(new Error(`scheduler worker exited with code ${code} before its caches synced`));
    w.once('error', reject);
    w.once('exit', onExit);
    w.once('message', (m: FromWorker) => {
      w.off('exit', onExit);
      w.off('error', reject);
      if (m.type === 'error') {
        void w.terminate();
        reject(new Error(m.message));
        return;
      }
      resolve({
        stop: async () => {
          w.postMessage('stop');
          await new Promise<void>((r) => {
            const t = setTimeout(() => void w.terminate(), 5000).unref();
            w.once('exit', () => (clearTimeout(t), r()));
          });
        },
      });
    });
  });
}

async function runInWorker(o: SchedulerWorkerOptions): Promise<void> {
  const log = o.logLevel ? createLogger({ level: o.logLevel, name: 'kubelite-scheduler' }) : silentLogger();
  const client = new RestClient({ server: o.server, token: o.token, caPem: o.caPem, userAgent: 'kubelite-scheduler', maxSockets: 96 });
  const ac = new AbortController();
  parentPort!.on('message', (m) => {
    if (m !== 'stop') return;
    ac.abort();
    client.close();
    parentPort!.close(); // nothing else keeps the thread alive: it ends
  });
  try {
    await startScheduler({ client, clock: realClock, log, schedulerName: o.schedulerName, bindConcurrency: o.bindConcurrency }, ac.signal);
    parentPort!.postMessage({ type: 'synced' } satisfies FromWorker);
  } catch (err) {
    parentPort!.postMessage({ type: 'error', message: (err as Error).message } satisfies FromWorker);
  }
}

if (!isMainThread && parentPort && (workerData as Record<string, unknown> | null)?.[TAG] === true) {
  void runInWorker(workerData as SchedulerWorkerOptions);
}
