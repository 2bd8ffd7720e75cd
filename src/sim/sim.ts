// startSim: a fleet of simulated nodes (kwok-like) in one process. Boot sequence:
//   1. register every node (bounded writes), each with a Ready status, then its Lease
//   2. start the pod informer and workers (pods bound to our nodes run; deletions complete)
//   3. start the one renewal ring: leases every interval, a status report now and then
// Stopping (or aborting the signal) just stops everything, as a node failure looks to the
// control plane; with deleteNodesOnExit the nodes and leases are deleted too.
import { ApiError } from '../api/errors.js';
import { RestClient } from '../client/rest.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { resolveSimConfig, nodeName, type ResolvedSimConfig, type SimConfig } from './config.js';
import { Limiter } from './limiter.js';
import { RenewalRing } from './leases.js';
import { createLease, deleteNode, newSimNode, registerNode, renewLease, reportNodeStatus, type SimNode } from './nodes.js';
import { SimPods } from './pods.js';
import { PipelinedClient, pipelineJson, type JsonClient } from '../scheduler/pipeline.js';

export interface SimStats {
  nodes: number;
  registered: number;
  stoppedNodes: number;
  /** wall time from start to all nodes registered and Ready, in ms */
  registrationMs: number;
  leaseRenewals: number;
  leaseErrors: number;
  leaseSkipped: number;
  leaseMaxLagMs: number;
  statusReports: number;
  podsRunning: number;
  podsStarted: number;
  podsDeleted: number;
  podErrors: number;
  writesInFlight: number;
}

export interface RunningSim {
  nodeNames: string[];
  /** Simulate one node failing: its lease stops being renewed and its pods are left alone. */
  stopNode(name: string): void;
  /** Stop everything (and delete the nodes when configured). Idempotent. */
  stop(): Promise<void>;
  stats(): SimStats;
}

async function retry<T>(what: string, fn: () => Promise<T>, cfg: ResolvedSimConfig, signal: AbortSignal, log: Logger): Promise<T> {
  let delay = 100;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (signal.aborted) throw err;
      // the request itself is wrong (bad quantity, no permission): retrying will not help
      if (err instanceof ApiError && [400, 401, 403, 422].includes(err.code)) throw err;
      log.warn({ err: (err as Error).message, what }, 'sim: API call failed; retrying');
      await cfg.clock.sleep(delay, signal);
      if (signal.aborted) throw err;
      delay = Math.min(delay * 2, 5000);
    }
  }
}

export async function startSim(config: SimConfig, signal: AbortSignal): Promise<RunningSim> {
  const cfg = resolveSimConfig(config);
  const log = config.log ?? silentLogger();
  const client = new RestClient({ ...cfg.rest, userAgent: cfg.rest.userAgent ?? 'kubelite-sim' });
  const ac = new AbortController();
  const inner = ac.signal;
  const writes = new Limiter(cfg.concurrency);
  // Lease renewals and status reports (the steady load of thousands of nodes) go pipelined
  // on a few connections, up to 16 requests deep: a fraction of the client CPU of one
  // https.request each; the server reads many per read and answers many per write. Nothing
  // reads their answers' bodies.
  const tls = client.tlsTarget();
  const pipe = tls ? new PipelinedClient(tls, Math.max(1, Math.ceil(cfg.concurrency / 16)), 16) : undefined;
  const heartbeats: JsonClient = pipe ? { json: <T>(method: string, path: string, body?: unknown, contentType?: string) => pipelineJson<T>(pipe, method, path, body, contentType, false) } : client;
  const nodes: SimNode[] = Array.from({ length: cfg.nodes }, (_, i) => newSimNode(nodeName(cfg.namePrefix, i), i));
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const pods = new SimPods(client, byName, cfg.clock, cfg.concurrency, log);
  let registered = 0;
  let statusReports = 0;
  let registrationMs = 0;

  const ring = new RenewalRing(
    nodes,
    cfg.leaseIntervalMs,
    cfg.clock,
    writes,
    async (n) => {
      await renewLease(heartbeats, cfg, n);
      if (cfg.clock.now() - n.lastStatusReportMs >= cfg.statusReportIntervalMs) {
        await reportNodeStatus(heartbeats, cfg, n);
        statusReports++;
      }
    },
    (n, err) => log.warn({ node: n.name, err: (err as Error).message }, 'sim: lease renewal failed'),
  );

  let stopping: Promise<void> | undefined;
  const loops: Promise<unknown>[] = [];
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      ac.abort();
      await Promise.allSettled(loops);
      await writes.idle();
      if (cfg.deleteNodesOnExit) {
        const results = await Promise.allSettled(nodes.filter((n) => n.uid).map((n) => writes.run(() => deleteNode(client, n))));
        const failed = results.filter((r) => r.status === 'rejected').length;
        if (failed > 0) log.warn({ failed }, 'sim: some nodes could not be deleted');
      }
      pipe?.close();
      client.close();
    })();
    return stopping;
  };
  const onOuterAbort = () => void stop();
  if (signal.aborted) ac.abort();
  else signal.addEventListener('abort', onOuterAbort, { once: true });

  // 1. nodes and leases
  const t0 = cfg.clock.now();
  try {
    await Promise.all(
      nodes.map((n) =>
        writes.run(async () => {
          const adopted = await retry(`register node ${n.name}`, () => registerNode(client, cfg, n), cfg, inner, log);
          // a node that existed most likely has its lease too: renew first, create if missing
          await retry(`lease ${n.name}`, () => (adopted ? renewLease(client, cfg, n) : createLease(client, cfg, n)), cfg, inner, log);
          registered++;
        }),
      ),
    );
  } catch (err) {
    await stop();
    signal.removeEventListener('abort', onOuterAbort);
    throw inner.aborted ? new Error(`sim stopped before all nodes registered (${registered}/${nodes.length})`) : err;
  }
  registrationMs = cfg.clock.now() - t0;
  log.info({ nodes: nodes.length, ms: registrationMs }, 'sim: nodes registered');

  // 2. pods, 3. leases
  let podsSynced!: () => void;
  const synced = new Promise<void>((r) => (podsSynced = r));
  if (config.simulatePods === false) podsSynced(); // nodes and leases only (benchmarks)
  else loops.push(pods.run(inner, podsSynced));
  loops.push(ring.run(inner));
  await Promise.race([synced, new Promise<void>((r) => inner.addEventListener('abort', () => r(), { once: true }))]);
  if (inner.aborted) {
    await stop();
    throw new Error('sim stopped before the pod informer synced');
  }

  return {
    nodeNames: nodes.map((n) => n.name),
    stopNode(name: string): void {
      const n = byName.get(name);
      if (!n) throw new Error(`no simulated node named "${name}"`);
      n.stopped = true;
    },
    stop,
    stats(): SimStats {
      return {
        nodes: nodes.length,
        registered,
        stoppedNodes: nodes.filter((n) => n.stopped).length,
        registrationMs,
        leaseRenewals: ring.stats.ticks,
        leaseErrors: ring.stats.errors,
        leaseSkipped: ring.stats.skipped,
        leaseMaxLagMs: Math.round(ring.stats.maxLagMs),
        statusReports,
        podsRunning: pods.runningCount(),
        podsStarted: pods.stats.started,
        podsDeleted: pods.stats.deleted,
        podErrors: pods.stats.errors,
        writesInFlight: writes.inFlight,
      };
    },
  };
}
