// The scheduler and the controller manager of `kubelite server` on a worker thread of their
// own: the same code and the same API requests as in-process (client/threadtransport.ts ->
// apiserver/threadhost.ts -> apiserver/local.ts), but their watch decoding, caches,
// scheduling algorithm and reconcile logic run on the second core, so that the API server's
// thread only serves requests. (On one thread, the scheduler and the controllers' informers
// took about a third of its CPU per pod: BENCHMARKS.md.)
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { MessageChannel, Worker, isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { ApiServer } from '../apiserver/server.js';
import type { ControllerSettings } from '../controllers/index.js';
import type { Logger } from '../util/logger.js';

const TAG = '__kubeliteComponents';

type ToWorker = { t: 'startScheduler' } | { t: 'startControllers'; settings?: ControllerSettings } | { t: 'stop' };
type FromWorker = { t: 'started'; what: 'scheduler' | 'controllers' } | { t: 'error'; what: string; message: string } | { t: 'stopped' };

interface WorkerData {
  [TAG]: true;
  port: MessagePort;
  server: string;
  caPem: string;
  logLevel: string;
  /** components whose code the thread loads as soon as it starts, before it is told to run them */
  preload: ('scheduler' | 'controllers')[];
  /** the controller manager's leader-election identity, the same for every thread this server starts */
  identity: string;
}

export interface ComponentsThread {
  /** Starts the scheduler on the thread; resolves once its caches are synced. */
  startScheduler(): Promise<void>;
  /** Starts the controller manager on the thread. */
  startControllers(settings?: ControllerSettings): Promise<void>;
  /** Stops them (the controllers release their leader Lease while the API still answers) and ends the thread. */
  stop(): Promise<void>;
  /** The thread running now (a new one after a restart). */
  readonly worker: Worker;
}

export interface ComponentsThreadOptions {
  api: ApiServer;
  /** credentials the components' requests carry */
  token: string;
  /** the API server's URL and CA (the components' RestClients are built as for HTTPS) */
  server: string;
  caPem: string;
  log: Logger;
  /** components the thread will be told to run: their code is loaded at once, on the thread */
  preload?: ('scheduler' | 'controllers')[];
}

/**
 * Starts the thread. Should it die (an uncaught error in a component), it is started again
 * after a second with the components it ran, as a supervisor restarts a crashed
 * kube-scheduler or kube-controller-manager; the server's thread is not affected. Its
 * controller manager competes for the leader Lease with the same identity as the one that
 * died (the dead thread can no longer act), so it takes the Lease back at once instead of
 * waiting for it to expire.
 */
export async function startComponentsThread(o: ComponentsThreadOptions): Promise<ComponentsThread> {
  const { hostThreadChannel } = await import('../apiserver/threadhost.js');
  let stopping = false;
  const identity = `${hostname()}_${randomUUID()}`;
  const wanted: ToWorker[] = [];
  let current: { worker: Worker; host: { close(): void }; waiting: Map<string, { resolve(): void; reject(e: Error): void }>; exited: boolean };

  const spawn = () => {
    const { port1, port2 } = new MessageChannel();
    const host = hostThreadChannel(o.api, o.token, port1);
    const data: WorkerData = { [TAG]: true, port: port2, server: o.server, caPem: o.caPem, logLevel: o.log.level, preload: o.preload ?? [], identity };
    const worker = new Worker(new URL(import.meta.url), { workerData: data, transferList: [port2] });
    const waiting = new Map<string, { resolve(): void; reject(e: Error): void }>();
    worker.on('message', (m: FromWorker) => {
      if (m.t === 'started') {
        waiting.get(m.what)?.resolve();
        waiting.delete(m.what);
      } else if (m.t === 'error') {
        o.log.error({ component: m.what }, `components thread: ${m.what} failed: ${m.message}`);
        waiting.get(m.what)?.reject(new Error(m.message));
        waiting.delete(m.what);
      }
    });
    worker.on('error', (err) => o.log.error({ err }, 'components thread failed'));
    worker.on('exit', (code) => {
      entry.exited = true;
      host.close();
      for (const w of waiting.values()) w.reject(new Error(`components thread exited with code ${code}`));
      waiting.clear();
      if (stopping || current.worker !== worker) return;
      o.log.error({ code }, 'components thread exited; starting it again in 1 s');
      setTimeout(() => {
        if (stopping) return;
        current = spawn();
        for (const m of wanted) current.worker.postMessage(m);
      }, 1000).unref();
    });
    const entry = { worker, host, waiting, exited: false };
    return entry;
  };
  current = spawn();

  const start = (m: ToWorker, what: 'scheduler' | 'controllers'): Promise<void> => {
    wanted.push(m);
    return new Promise<void>((resolve, reject) => {
      current.waiting.set(what, { resolve, reject });
      current.worker.postMessage(m);
    });
  };

  return {
    get worker() {
      return current.worker;
    },
    startScheduler: () => start({ t: 'startScheduler' }, 'scheduler'),
    startControllers: (settings) => start({ t: 'startControllers', ...(settings ? { settings } : {}) }, 'controllers'),
    async stop() {
      if (stopping) return;
      stopping = true;
      const { worker, host, exited } = current;
      if (exited) return host.close(); // it died and was not started again yet
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => void worker.terminate(), 10_000).unref();
        worker.once('exit', () => (clearTimeout(t), resolve()));
        worker.on('message', (m: FromWorker) => m.t === 'stopped' && void worker.terminate());
        worker.postMessage({ t: 'stop' } satisfies ToWorker);
      });
      host.close();
    },
  };
}

