// Configuration of a simulated-node fleet (kwok-like): defaults, validation and the injected
// time source (a Clock that can also sleep, so tests can run the lease scheduler in virtual time).
import { quantityError } from '../api/quantity.js';
import type { RestConfig } from '../client/rest.js';
import { realClock, type Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

/** A clock that can also wait; sleep resolves early (without error) when the signal aborts. */
export interface SimClock extends Clock {
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const realSimClock: SimClock = {
  now: realClock.now,
  nowRFC3339: realClock.nowRFC3339,
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const onAbort = () => {
        clearTimeout(t);
        resolve();
      };
      const t = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, Math.max(0, ms));
      signal.addEventListener('abort', onAbort, { once: true });
    }),
};

export interface SimConfig {
  /** how to reach the API server (see loadKubeconfig) */
  rest: RestConfig;
  /** number of nodes */
  nodes: number;
  /** node names are prefix + index (default "sim-node-") */
  namePrefix?: string;
  /** capacity = allocatable (defaults 32, 256Gi, 110) */
  cpu?: string;
  memory?: string;
  pods?: string;
  /** lease renewal interval (default 10 s); renewals are spread over it */
  leaseIntervalMs?: number;
  /** spec.leaseDurationSeconds of each node's Lease (default 40) */
  leaseDurationSeconds?: number;
  /** how often the node status is re-posted even when unchanged (default 5 min, as the kubelet) */
  statusReportIntervalMs?: number;
  /** API writes in flight at once (default 32) */
  concurrency?: number;
  /** bring pods bound to our nodes to Running (default true); false: nodes and leases only */
  simulatePods?: boolean;
  /** delete the nodes (and their leases) on stop(); otherwise they just stop renewing */
  deleteNodesOnExit?: boolean;
  clock?: SimClock;
  log?: Logger;
}

export interface ResolvedSimConfig {
  rest: RestConfig;
  nodes: number;
  namePrefix: string;
  cpu: string;
  memory: string;
  pods: string;
  leaseIntervalMs: number;
  leaseDurationSeconds: number;
  statusReportIntervalMs: number;
  concurrency: number;
  deleteNodesOnExit: boolean;
  clock: SimClock;
}

export const SIM_DEFAULTS = {
  namePrefix: 'sim-node-',
  cpu: '32',
  memory: '256Gi',
  pods: '110',
  leaseIntervalMs: 10_000,
  leaseDurationSeconds: 40,
  statusReportIntervalMs: 5 * 60_000,
  concurrency: 32,
} as const;

/** Largest fleet: pod CIDRs are /24s counted up from 10.42.0.0 and must stay below 11.0.0.0. */
export const MAX_NODES = (256 - 42) * 256;

/** A configuration mistake the user must fix. */
export class SimConfigError extends Error {
  override readonly name = 'SimConfigError';
}

const DNS_LABEL_PREFIX = /^[a-z0-9]([-a-z0-9.]*)?$/;

export function resolveSimConfig(cfg: SimConfig): ResolvedSimConfig {
  const r: ResolvedSimConfig = {
    rest: cfg.rest,
    nodes: cfg.nodes,
    namePrefix: cfg.namePrefix ?? SIM_DEFAULTS.namePrefix,
    cpu: cfg.cpu ?? SIM_DEFAULTS.cpu,
    memory: cfg.memory ?? SIM_DEFAULTS.memory,
    pods: cfg.pods ?? SIM_DEFAULTS.pods,
    leaseIntervalMs: cfg.leaseIntervalMs ?? SIM_DEFAULTS.leaseIntervalMs,
    leaseDurationSeconds: cfg.leaseDurationSeconds ?? SIM_DEFAULTS.leaseDurationSeconds,
    statusReportIntervalMs: cfg.statusReportIntervalMs ?? SIM_DEFAULTS.statusReportIntervalMs,
    concurrency: cfg.concurrency ?? SIM_DEFAULTS.concurrency,
    deleteNodesOnExit: cfg.deleteNodesOnExit ?? false,
    clock: cfg.clock ?? realSimClock,
  };
  if (!Number.isInteger(r.nodes) || r.nodes < 1 || r.nodes > MAX_NODES) throw new SimConfigError(`nodes must be an integer from 1 to ${MAX_NODES}, got ${cfg.nodes}`);
  if (!DNS_LABEL_PREFIX.test(r.namePrefix) || r.namePrefix.length > 240) throw new SimConfigError(`name prefix "${r.namePrefix}" must be lower-case letters, digits, '-' or '.', starting with a letter or digit`);
  for (const [k, v] of [['cpu', r.cpu], ['memory', r.memory], ['pods', r.pods]] as const) {
    const err = quantityError(v);
    if (err) throw new SimConfigError(`${k} "${v}" is not a quantity: ${err}`);
  }
  if (!(r.leaseIntervalMs > 0)) throw new SimConfigError(`lease interval must be positive, got ${r.leaseIntervalMs} ms`);
  if (!Number.isInteger(r.leaseDurationSeconds) || r.leaseDurationSeconds < 1) throw new SimConfigError(`lease duration must be a positive number of seconds, got ${r.leaseDurationSeconds}`);
  if (!(r.statusReportIntervalMs > 0)) throw new SimConfigError(`status report interval must be positive, got ${r.statusReportIntervalMs} ms`);
  if (!Number.isInteger(r.concurrency) || r.concurrency < 1) throw new SimConfigError(`concurrency must be a positive integer, got ${r.concurrency}`);
  return r;
}

/** Name of node i. */
export function nodeName(prefix: string, i: number): string {
  return `${prefix}${i}`;
}
