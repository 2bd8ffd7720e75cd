// `kubelite scheduler`: the default scheduler as its own process, talking to an API server
// through a kubeconfig like any other client (as kube-scheduler does).
import { setMaxListeners } from 'node:events';
import { parseArgs } from 'node:util';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { loadKubeconfig, KubeconfigError } from '../client/kubeconfig.js';
import { RestClient } from '../client/rest.js';
import { startScheduler } from '../scheduler/index.js';
import { DEFAULT_BIND_CONCURRENCY } from '../scheduler/scheduler.js';
import { realClock } from '../util/clock.js';
import { createLogger } from '../util/logger.js';

export const SCHEDULER_USAGE = `Usage: kubelite scheduler [flags]

Runs the default scheduler against an existing cluster (for a server started with
--disable-scheduler). Prints one line once its caches are synced.

Scheduler flags:
  --kubeconfig FILE           cluster to join (default $KUBECONFIG, then ~/.kube/config)
  --scheduler-name NAME       schedule pods with this spec.schedulerName (default default-scheduler)
  --bind-concurrency N        bindings in flight at once (default 256)
  --log-level LEVEL           trace, debug, info, warn, error (default info)
`;

export async function runScheduler(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(SCHEDULER_USAGE);
    return;
  }
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        kubeconfig: { type: 'string' },
        'scheduler-name': { type: 'string' },
        'bind-concurrency': { type: 'string' },
        'log-level': { type: 'string', default: 'info' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    process.stderr.write(`kubelite scheduler: ${(err as Error).message}\n\n${SCHEDULER_USAGE}`);
    process.exit(2);
  }
  const bindConcurrency = Number(values['bind-concurrency'] ?? DEFAULT_BIND_CONCURRENCY);
  if (!Number.isInteger(bindConcurrency) || bindConcurrency < 1) {
    process.stderr.write(`kubelite scheduler: --bind-concurrency must be a positive integer, got "${values['bind-concurrency']}"\n`);
    process.exit(2);
  }
  const path = values.kubeconfig ?? (process.env.KUBECONFIG ? process.env.KUBECONFIG.split(':')[0]! : join(homedir(), '.kube', 'config'));
  const log = createLogger({ level: values['log-level'], name: 'kubelite-scheduler' });
  let client: RestClient;
  try {
    // room for the bindings, the events (16) and the informers' watches (7)
    client = new RestClient({ ...loadKubeconfig(path), userAgent: 'kubelite-scheduler', maxSockets: bindConcurrency + 32 });
  } catch (err) {
    process.stderr.write(`kubelite scheduler: ${(err as Error).message}\n`);
    process.exit(err instanceof KubeconfigError ? 1 : 2);
  }
  const ac = new AbortController();
  setMaxListeners(0, ac.signal); // every informer and loop of the scheduler listens to it
  const t0 = Date.now();
  const shutdown = (sig: string) => {
    log.info({ signal: sig }, 'scheduler: stopping');
    ac.abort();
    client.close();
    process.exit(0);
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  try {
    await startScheduler({ client, clock: realClock, log, schedulerName: values['scheduler-name'], bindConcurrency }, ac.signal);
  } catch (err) {
    process.stderr.write(`kubelite scheduler: ${(err as Error).message}\n`);
    process.exit(1);
  }
  process.stdout.write(`kubelite scheduler: caches synced in ${((Date.now() - t0) / 1000).toFixed(2)}s; scheduling\n`);
}