/** The thread's side: builds the components' clients on the channel and runs what it is told. */
async function runInWorker(d: WorkerData): Promise<void> {
  const [{ ThreadChannel }, { RestClient }, { createLogger }, { realClock }] = await Promise.all([
    import('../client/threadtransport.js'),
    import('../client/rest.js'),
    import('../util/logger.js'),
    import('../util/clock.js'),
  ]);
  const schedulerCode = () => import('../scheduler/index.js');
  const controllersCode = () => import('../controllers/index.js');
  // loading the components' code is most of their start: done now, while the server boots
  if (d.preload.includes('scheduler')) void schedulerCode().catch(() => undefined);
  if (d.preload.includes('controllers')) void controllersCode().catch(() => undefined);
  const channel = new ThreadChannel(d.port);
  const log = createLogger({ level: d.logLevel });
  const ac = new AbortController();
  setMaxListeners(0, ac.signal); // every informer and loop of the components listens to it
  const clients: InstanceType<typeof RestClient>[] = [];
  const client = (ua: string) => {
    const c = new RestClient({ server: d.server, token: '', caPem: d.caPem, userAgent: ua, transport: channel.transport(ua) });
    clients.push(c);
    return c;
  };
  let controllers: { stop(): Promise<void> } | undefined;
  const post = (m: FromWorker) => parentPort!.postMessage(m);

  parentPort!.on('message', (m: ToWorker) => {
    if (m.t === 'startScheduler') {
      void schedulerCode()
        .then(({ startScheduler }) => startScheduler({ client: client('kubelite-scheduler'), clock: realClock, log: log.child({ component: 'scheduler' }) }, ac.signal))
        .then(
          () => post({ t: 'started', what: 'scheduler' }),
          (err: Error) => post({ t: 'error', what: 'scheduler', message: err.message }),
        );
    } else if (m.t === 'startControllers') {
      void controllersCode()
        .then(({ startControllerManager }) => {
          controllers = startControllerManager({ client: client('kubelite-controller-manager'), clock: realClock, log: log.child({ component: 'controller-manager' }), settings: m.settings, identity: d.identity }, ac.signal);
        })
        .then(
          () => post({ t: 'started', what: 'controllers' }),
          (err: Error) => post({ t: 'error', what: 'controllers', message: err.message }),
        );
    } else if (m.t === 'stop') {
      ac.abort();
      void (controllers?.stop() ?? Promise.resolve())
        .catch(() => undefined)
        .then(() => {
          for (const c of clients) c.close();
          channel.close();
          post({ t: 'stopped' });
        });
    }
  });
}

if (!isMainThread && parentPort && (workerData as Record<string, unknown> | null)?.[TAG] === true) {
  void runInWorker(workerData as WorkerData);
}
