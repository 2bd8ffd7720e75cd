// `kubelite agent --server URL --token T`: only the node agent (the kubelet), joining a server.
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { parseThresholds } from '../kubelet/eviction/thresholds.js';
import { checkRuntimeCgroupName } from '../cri/runtimecgroup.js';
import { startAgentRuntime } from '../server/runtime.js';
import { createLogger } from '../util/logger.js';

export const AGENT_USAGE = `Usage: kubelite agent --server URL --token TOKEN [flags]

Runs the node agent (kubelet) of this machine and joins the cluster at URL: registers the
Node, runs the pods the scheduler binds to it as containers through containerd.

Agent flags:
  --server URL                        the API server, https://host:port (required)
  --token TOKEN                       bearer token for the API server (required; or KUBELITE_TOKEN)
  --ca-file FILE                      CA certificate of the API server (default DIR/server/tls/ca.crt)
  --data-dir DIR                      agent state, containerd and pod dirs (default /var/lib/kubelite)
  --node-name NAME                    the Node's name (default the hostname)
  --container-runtime-endpoint SOCK   use this CRI socket instead of starting containerd
  --insecure-registry HOST[:PORT]     pull from this registry over plain HTTP (repeatable;
                                      loopback registries always are)
  --runtime-cgroups NAME              the cpu cgroup of the containerd kubelite starts, its shims, runc
                                      and CNI plugins, weighted as one thread (default kubelite-runtime;
                                      '' leaves them in the agent's)
  --log-level LEVEL                   trace, debug, info, warn, error (default info)
  --pod-manifest-path PATH            static pod manifests, a directory or a file (default DIR/agent/pod-manifests)
  --manifest-url URL                  also run the static pods this URL serves (a Pod or a PodList)
  --eviction-hard LIST                hard eviction thresholds (default memory.available<100Mi; percentages too)
  --max-parallel-pod-starts N         pods whose sandbox and containers the runtime starts at once,
                                      the oldest first (default: CPUs + 1; 0: no limit)
`;

export async function runAgent(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(AGENT_USAGE);
    return;
  }
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        server: { type: 'string' },
        token: { type: 'string' },
        'ca-file': { type: 'string' },
        'data-dir': { type: 'string', default: '/var/lib/kubelite' },
        'node-name': { type: 'string' },
        'container-runtime-endpoint': { type: 'string' },
        'insecure-registry': { type: 'string', multiple: true },
        'runtime-cgroups': { type: 'string' },
        'log-level': { type: 'string', default: 'info' },
        'pod-manifest-path': { type: 'string' },
        'manifest-url': { type: 'string' },
        'eviction-hard': { type: 'string' },
        'max-parallel-pod-starts': { type: 'string' },
      },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`kubelite agent: ${(err as Error).message}\n\n${AGENT_USAGE}`);
    process.exit(2);
  }
  try {
    if (values['eviction-hard'] !== undefined) parseThresholds(values['eviction-hard']);
  } catch (err) {
    process.stderr.write(`kubelite agent: --eviction-hard: ${(err as Error).message}\n`);
    process.exit(2);
  }
  try {
    if (values['runtime-cgroups']) checkRuntimeCgroupName(values['runtime-cgroups']);
  } catch (err) {
    process.stderr.write(`kubelite agent: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const starts = values['max-parallel-pod-starts'];
  const maxParallelPodStarts = starts === undefined ? undefined : Number(starts);
  if (maxParallelPodStarts !== undefined && (!/^\d+$/.test(starts!) || !Number.isSafeInteger(maxParallelPodStarts))) {
    process.stderr.write(`kubelite agent: --max-parallel-pod-starts must be a whole number of 0 or more, got "${starts}"\n`);
    process.exit(2);
  }
  const token = values.token ?? process.env.KUBELITE_TOKEN;
  if (!values.server || !token) {
    process.stderr.write(`kubelite agent: --server and --token are required\n\n${AGENT_USAGE}`);
    process.exit(2);
  }
  const dataDir = values['data-dir']!;
  const caFile = values['ca-file'] ?? `${dataDir}/server/tls/ca.crt`;
  let caPem: string;
  try {
    caPem = readFileSync(caFile, 'utf8');
  } catch (err) {
    process.stderr.write(`kubelite agent: cannot read the CA file ${caFile} (--ca-file): ${(err as Error).message}\n`);
    process.exit(1);
  }
  const log = createLogger({ level: values['log-level'], name: 'kubelite-agent' });
  const ac = new AbortController();
  try {
    const early = startAgentRuntime({ dataDir, log, runtimeEndpoint: values['container-runtime-endpoint'], insecureRegistries: values['insecure-registry'], runtimeCgroup: values['runtime-cgroups'] });
    // the kubelet's code is loaded while containerd boots
    const { startAgent } = await import('../server/agent.js');
    const a = await startAgent({ server: values.server, token, caPem, dataDir, log, nodeName: values['node-name'], runtimeEndpoint: values['container-runtime-endpoint'], insecureRegistries: values['insecure-registry'], runtimeCgroup: values['runtime-cgroups'], podManifestPath: values['pod-manifest-path'], manifestUrl: values['manifest-url'], evictionHard: values['eviction-hard'], maxParallelPodStarts }, ac.signal, early);
    process.stdout.write(`kubelite agent: node ${a.nodeName} registered (pod CIDR ${a.podCIDR}, ${a.node.runtimeVersion})\n`);
    const shutdown = (sig: string) => {
      log.info({ signal: sig }, 'agent: stopping (pods keep running)');
      void a.stop().then(() => process.exit(0));
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
  } catch (err) {
    process.stderr.write(`kubelite agent: ${(err as Error).message}\n`);
    process.exit(1);
  }
}
