// Composition root of the node agent (the kubelet), used by `kubelite server` for its own node
// and by `kubelite agent --server URL --token T`. Boot sequence, top to bottom:
//   1. container runtime: kubelite's supervised containerd (or --container-runtime-endpoint)
//   2. Node registered (the server assigns spec.podCIDR), Lease renewed every 10 s
//   3. CNI bridge config for the pod CIDR; wait until the runtime reports NetworkReady
//   4. kubelet: pod informer for this node -> pod workers; PLEG; pods found running are adopted
// Stopping (signal or stop()) ends the loops, then containerd; containers keep running in their shims.
import { setMaxListeners } from 'node:events';
import { mkdirSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { RestClient } from '../client/rest.js';
import type { Transport } from '../client/transport.js';
import type { CriClient } from '../cri/client.js';
import type { Runtime } from '../cri/containerd.js';
import { HOSTPORT_RUNTIME_HANDLER } from '../cri/containerd-config.js';
import { startAgentRuntime, type EarlyRuntime } from './runtime.js';
import { DEFAULT_BRIDGE, ensurePodMasquerade, writeCniConfigs } from '../kubelet/cni.js';
import { Kubelet } from '../kubelet/kubelet.js';
import { defaultStartSlots } from '../kubelet/startgate.js';
import type { PodRuntimeLookup } from '../kubelet/lookup.js';
import { DEFAULT_EVICTION_HARD, parseThresholds } from '../kubelet/eviction/thresholds.js';
import { allocatableOf, measureNode, registerNode, reportMemoryPressure, runNodeHeartbeat, type MemoryPressure, type NodeFacts } from '../kubelet/node.js';
import type { ProbeResults } from '../kubelet/probes.js';
import { sleep } from '../kubelet/sleep.js';
import { startKubeletServer } from '../kubelet/server/server.js';
import { startLocalPathCleaner } from '../kubelet/volumes/localpath.js';
import { realClock, type Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

export interface AgentConfig {
  /** https://host:port of the API server */
  server: string;
  token: string;
  caPem: string;
  dataDir: string;
  log: Logger;
  nodeName?: string;
  /** an existing CRI socket: start no containerd */
  runtimeEndpoint?: string;
  /** image archives imported at start (default: the package's build/images) */
  imageArchives?: string[];
  /** the node's pod CIDR when registering it (default: the server assigns a /24 of 10.42.0.0/16) */
  podCIDR?: string;
  /** CNI bridge name (default kubelite0) */
  bridge?: string;
  /** cgroup parent of all pods (default kubelite) */
  cgroupRoot?: string;
  /** the port the kubelet's own server announces in the Node (default 10250) */
  kubeletPort?: number;
  probes?: ProbeResults;
  /** registries (HOST[:PORT]) pulled from over plain HTTP; loopback ones always are */
  insecureRegistries?: string[];
  /** the managed containerd's cpu cgroup (default kubelite-runtime; '' leaves it in ours) */
  runtimeCgroup?: string;
  plegPeriodMs?: number;
  resyncMs?: number;
  clock?: Clock;
  /**
   * reach the API server in-process instead of over HTTPS (the agent inside `kubelite server`):
   * given the agent's user agent, the transport to use (apiserver/local.ts)
   */
  transport?: (userAgent: string) => Transport;
  /** static pod manifests, a directory or a file (default <dataDir>/agent/pod-manifests, as k3s) */
  podManifestPath?: string;
  /** a URL serving static pod manifests (a Pod or a PodList) */
  manifestUrl?: string;
  /** how often the manifest path is re-read and the URL fetched (default 20 s) */
  manifestCheckMs?: number;
  /** hard eviction thresholds, as --eviction-hard (default memory.available<100Mi) */
  evictionHard?: string;
  /** pods whose sandbox and containers start at once, as --max-parallel-pod-starts (default CPUs + 1; 0: no limit) */
  maxParallelPodStarts?: number;
  /** how often the eviction manager measures memory (default 10 s) */
  evictionIntervalMs?: number;
  /** how long MemoryPressure stays after the pressure went (default 5 min) */
  evictionPressureTransitionMs?: number;
}

export interface RunningAgent {
  nodeName: string;
  podCIDR: string;
  node: NodeFacts;
  runtime: Runtime;
  cri: CriClient;
  kubelet: Kubelet;
  lookup: PodRuntimeLookup;
  /** stops the agent (not the pods) and the containerd it started */
  stop(): Promise<void>;
}

export { startAgentRuntime, type EarlyRuntime } from './runtime.js';

export async function startAgent(cfg: AgentConfig, signal?: AbortSignal, early: EarlyRuntime = startAgentRuntime(cfg)): Promise<RunningAgent> {
  const clock = cfg.clock ?? realClock;
  const dataDir = resolve(cfg.dataDir);
  const log = cfg.log;
  const nodeName = (cfg.nodeName ?? hostname()).toLowerCase();
  const thresholds = parseThresholds(cfg.evictionHard ?? DEFAULT_EVICTION_HARD); // bad flags fail before anything starts
  const runtimeAc = early.stop;
  const kubeletAc = new AbortController();
  setMaxListeners(0, kubeletAc.signal); // every loop and runtime call listens to it

  // 1. runtime
  const runtime = await early.runtime;
  const cri = runtime.client;
  const userAgent = `kubelite-agent/${nodeName}`;
  const client = new RestClient({ server: cfg.server, token: cfg.token, caPem: cfg.caPem, userAgent, transport: cfg.transport?.(userAgent) });
  let stopping: Promise<void> | undefined;
  let kubelet: Kubelet | undefined;
  let kubeletServer: { close(): Promise<void> } | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      kubeletAc.abort();
      await kubeletServer?.close();
      await kubelet?.workers.drain(10_000); // a sandbox or container being made is finished, not abandoned
      runtimeAc.abort();
      await runtime.done;
      client.close(); // last: requests of the loops that were in flight have ended
    })());
  // a stop asked for while containerd was starting is honoured now (an aborted signal fires no more events)
  if (signal?.aborted) {
    await stop();
    throw new Error('the node agent was stopped while it was starting');
  }
  signal?.addEventListener('abort', () => void stop(), { once: true });
  try {
    const v = await cri.version();
    // the kubelet's own HTTPS server (logs, exec, attach, port-forward); it answers only the API server
    const lookup = {
      findContainer: (ns: string, pod: string, c: string) => kubelet?.findContainerFresh(ns, pod, c),
    };
    const ks = await startKubeletServer({ lookup, runtime: cri, nodeName, clusterToken: cfg.token, port: cfg.kubeletPort ?? 10250, log: log.child({ component: 'kubelet-server' }) });
    kubeletServer = ks.server;
    const node = measureNode(nodeName, dataDir, `${v.runtimeName}://${v.runtimeVersion}`, ks.port);
    log.debug('registering the node');

    // 2. Node and Lease
    const reg = await registerNode(client, node, clock, cfg.podCIDR);
    log.debug({ podCIDR: reg.podCIDR }, 'node registered');
    let memoryPressure: MemoryPressure | undefined;
    void runNodeHeartbeat(client, node, reg, clock, log, kubeletAc.signal, 10_000, 60_000, () => memoryPressure);
    const eviction = {
      thresholds,
      intervalMs: cfg.evictionIntervalMs ?? 10_000,
      pressureTransitionMs: cfg.evictionPressureTransitionMs ?? 5 * 60_000,
      onPressure: async (on: boolean) => {
        if (memoryPressure?.on !== on) memoryPressure = { on, since: clock.nowRFC3339() };
        await reportMemoryPressure(client, node, reg, clock, memoryPressure);
      },
    };

    // 3. pod network
    const ipamDir = join(dataDir, 'agent', 'cni', 'ipam');
    mkdirSync(ipamDir, { recursive: true });
    const bridge = cfg.bridge ?? DEFAULT_BRIDGE;
    writeCniConfigs(runtime.paths, { podCIDR: reg.podCIDR, bridge, ipamDataDir: ipamDir });
    // pod egress NAT: one rule for the node's pod CIDR (pods run without it, unreachable from outside the node)
    const masquerade = ensurePodMasquerade({ podCIDR: reg.podCIDR, bridge }).catch((err: unknown) => log.warn({ err: (err as Error).message }, 'pod egress masquerade not installed'));
    // containerd reloads the conf dir on its change (tens of ms): asked every 10 ms, for 5 s at most
    for (let i = 0; i < 500 && !kubeletAc.signal.aborted; i++) {
      const conds = await cri.status();
      if (conds.find((c) => c.type === 'NetworkReady')?.status) break;
      await sleep(10, kubeletAc.signal);
    }
    log.debug('pod network ready');
    await masquerade;
    log.debug('pod egress masquerade installed');

    // 4. kubelet
    const podsDir = join(dataDir, 'agent', 'pods');
    mkdirSync(podsDir, { recursive: true });
    const manifestPath = resolve(cfg.podManifestPath ?? join(dataDir, 'agent', 'pod-manifests'));
    if (cfg.podManifestPath === undefined) mkdirSync(manifestPath, { recursive: true });
    const staticPods = { manifestPath, manifestUrl: cfg.manifestUrl, checkMs: cfg.manifestCheckMs };
    kubelet = new Kubelet(
      { client, cri, nodeName, nodeIP: node.ip, allocatable: allocatableOf(node), podsDir, cgroupRoot: cfg.cgroupRoot ?? 'kubelite', clock, log, probes: cfg.probes, plegPeriodMs: cfg.plegPeriodMs, resyncMs: cfg.resyncMs, staticPods, eviction, imagesImported: runtime.imported, hostPortRuntimeHandler: runtime.managed ? HOSTPORT_RUNTIME_HANDLER : undefined, maxParallelPodStarts: cfg.maxParallelPodStarts ?? defaultStartSlots(availableParallelism()) },
      kubeletAc.signal,
    );
    // the sandbox image, imported (first) while the Node registered: sandboxes can be made; the
    // kubelet's image checks wait for the other archives, still being imported on a cold start
    await runtime.sandboxImported;
    log.debug('sandbox image imported');
    await kubelet.start();
    await runtime.imported; // an archive that cannot be imported fails the start, as before the kubelet ran
    log.debug('images imported');
    startLocalPathCleaner(client, nodeName, log.child({ component: 'local-path' }), kubeletAc.signal);
    log.info({ node: nodeName, podCIDR: reg.podCIDR, runtime: node.runtimeVersion }, 'node agent ready');
    return { nodeName, podCIDR: reg.podCIDR, node, runtime, cri, kubelet, lookup: kubelet.lookup, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
