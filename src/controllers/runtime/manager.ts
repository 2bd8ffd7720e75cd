// The controller manager: one set of shared informers, every controller on it, optionally
// behind leader election (Lease kube-system/kubelite-controller-manager), all stopped by one
// signal. What kube-controller-manager is, in-process.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { RestClient } from '../../client/rest.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { Controller, ControllerContext, ControllerSettings } from './controller.js';
import { SharedInformers } from './informers.js';
import { LeaderElector } from './leader.js';

const STOP_GRACE_MS = 5000;

export const LEADER_LEASE = { namespace: 'kube-system', name: 'kubelite-controller-manager' } as const;

export interface ControllerManagerOptions {
  client: RestClient;
  clock: Clock;
  log: Logger;
  /** compete for the Lease before running (default true) */
  leaderElection?: boolean;
  identity?: string;
  leaseDurationSeconds?: number;
  renewMs?: number;
  /** per-controller tunables, handed to every controller */
  settings?: ControllerSettings;
}

export type ControllerFactory = (ctx: ControllerContext) => Controller;

export interface ControllerManager {
  readonly controllers: ReadonlyMap<string, Controller>;
  /** resolves once this instance leads and the caches are synced */
  readonly ready: Promise<void>;
  /** stop the controllers and release the lease */
  stop(): Promise<void>;
}

/** Run the given controllers until signal aborts (or stop()). */
export function runControllerManager(o: ControllerManagerOptions, factories: readonly ControllerFactory[], signal: AbortSignal): ControllerManager {
  const log = o.log;
  const ac = new AbortController();
  setMaxListeners(0, ac.signal);
  signal.addEventListener('abort', () => ac.abort(), { once: true });
  const controllers = new Map<string, Controller>();
  let resolveReady!: () => void;
  const ready = new Promise<void>((r) => (resolveReady = r));
  const runs: Promise<unknown>[] = [];

  const lead = (leading: AbortSignal): void => {
    setMaxListeners(0, leading); // one listener per informer watch and controller
    const informers = new SharedInformers(o.client, log);
    const ctx: ControllerContext = { client: o.client, clock: o.clock, log, informers, settings: o.settings };
    for (const f of factories) {
      const c = f(ctx);
      controllers.set(c.name, c);
    }
    informers.start(leading);
    for (const c of controllers.values()) runs.push(c.run(leading));
    void informers.waitForSync().then(resolveReady);
  };

  let elector: LeaderElector | undefined;
  if (o.leaderElection === false) lead(ac.signal);
  else {
    elector = new LeaderElector({
      client: o.client,
      clock: o.clock,
      log,
      ...LEADER_LEASE,
      identity: o.identity ?? `${hostname()}_${randomUUID()}`,
      leaseDurationSeconds: o.leaseDurationSeconds ?? 15,
      renewMs: o.renewMs ?? 2000,
    });
    runs.push(elector.run(ac.signal, lead).catch((err: unknown) => log.error({ err }, 'leader election failed')));
  }

  return {
    controllers,
    ready,
    stop: async () => {
      ac.abort();
      // workers finish the reconcile in hand; never wait on one for long
      await bounded(Promise.allSettled(runs), STOP_GRACE_MS);
      if (elector) await bounded(elector.release(), STOP_GRACE_MS);
    },
  };
}

/** Wait for p, but at most ms. */
async function bounded(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}
