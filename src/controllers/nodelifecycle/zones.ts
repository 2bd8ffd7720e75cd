// Zones and the pace of NoExecute tainting (upstream node lifecycle controller): nodes are
// grouped by region/zone labels; each zone gets a token bucket (--node-eviction-rate 0.1
// nodes/s, burst 1) so a zone losing many nodes at once loses them slowly; a zone where most
// nodes fail (partial disruption) slows to the secondary rate, or stops in small clusters;
// when every zone is fully down the controller assumes its own view is broken and taints
// nothing (and lifts the NoExecute taints it had put).
import type { KubeObject } from '../../api/types.js';
import type { Clock } from '../../util/clock.js';

export type ZoneState = 'Initial' | 'Normal' | 'PartialDisruption' | 'FullDisruption';

export interface ZoneRates {
  /** nodes per second tainted in a healthy zone (default 0.1) */
  evictionRate: number;
  /** nodes per second in a partially disrupted zone of a large cluster (default 0.01) */
  secondaryEvictionRate: number;
  /** zones with at most this many nodes stop tainting when partially disrupted (default 50) */
  largeClusterThreshold: number;
  /** share of NotReady nodes (and more than 2) that makes a zone partially disrupted (default 0.55) */
  unhealthyZoneThreshold: number;
}

export const DEFAULT_ZONE_RATES: ZoneRates = { evictionRate: 0.1, secondaryEvictionRate: 0.01, largeClusterThreshold: 50, unhealthyZoneThreshold: 0.55 };

/** Nodes with this label do not count in zone disruption. */
export const EXCLUDE_DISRUPTION_LABEL = 'node.kubernetes.io/exclude-disruption';

export function zoneKey(node: KubeObject): string {
  const l = node.metadata.labels ?? {};
  const zone = l['failure-domain.beta.kubernetes.io/zone'] ?? l['topology.kubernetes.io/zone'] ?? '';
  const region = l['failure-domain.beta.kubernetes.io/region'] ?? l['topology.kubernetes.io/region'] ?? '';
  return region === '' && zone === '' ? '' : `${region}:\u0000:${zone}`;
}

/** Upstream ComputeZoneState, from the Ready status of each node of the zone. */
export function computeZoneState(readyStatuses: readonly (string | undefined)[], unhealthyThreshold: number): ZoneState {
  let ready = 0;
  let notReady = 0;
  for (const s of readyStatuses) {
    if (s === 'True') ready++;
    else notReady++;
  }
  if (ready === 0 && notReady > 0) return 'FullDisruption';
  if (notReady > 2 && notReady / (notReady + ready) >= unhealthyThreshold) return 'PartialDisruption';
  return 'Normal';
}

/** A token bucket with burst 1 (client-go's TokenBucketRateLimiter as the zone queues use it). */
export class TokenBucket {
  private tokens = 1;
  private last: number;

  constructor(
    private rate: number,
    private readonly clock: Clock,
  ) {
    this.last = clock.now();
  }

  setRate(rate: number): void {
    this.refill();
    this.rate = rate;
  }

  /** Take a token if one is there. */
  tryTake(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Give back a token taken for work that did not happen. */
  refund(): void {
    this.tokens = Math.min(1, this.tokens + 1);
  }

  /** ms until the next token (Infinity when the rate is 0). */
  waitMs(): number {
    this.refill();
    if (this.tokens >= 1) return 0;
    return this.rate > 0 ? ((1 - this.tokens) / this.rate) * 1000 : Infinity;
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(1, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
  }
}

/** Zone states and buckets, recomputed from the node cache on every monitor pass. */
export class Zones {
  private readonly states = new Map<string, ZoneState>();
  private readonly buckets = new Map<string, TokenBucket>();
  /** every zone is fully disrupted: taint nothing */
  allDown = false;

  constructor(
    private readonly rates: ZoneRates,
    private readonly clock: Clock,
  ) {}

  /** Recompute every zone from (node, Ready status) pairs; returns true when allDown changed. */
  update(nodes: readonly { node: KubeObject; ready: string | undefined }[]): boolean {
    const byZone = new Map<string, { statuses: (string | undefined)[]; size: number }>();
    for (const { node, ready } of nodes) {
      const z = zoneKey(node);
      let e = byZone.get(z);
      if (!e) byZone.set(z, (e = { statuses: [], size: 0 }));
      e.size++;
      if (node.metadata.labels?.[EXCLUDE_DISRUPTION_LABEL] === undefined) e.statuses.push(ready);
    }
    let allFull = byZone.size > 0;
    for (const [z, e] of byZone) {
      const state = e.statuses.length ? computeZoneState(e.statuses, this.rates.unhealthyZoneThreshold) : 'Normal';
      if (state !== 'FullDisruption') allFull = false;
      if (this.states.get(z) !== state) {
        this.states.set(z, state);
        this.bucket(z).setRate(this.rateFor(state, e.size));
      }
    }
    for (const z of [...this.states.keys()]) if (!byZone.has(z)) this.states.delete(z);
    const changed = allFull !== this.allDown;
    this.allDown = allFull;
    return changed;
  }

  state(node: KubeObject): ZoneState {
    return this.states.get(zoneKey(node)) ?? 'Initial';
  }

  /** Whether a node of this zone may be NoExecute-tainted now; else ms to wait (Infinity: not now). */
  admit(node: KubeObject): { ok: true } | { ok: false; waitMs: number } {
    if (this.allDown) return { ok: false, waitMs: Infinity };
    const b = this.bucket(zoneKey(node));
    return b.tryTake() ? { ok: true } : { ok: false, waitMs: b.waitMs() };
  }

  /** The taint admitted for node was not written: its token goes back. */
  refund(node: KubeObject): void {
    this.bucket(zoneKey(node)).refund();
  }

  private rateFor(state: ZoneState, size: number): number {
    if (state === 'PartialDisruption') return size > this.rates.largeClusterThreshold ? this.rates.secondaryEvictionRate : 0;
    return this.rates.evictionRate;
  }

  private bucket(z: string): TokenBucket {
    let b = this.buckets.get(z);
    if (!b) this.buckets.set(z, (b = new TokenBucket(this.rates.evictionRate, this.clock)));
    return b;
  }
}
