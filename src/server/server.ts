// Composition root: the boot sequence of `kubelite server`, readable top to bottom.
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setMaxListeners } from 'node:events';
import type { Store } from '../storage/types.js';
import type { ApiServer } from '../apiserver/server.js';
import { ensureCredentials, kubeconfigYaml, writeFileAtomic } from '../apiserver/certs.js';
import type { RestClient } from '../client/rest.js';
import type { Scheduler } from '../scheduler/index.js';
import type { ControllerManager, ControllerSettings } from '../controllers/index.js';
import type { DefaultTolerationSeconds } from '../apiserver/tolerations.js';
import { realClock, type Clock } from '../util/clock.js';
import type { AgentConfig, RunningAgent } from './agent.js';
import { startAgentRuntime, type EarlyRuntime } from './runtime.js';
import type { Logger } from '../util/logger.js';
import type { WatchCache } from '../apiserver/watchcache.js';
import type { ComponentsThread } from './components.js';
import { spawnAgentThread, type AgentThread } from './agentthread.js';

export interface ServerConfig {
  dataDir: string;
  httpsPort: number;
  bindAddress: string;
  disableAgent: boolean;
  /** do not run the scheduler in this process */
  disableScheduler?: boolean;
  /** do not run the controller manager in this process */
  disableControllers?: boolean;
  /**
   * run the scheduler and the controller manager on a worker thread (server/components.ts),
   * and the node agent on one of its own (server/agentthread.ts), instead of the API server's
   * thread; ignored with an injected clock (which cannot cross to another thread)
   */
  componentsThread?: boolean;
  kubeconfigPath?: string;
  /** controller tunables (--node-monitor-grace-period, --terminated-pod-gc-threshold, ...) */
  controllerSettings?: ControllerSettings;
  /** DefaultTolerationSeconds admission (--default-not-ready/unreachable-toleration-seconds) */
  defaultTolerationSeconds?: DefaultTolerationSeconds;
  clock?: Clock;
  log: Logger;
  /** node agent flags (static pods, eviction) for this machine's agent */
  agentOptions?: Pick<AgentConfig, 'podManifestPath' | 'manifestUrl' | 'evictionHard' | 'insecureRegistries' | 'maxParallelPodStarts' | 'runtimeCgroup'>;
}

export interface RunningServer {
  url: string;
  port: number;
  kubeconfigPath: string;
  adminToken: string;
  caPem: string;
  api: ApiServer;
  store: Store;
  scheduler?: Scheduler;
  controllers?: ControllerManager;
  agent?: RunningAgent;
  /** the thread running the scheduler and controllers, when they are not on this one */
  componentsThread?: ComponentsThread;
  stop(): Promise<void>;
}

/** A problem with the configuration or the machine that the user must fix. */
export class StartupError extends Error {}

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

function checkDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    accessSync(dir, constants.W_OK | constants.R_OK);
  } catch (err) {
    throw new StartupError(`data dir ${dir} is not usable: ${(err as Error).message}`);
  }
}

export async function startServer(cfg: ServerConfig, signal?: AbortSignal): Promise<RunningServer> {
  const clock = cfg.clock ?? realClock;
  const dataDir = resolve(cfg.dataDir);
  checkDataDir(dataDir);

  // 0. this machine's container runtime boots while the control plane starts (cold start)
  const agentLog = cfg.log.child({ component: 'agent' });
  // (spawned before the control plane's code is even loaded: containerd boots meanwhile)
  // With the components on a thread of their own, the agent gets one too (server/agentthread.ts),
  // which starts containerd first thing as well
  const threaded = !cfg.disableAgent && cfg.componentsThread === true && clock === realClock;
  const early: AgentStart | undefined = cfg.disableAgent
    ? undefined
    : threaded
      ? { thread: spawnAgentThread({ dataDir, log: agentLog, options: cfg.agentOptions }) }
      : { runtime: startAgentRuntime({ dataDir, log: agentLog, insecureRegistries: cfg.agentOptions?.insecureRegistries, runtimeCgroup: cfg.agentOptions?.runtimeCgroup }) };
  try {
    return await startControlPlaneAndAgent(cfg, dataDir, clock, agentLog, early, signal);
  } catch (err) {
    if (early?.runtime) {
      early.runtime.stop.abort();
      await early.runtime.runtime.then((r) => r.done).catch(() => undefined);
    }
    await early?.thread?.stop();
    throw err;
  }
}

/** the node agent being started: its container runtime on this thread, or the agent's own thread */
type AgentStart = { runtime: EarlyRuntime; thread?: undefined } | { thread: AgentThread; runtime?: undefined };

