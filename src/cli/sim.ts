// `kubelite sim`: flag parsing and the run function for a fleet of simulated nodes.
import { parseArgs } from 'node:util';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { loadKubeconfig, KubeconfigError } from '../client/kubeconfig.js';
import { startSim, SimConfigError, SIM_DEFAULTS, type SimConfig } from '../sim/index.js';
import { createLogger } from '../util/logger.js';
import { parseDurationMs } from '../util/duration.js';

export { parseDurationMs };

export const SIM_USAGE = `Usage: kubelite sim --nodes N [flags]

Registers N simulated nodes (kwok-like): Ready nodes with leases kept fresh; pods bound to
them become Running and Ready with an IP, and deleted pods are removed, without containers.
SIGTERM/SIGINT stop the leases (the nodes look failed) unless --delete-nodes-on-exit.

Sim flags:
  --nodes N                   number of nodes (required)
  --name-prefix PREFIX        node names are PREFIX0, PREFIX1, ... (default ${SIM_DEFAULTS.namePrefix})
  --cpu C                     cpu capacity per node (default ${SIM_DEFAULTS.cpu})
  --memory M                  memory capacity per node (default ${SIM_DEFAULTS.memory})
  --pods P                    pod capacity per node (default ${SIM_DEFAULTS.pods})
  --lease-interval D          lease renewal interval, e.g. 10s, 500ms (default 10s)
  --lease-duration SECONDS    leaseDurationSeconds of each Lease (default ${SIM_DEFAULTS.leaseDurationSeconds})
  --concurrency N             API writes in flight at once (default ${SIM_DEFAULTS.concurrency})
  --delete-nodes-on-exit      delete the nodes and their leases on SIGTERM/SIGINT
  --kubeconfig FILE           cluster to join (default $KUBECONFIG, then ~/.kube/config)
  --log-level LEVEL           trace, debug, info, warn, error (default warn)
`;

/** Parses a duration: 500ms, 10s, 1m, 1.5s, or a bare number of seconds. */
function positiveInt(flag: string, s: string | undefined): number | string {
  if (s === undefined) return `--${flag} is required`;
  const n = Number(s);
  return Number.isInteger(n) && n > 0 ? n : `--${flag} must be a positive integer, got "${s}"`;
}

export type ParsedSimArgs = { ok: true; cfg: Omit<SimConfig, 'rest' | 'log'>; kubeconfig: string; logLevel: string } | { ok: false; error: string };

export function parseSimArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): ParsedSimArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        nodes: { type: 'string' },
        'name-prefix': { type: 'string' },
        cpu: { type: 'string' },
        memory: { type: 'string' },
        pods: { type: 'string' },
        'lease-interval': { type: 'string' },
        'lease-duration': { type: 'string' },
        concurrency: { type: 'string' },
        'delete-nodes-on-exit': { type: 'boolean', default: false },
        kubeconfig: { type: 'string' },
        'log-level': { type: 'string', default: 'warn' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
  const nodes = positiveInt('nodes', values.nodes);
  if (typeof nodes === 'string') return { ok: false, error: nodes };
  const cfg: Omit<SimConfig, 'rest' | 'log'> = { nodes, namePrefix: values['name-prefix'], cpu: values.cpu, memory: values.memory, pods: values.pods, deleteNodesOnExit: values['delete-nodes-on-exit'] };
  if (values['lease-interval'] !== undefined) {
    const ms = parseDurationMs(values['lease-interval']);
    if (ms === undefined) return { ok: false, error: `--lease-interval must be a duration like 10s or 500ms, got "${values['lease-interval']}"` };
    cfg.leaseIntervalMs = ms;
  }
  if (values['lease-duration'] !== undefined) {
    const n = positiveInt('lease-duration', values['lease-duration']);
    if (typeof n === 'string') return { ok: false, error: n };
    cfg.leaseDurationSeconds = n;
  }
  if (values.concurrency !== undefined) {
    const n = positiveInt('concurrency', values.concurrency);
    if (typeof n === 'string') return { ok: false, error: n };
    cfg.concurrency = n;
  }
  const kubeconfig = values.kubeconfig ?? (env.KUBECONFIG ? env.KUBECONFIG.split(':')[0]! : join(homedir(), '.kube', 'config'));
  return { ok: true, cfg, kubeconfig, logLevel: values['log-level']! };
}

export async function runSim(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(SIM_USAGE);
    return;
  }
  const parsed = parseSimArgs(argv);
  if (!parsed.ok) {
    process.stderr.write(`kubelite sim: ${parsed.error}\n\n${SIM_USAGE}`);
    process.exit(2);
  }
  const log = createLogger({ level: parsed.logLevel, name: 'kubelite-sim' });
  const ac = new AbortController();
  let sim;
  const t0 = Date.now();
  const early = () => ac.abort();
  process.once('SIGINT', early);
  process.once('SIGTERM', early);
  try {
    const rest = loadKubeconfig(parsed.kubeconfig);
    sim = await startSim({ ...parsed.cfg, rest, log }, ac.signal);
  } catch (err) {
    if (err instanceof KubeconfigError || err instanceof SimConfigError) {
      process.stderr.write(`kubelite sim: ${err.message}\n`);
      process.exit(err instanceof SimConfigError ? 2 : 1);
    }
    process.stderr.write(`kubelite sim: ${(err as Error).message}\n`);
    process.exit(1);
  }
  process.off('SIGINT', early);
  process.off('SIGTERM', early);
  const names = sim.nodeNames;
  const secs = ((Date.now() - t0) / 1000).toFixed(2);
  process.stdout.write(`kubelite sim: ${names.length} nodes (${names[0]} .. ${names[names.length - 1]}) registered and Ready in ${secs}s\n`);
  const running = sim;
  const shutdown = (sig: string) => {
    log.info({ signal: sig }, 'sim: stopping');
    void running.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}
