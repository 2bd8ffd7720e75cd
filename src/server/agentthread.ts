// The node agent of `kubelite server` on a worker thread of its own: the same code and the same
// API requests as in-process (client/threadtransport.ts -> apiserver/threadhost.ts ->
// apiserver/local.ts), but its pod workers, CRI calls and status computations run beside the
// API server's thread instead of taking turns with it. On one thread, the agent's and the API
// server's work queued behind each other whenever containerd's, runc's and the shims' threads
// kept the cores busy (bench:pods at 10 pods/s: 1.7-2.2x the raw CRI floor on one thread,
// 0.95x as a process of its own).
// The thread is spawned first thing, and starts containerd at once (the cold start overlaps
// containerd's boot with the control plane's); it registers the node once told the API answers.
import { MessageChannel, Worker, isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { ApiServer } from '../apiserver/server.js';
import type { Logger } from '../util/logger.js';
import type { AgentConfig } from './agent.js';

const TAG = '__kubeliteAgent';

export type AgentThreadOptions = Pick<AgentConfig, 'podManifestPath' | 'manifestUrl' | 'evictionHard' | 'insecureRegistries' | 'maxParallelPodStarts' | 'runtimeCgroup'>;

type ToWorker = { t: 'start'; server: string; token: string; caPem: string } | { t: 'stop' };
type FromWorker = { t: 'started' } | { t: 'error'; message: string; runtimeMissing: boolean } | { t: 'stopped' };

interface WorkerData {
  [TAG]: true;
  port: MessagePort;
  dataDir: string;
  logLevel: string;
  options: AgentThreadOptions;
}

/** The agent failed to start because this machine lacks the container runtime's tools. */
export class AgentThreadRuntimeMissing extends Error {}

export interface AgentThread {
  /** Starts the agent against the API server (now answering); resolves once its node is registered and its kubelet runs. */
  start(api: ApiServer, token: string, server: string, caPem: string): Promise<void>;
  /** Stops the agent's loops and containerd (pods keep running), then ends the thread. */
  stop(): Promise<void>;
}

/** Spawns the thread; it starts this machine's container runtime at once. */
export function spawnAgentThread(o: { dataDir: string; log: Logger; options?: AgentThreadOptions }): AgentThread {
  const { port1, port2 } = new MessageChannel();
  const data: WorkerData = { [TAG]: true, port: port2, dataDir: o.dataDir, logLevel: o.log.level, options: o.options ?? {} };
  const worker = new Worker(new URL(import.meta.url), { workerData: data, transferList: [port2] });
  let host: { close(): void } | undefined;
  let exited = false;
  let stopping: Promise<void> | undefined;
  let waiting: { resolve(): void; reject(e: Error): void } | undefined;
  worker.on('message', (m: FromWorker) => {
    if (m.t === 'started') waiting?.resolve();
    else if (m.t === 'error') waiting?.reject(m.runtimeMissing ? new AgentThreadRuntimeMissing(m.message) : new Error(m.message));
    else return;
    waiting = undefined;
  });
  worker.on('error', (err) => o.log.error({ err }, 'agent thread failed'));
  worker.on('exit', (code) => {
    exited = true;
    host?.close();
    waiting?.reject(new Error(`agent thread exited with code ${code}`));
    waiting = undefined;
    if (!stopping) o.log.error({ code }, 'agent thread exited');
  });
  return {
    async start(api, token, server, caPem) {
      const { hostThreadChannel } = await import('../apiserver/threadhost.js');
      if (exited) throw new Error('agent thread exited before it started');
      host = hostThreadChannel(api, token, port1);
      await new Promise<void>((resolve, reject) => {
        waiting = { resolve, reject };
        worker.postMessage({ t: 'start', server, token, caPem } satisfies ToWorker);
      });
    },
    stop() {
      stopping ??= exited
        ? Promise.resolve(host?.close())
        : new Promise<void>((resolve) => {
            const t = setTimeout(() => void worker.terminate(), 30_000).unref();
            worker.once('exit', () => (clearTimeout(t), resolve()));
            worker.on('message', (m: FromWorker) => m.t === 'stopped' && void worker.terminate());
            worker.postMessage({ t: 'stop' } satisfies ToWorker);
          });
      return stopping;
    },
  };
}

/** The thread's side: containerd at once, the agent when told the API answers. */
async function runInWorker(d: WorkerData): Promise<void> {
  const [{ startAgentRuntime }, { createLogger }] = await Promise.all([import('./runtime.js'), import('../util/logger.js')]);
  const log = createLogger({ level: d.logLevel }).child({ component: 'agent' });
  const early = startAgentRuntime({ dataDir: d.dataDir, log, insecureRegistries: d.options.insecureRegistries, runtimeCgroup: d.options.runtimeCgroup });
  // the agent's code loads while containerd boots
  const code = Promise.all([import('./agent.js'), import('../client/threadtransport.js'), import('../util/clock.js'), import('../cri/containerd.js')]);
  code.catch(() => undefined);
  const ac = new AbortController();
  let agent: { stop(): Promise<void> } | undefined;
  let channel: { close(): void } | undefined;
  const post = (m: FromWorker) => parentPort!.postMessage(m);
  parentPort!.on('message', (m: ToWorker) => {
    if (m.t === 'start') {
      void code
        .then(async ([{ startAgent }, { ThreadChannel }, { realClock }]) => {
          const ch = new ThreadChannel(d.port);
          channel = ch;
          agent = await startAgent({ server: m.server, token: m.token, caPem: m.caPem, dataDir: d.dataDir, log, clock: realClock, transport: (ua) => ch.transport(ua), ...d.options }, ac.signal, early);
        })
        .then(
          () => post({ t: 'started' }),
          async (err: Error) => post({ t: 'error', message: err.message, runtimeMissing: err instanceof (await code)[3].RuntimeMissingError }),
        );
    } else if (m.t === 'stop') {
      ac.abort();
      const stopped = agent ? agent.stop() : (early.stop.abort(), early.runtime.then((r) => r.done));
      void stopped
        .catch(() => undefined)
        .then(() => {
          channel?.close();
          post({ t: 'stopped' });
        });
    }
  });
}

if (!isMainThread && parentPort && (workerData as Record<string, unknown> | null)?.[TAG] === true) {
  void runInWorker(workerData as WorkerData);
}