async function startControlPlaneAndAgent(cfg: ServerConfig, dataDir: string, clock: Clock, agentLog: Logger, early: AgentStart | undefined, signal?: AbortSignal): Promise<RunningServer> {
  // the control plane's code, loaded now that containerd is starting
  const [{ openSqliteStore }, { instrumentStore }, { ApiServer }, { ApiMetrics }, { startNamespaceFinalizer }, { startEventTTL }, { ensureKubernetesService }, { ensureSystemPriorityClasses }, { ensureDefaultStorageClass }, { ApiError }, { RestClient }, { localTransport }] = await Promise.all([
    import('../storage/index.js'),
    import('../storage/instrumented.js'),
    import('../apiserver/server.js'),
    import('../apiserver/metrics.js'),
    import('../apiserver/nsfinalizer.js'),
    import('../apiserver/eventttl.js'),
    import('../apiserver/bootstrap.js'),
    import('../apiserver/priority.js'),
    import('../apiserver/storageclass.js'),
    import('../api/errors.js'),
    import('../client/rest.js'),
    import('../apiserver/local.js'),
  ]);

  // 1. credentials (CA, serving cert, admin token)
  const creds = await ensureCredentials(dataDir);

  // 2. store
  const metrics = new ApiMetrics();
  let raw: Store;
  try {
    mkdirSync(join(dataDir, 'server', 'db'), { recursive: true });
    raw = openSqliteStore(join(dataDir, 'server', 'db', 'state.db'), { clock });
  } catch (err) {
    throw new StartupError(`cannot open the database under ${dataDir}: ${(err as Error).message}`);
  }
  const store = instrumentStore(raw, (op, s) => metrics.storeLatency.observe({ operation: op }, s));

  // 3. API server: fill caches, listen
  const api = new ApiServer({ store, clock, log: cfg.log, tokens: [creds.adminToken], tls: creds, metrics, defaultTolerationSeconds: cfg.defaultTolerationSeconds });
  await api.init();
  try {
    await api.listen(cfg.httpsPort, cfg.bindAddress);
  } catch (err) {
    await api.close();
    await store.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new StartupError(`port ${cfg.httpsPort} is already in use on ${cfg.bindAddress}: stop the other process or pass --https-listen-port`);
    if (code === 'EACCES') throw new StartupError(`no permission to listen on ${cfg.bindAddress}:${cfg.httpsPort}`);
    throw err;
  }
  const port = api.address().port;
  const host = cfg.bindAddress === '0.0.0.0' || cfg.bindAddress === '::' ? '127.0.0.1' : cfg.bindAddress;
  const url = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;

  // 4. system namespaces and namespace finalization
  const nsReg = api.get('', 'namespaces')!;
  for (const ns of SYSTEM_NAMESPACES) {
    if (nsReg.tryGet('', ns)) continue;
    try {
      await nsReg.create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 409)) throw err;
    }
  }
  await ensureKubernetesService(api, port);
  await ensureSystemPriorityClasses(api.get('scheduling.k8s.io', 'priorityclasses')!);
  await ensureDefaultStorageClass(api.get('storage.k8s.io', 'storageclasses')!, dataDir);
  const lifecycle = new AbortController();
  setMaxListeners(0, lifecycle.signal); // every component's informers listen to it
  startNamespaceFinalizer(api, cfg.log, lifecycle.signal);
  startEventTTL(api.get('', 'events')!, clock, cfg.log, lifecycle.signal);
  cfg.log.debug('system objects written');

  // 5. control-plane components: the same API requests as any client, in-process (apiserver/local.ts),
  // on a thread of their own (server/components.ts) or on this one
  const clients: RestClient[] = [];
  let scheduler: Scheduler | undefined;
  let schedulerStarting: Promise<unknown> | undefined;
  let controllers: ControllerManager | undefined;
  let thread: ComponentsThread | undefined;
  let startControllers: () => Promise<void> = async () => undefined;
  // With its own node agent, a fresh server has no Node until that agent registers (~0.5 s):
  // a pod created meanwhile would fail scheduling and wait out its 1 s back-off. So the
  // scheduler starts once a Node exists (at once on a restart), or after 10 s regardless.
  const nodes = early ? api.get('', 'nodes')!.cache : undefined;
  const nodeSeen = () => (nodes ? untilAnyEntry(nodes, 10_000, lifecycle.signal) : Promise.resolve());
  const serverUrl = `https://127.0.0.1:${port}`;
  if (cfg.componentsThread && clock === realClock && !(cfg.disableScheduler && cfg.disableControllers)) {
    const { startComponentsThread } = await import('./components.js');
    const preload = [...(cfg.disableScheduler ? [] : (['scheduler'] as const)), ...(cfg.disableControllers ? [] : (['controllers'] as const))];
    thread = await startComponentsThread({ api, token: creds.adminToken, server: serverUrl, caPem: creds.caPem, log: cfg.log.child({ component: 'components-thread' }), preload });
    const t = thread;
    // not awaited: the thread loads their code on the other core while this one goes on
    // (a failure is logged by the thread's supervisor)
    startControllers = async () => {
      if (!cfg.disableControllers && !lifecycle.signal.aborted) t.startControllers(cfg.controllerSettings).catch(() => undefined);
    };
    if (!cfg.disableScheduler) {
      schedulerStarting = nodeSeen().then(() => t.startScheduler());
      schedulerStarting.catch(() => undefined); // awaited below, after the agent started
      if (!early) await schedulerStarting;
    }
  } else {
    if (!cfg.disableScheduler) {
      // in-process: the same API requests without TLS, sockets or HTTP parsing (the standalone
      // `kubelite scheduler` talks HTTPS); about half the server CPU per pod (BENCHMARKS.md)
      const transport = localTransport(api, creds.adminToken, 'kubelite-scheduler');
      const client = new RestClient({ server: serverUrl, token: creds.adminToken, caPem: creds.caPem, userAgent: 'kubelite-scheduler', transport });
      clients.push(client);
      // components are loaded only when they run: a control-plane-only server stays small
      const { startScheduler } = await import('../scheduler/index.js');
      const starting = nodeSeen().then(() => startScheduler({ client, clock, log: cfg.log.child({ component: 'scheduler' }) }, lifecycle.signal));
      schedulerStarting = starting.then((s) => (scheduler = s));
      schedulerStarting.catch(() => undefined); // awaited below, after the agent started
      if (!early) await schedulerStarting;
    }
    startControllers = async () => {
      if (cfg.disableControllers || lifecycle.signal.aborted) return;
      // in-process too: its informers and writes skip TLS, sockets and HTTP parsing
      const transport = localTransport(api, creds.adminToken, 'kubelite-controller-manager');
      const client = new RestClient({ server: serverUrl, token: creds.adminToken, caPem: creds.caPem, userAgent: 'kubelite-controller-manager', transport });
      clients.push(client);
      const { startControllerManager } = await import('../controllers/index.js');
      controllers = startControllerManager({ client, clock, log: cfg.log.child({ component: 'controller-manager' }), settings: cfg.controllerSettings }, lifecycle.signal);
    };
  }
  // With its own node agent, the controller manager starts once that agent runs: its ~20
  // informers' lists (and on this thread, loading it) would otherwise delay the Node's
  // registration and the kubelet's start, and so the first pod (cold start). Nothing the agent
  // does at start needs a controller (the API server assigns the pod CIDR).
  if (!early) await startControllers();

  // 6. kubeconfig for kubectl
  const kubeconfigPath = resolve(cfg.kubeconfigPath ?? join(dataDir, 'kubeconfig.yaml'));
  writeFileAtomic(kubeconfigPath, kubeconfigYaml(url, creds.caPem, creds.adminToken));

  let agent: RunningAgent | undefined;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    lifecycle.abort();
    await agent?.stop(); // the agent's loops and containerd; pods keep running
    await early?.thread?.stop(); // likewise, on its thread
    await controllers?.stop(); // releases the leader Lease while the API still answers
    await thread?.stop(); // likewise, on its thread
    for (const c of clients) c.close();
    await api.close();
    await store.close();
  };
  // 7. this machine's node agent, on the same code path as a remote `kubelite agent`
  if (early?.thread) {
    const { AgentThreadRuntimeMissing } = await import('./agentthread.js');
    await early.thread.start(api, creds.adminToken, `https://127.0.0.1:${port}`, creds.caPem).catch(async (err: unknown) => {
      await stop();
      throw err instanceof AgentThreadRuntimeMissing ? new StartupError(err.message) : err;
    });
  } else if (early) {
    // in-process as well: the same requests (authentication, admission, watches) through
    // ApiServer.handle, without TLS, sockets and HTTP parsing on both ends of this one thread;
    // on a cold start the Node's registration took 70-130 ms over HTTPS (a TLS handshake first)
    const transport = (userAgent: string) => localTransport(api, creds.adminToken, userAgent);
    const agentCfg = { server: `https://127.0.0.1:${port}`, token: creds.adminToken, caPem: creds.caPem, dataDir, log: agentLog, clock, transport, ...cfg.agentOptions };
    const { startAgent } = await import('./agent.js');
    const { RuntimeMissingError } = await import('../cri/containerd.js');
    agent = await startAgent(agentCfg, lifecycle.signal, early.runtime).catch(async (err: unknown) => {
      await stop(); // the scheduler, started or waiting for a Node, ends with the lifecycle signal
      throw err instanceof RuntimeMissingError ? new StartupError(err.message) : err;
    });
  }
  if (early) await startControllers();
  if (schedulerStarting) await schedulerStarting;
  signal?.addEventListener('abort', () => void stop(), { once: true });
  return { url, port, kubeconfigPath, adminToken: creds.adminToken, caPem: creds.caPem, api, store, scheduler, controllers, agent, componentsThread: thread, stop };
}

/** Resolves when the cache holds an entry, or after timeoutMs, or on abort. */
function untilAnyEntry(cache: WatchCache, timeoutMs: number, signal: AbortSignal): Promise<void> {
  if (cache.size > 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      unsubscribe();
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    const unsubscribe = cache.subscribe(() => done());
    signal.addEventListener('abort', done, { once: true });
  });
}
