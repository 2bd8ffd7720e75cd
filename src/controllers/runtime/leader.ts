// Leader election through a coordination.k8s.io Lease (client-go leaderelection, LeaseLock):
// acquire when the lease is free, ours, or not renewed for leaseDurationSeconds as observed
// locally; renew every renewMs; lose leadership when renewals fail for renewDeadlineMs;
// release on shutdown so a successor need not wait for expiry.
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import type { RestClient } from '../../client/rest.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { sleep } from './objects.js';

export interface LeaderElectionConfig {
  client: RestClient;
  clock: Clock;
  log: Logger;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds?: number;
  renewMs?: number;
  renewDeadlineMs?: number;
  retryMs?: number;
}

/** MicroTime as the API spells it: RFC 3339 with microseconds. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class LeaderElector {
  private observedRecord = '';
  private observedAt = 0;
  private lease: KubeObject | undefined;

  constructor(private readonly cfg: LeaderElectionConfig) {}

  private get path(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${this.cfg.namespace}/leases/${this.cfg.name}`;
  }

  private get duration(): number {
    return this.cfg.leaseDurationSeconds ?? 15;
  }

  /**
   * Block until leadership is acquired, then call lead(signal) and keep renewing; the signal
   * given to lead aborts when leadership is lost or the outer signal aborts.
   */
  async run(signal: AbortSignal, lead: (leading: AbortSignal) => void): Promise<void> {
    const retry = this.cfg.retryMs ?? this.cfg.renewMs ?? 2000;
    while (!signal.aborted) {
      if (await this.tryAcquireOrRenew()) break;
      await sleep(retry, signal);
    }
    if (signal.aborted) return;
    this.cfg.log.info({ identity: this.cfg.identity, lease: `${this.cfg.namespace}/${this.cfg.name}` }, 'became leader');
    const leading = new AbortController();
    lead(leading.signal);
    let lastRenew = this.cfg.clock.now();
    while (!signal.aborted) {
      await sleep(this.cfg.renewMs ?? 2000, signal);
      if (signal.aborted) break;
      if (await this.tryAcquireOrRenew().catch(() => false)) {
        lastRenew = this.cfg.clock.now();
        continue;
      }
      if (this.cfg.clock.now() - lastRenew > (this.cfg.renewDeadlineMs ?? 10_000)) {
        this.cfg.log.error({ identity: this.cfg.identity }, 'leader election lost');
        leading.abort();
        return;
      }
    }
    leading.abort();
  }

  /** Give the lease up (best effort), so the next leader does not wait for it to expire. */
  async release(): Promise<void> {
    const l = this.lease;
    if (!l || l.spec?.holderIdentity !== this.cfg.identity) return;
    try {
      await this.cfg.client.json('PUT', this.path, { ...l, spec: { ...l.spec, holderIdentity: null, leaseDurationSeconds: 1 } });
    } catch {
      // the lease expires on its own
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.cfg.clock.now();
    const mine = { holderIdentity: this.cfg.identity, leaseDurationSeconds: this.duration, renewTime: microTime(now) };
    let cur: KubeObject;
    try {
      cur = await this.cfg.client.json<KubeObject>('GET', this.path);
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err;
      try {
        this.lease = await this.cfg.client.json<KubeObject>('POST', `/apis/coordination.k8s.io/v1/namespaces/${this.cfg.namespace}/leases`, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: this.cfg.name, namespace: this.cfg.namespace },
          spec: { ...mine, acquireTime: microTime(now), leaseTransitions: 0 },
        });
        return true;
      } catch (e) {
        if (e instanceof ApiError && e.code === 409) return false;
        throw e;
      }
    }
    const spec = cur.spec ?? {};
    const record = JSON.stringify([spec.holderIdentity, spec.renewTime, spec.leaseDurationSeconds]);
    if (record !== this.observedRecord) {
      this.observedRecord = record;
      this.observedAt = now;
    }
    const holder = spec.holderIdentity as string | undefined | null;
    const held = !!holder && holder !== this.cfg.identity;
    const expired = this.observedAt + Number(spec.leaseDurationSeconds ?? this.duration) * 1000 <= now;
    if (held && !expired) return false;
    const next = { ...spec, ...mine };
    if (holder !== this.cfg.identity) {
      next.acquireTime = microTime(now);
      next.leaseTransitions = Number(spec.leaseTransitions ?? 0) + 1;
    }
    try {
      this.lease = await this.cfg.client.json<KubeObject>('PUT', this.path, { ...cur, spec: next });
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.code === 409) return false;
      throw err;
    }
  }
}
