// `kubelite` command line: flag parsing only; the work happens in src/server.
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { createLogger } from '../util/logger.js';
import { parseDurationMs } from '../util/duration.js';
// Each command loads only its own code (dynamic imports below): `kubelite agent` must not carry
// the API server in memory, and `kubelite version` should not compile it.

const USAGE = `kubelite - a small Kubernetes-compatible orchestrator

Usage:
  kubelite server [flags]     run the control plane (API server + store)
  kubelite sim --nodes N      simulated nodes (kwok-like) for an existing cluster; see kubelite sim --help
  kubelite scheduler          the default scheduler as its own process; see kubelite scheduler --help
  kubelite images import FILE import image archives into the node's containerd; see kubelite images --help
  kubelite agent --server URL --token T   only the node agent, joining a server; see kubelite agent --help
  kubelite version            print the version

Server flags:
  --data-dir DIR              state, certificates and kubeconfig (default /var/lib/kubelite)
  --https-listen-port PORT    HTTPS port of the API server (default 6443; 0 picks a free one)
  --bind-address ADDR         address to listen on (default 0.0.0.0)
  --disable-agent             do not run a node agent in this process
  --disable-scheduler         do not run the scheduler in this process
  --disable-controllers       do not run the controller manager in this process
  --single-thread             run the scheduler, controllers and node agent on the API server's
                              thread (default: worker threads of their own, on another core)
  --write-kubeconfig FILE     where to write the admin kubeconfig (default DIR/kubeconfig.yaml)
  --log-level LEVEL           trace, debug, info, warn, error (default info)
  --pod-manifest-path PATH    static pod manifests of this node (default DIR/agent/pod-manifests)
  --insecure-registry HOST[:PORT]  pull from this registry over plain HTTP (repeatable; loopback always is)
  --manifest-url URL          also run the static pods this URL serves (a Pod or a PodList)
  --runtime-cgroups NAME      the cpu cgroup of the containerd kubelite starts, its shims, runc and
                              CNI plugins, weighted as one thread (default kubelite-runtime; '' off)
  --eviction-hard LIST        hard eviction thresholds (default memory.available<100Mi; percentages too)
  --max-parallel-pod-starts N pods whose sandbox and containers the runtime starts at once, the
                              oldest first (default: CPUs + 1; 0: no limit)
  --node-monitor-grace-period D   a node whose kubelet is silent this long becomes Unknown (default 40s)
  --node-monitor-period D         how often node health is checked (default 5s)
  --terminated-pod-gc-threshold N terminated pods kept before the oldest are deleted (default 12500; 0 disables)
  --default-not-ready-toleration-seconds N    toleration added to pods for not-ready:NoExecute (default 300)
  --default-unreachable-toleration-seconds N  toleration added to pods for unreachable:NoExecute (default 300)
`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export async function main(argv: string[]): Promise<void> {
  const cmd = argv[0];
  if (!cmd || cmd === 'help' || cmd === '--help' || cmd === '-h') {
    process.stdout.write(USAGE);
    return;
  }
  if (cmd === 'version' || cmd === '--version') {
    process.stdout.write(`kubelite v${version()} (Kubernetes API v1.32)\n`);
    return;
  }
  if (cmd === 'sim') {
    await (await import('./sim.js')).runSim(argv.slice(1));
    return;
  }
  if (cmd === 'scheduler') {
    await (await import('./scheduler.js')).runScheduler(argv.slice(1));
    return;
  }
  if (cmd === 'images') return (await import('./images.js')).runImages(argv.slice(1));
  if (cmd === 'agent') return (await import('./agent.js')).runAgent(argv.slice(1));
  if (cmd !== 'server') {
    process.stderr.write(`kubelite: unknown command "${cmd}"\n\n${USAGE}`);
    process.exit(2);
  }
  let values;
  try {
    ({ values } = parseArgs({
      args: argv.slice(1),
      options: {
        'data-dir': { type: 'string', default: '/var/lib/kubelite' },
        'https-listen-port': { type: 'string', default: '6443' },
        'bind-address': { type: 'string', default: '0.0.0.0' },
        'disable-agent': { type: 'boolean', default: false },
        'disable-scheduler': { type: 'boolean', default: false },
        'disable-controllers': { type: 'boolean', default: false },
        'single-thread': { type: 'boolean', default: false },
        'write-kubeconfig': { type: 'string' },
        'log-level': { type: 'string', default: 'info' },
        'pod-manifest-path': { type: 'string' },
        'insecure-registry': { type: 'string', multiple: true },
        'manifest-url': { type: 'string' },
        'runtime-cgroups': { type: 'string' },
        'eviction-hard': { type: 'string' },
        'max-parallel-pod-starts': { type: 'string' },
        'node-monitor-grace-period': { type: 'string', default: '40s' },
        'node-monitor-period': { type: 'string', default: '5s' },
        'terminated-pod-gc-threshold': { type: 'string', default: '12500' },
        'default-not-ready-toleration-seconds': { type: 'string', default: '300' },
        'default-unreachable-toleration-seconds': { type: 'string', default: '300' },
      },
      strict: true,
    }));
    if (values['eviction-hard'] !== undefined) (await import('../kubelet/eviction/thresholds.js')).parseThresholds(values['eviction-hard']);
    if (values['runtime-cgroups']) (await import('../cri/runtimecgroup.js')).checkRuntimeCgroupName(values['runtime-cgroups']);
  } catch (err) {
    process.stderr.write(`kubelite server: ${(err as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  const port = Number(values['https-listen-port']);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`kubelite server: --https-listen-port must be a port number, got "${values['https-listen-port']}"\n`);
    process.exit(2);
  }
  const duration = (flag: 'node-monitor-grace-period' | 'node-monitor-period'): number => {
    const ms = parseDurationMs(values[flag]!);
    if (ms === undefined) flagError(`--${flag} must be a duration such as 40s or 500ms, got "${values[flag]}"`);
    return ms!;
  };
  const count = (flag: 'terminated-pod-gc-threshold' | 'default-not-ready-toleration-seconds' | 'default-unreachable-toleration-seconds' | 'max-parallel-pod-starts'): number => {
    const n = Number(values[flag]);
    if (!Number.isInteger(n) || n < 0) flagError(`--${flag} must be a whole number of 0 or more, got "${values[flag]}"`);
    return n;
  };
  const controllerSettings = { nodeMonitorGracePeriodMs: duration('node-monitor-grace-period'), nodeMonitorPeriodMs: duration('node-monitor-period'), terminatedPodGCThreshold: count('terminated-pod-gc-threshold') };
  const defaultTolerationSeconds = { notReady: count('default-not-ready-toleration-seconds'), unreachable: count('default-unreachable-toleration-seconds') };
  const log = createLogger({ level: values['log-level'] });
  const { startServer, StartupError } = await import('../server/server.js');
  const ac = new AbortController();
  try {
    const s = await startServer(
      {
        dataDir: values['data-dir']!,
        httpsPort: port,
        bindAddress: values['bind-address']!,
        disableAgent: values['disable-agent']!,
        disableScheduler: values['disable-scheduler']!,
        disableControllers: values['disable-controllers']!,
        componentsThread: !values['single-thread'],
        kubeconfigPath: values['write-kubeconfig'],
        controllerSettings,
        defaultTolerationSeconds,
        log,
        agentOptions: { podManifestPath: values['pod-manifest-path'], manifestUrl: values['manifest-url'], evictionHard: values['eviction-hard'], insecureRegistries: values['insecure-registry'], maxParallelPodStarts: values['max-parallel-pod-starts'] === undefined ? undefined : count('max-parallel-pod-starts'), runtimeCgroup: values['runtime-cgroups'] },
      },
      ac.signal,
    );
    process.stdout.write(`kubelite API server listening on ${s.url}\nkubeconfig written to ${s.kubeconfigPath}\n  export KUBECONFIG=${s.kubeconfigPath}\n`);
    const shutdown = (sig: string) => {
      log.info({ signal: sig }, 'shutting down');
      void s.stop().then(() => process.exit(0));
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
  } catch (err) {
    if (err instanceof StartupError) {
      process.stderr.write(`kubelite server: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

function flagError(message: string): never {
  process.stderr.write(`kubelite server: ${message}\n`);
  process.exit(2);
}
