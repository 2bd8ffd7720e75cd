// Event recorder: what components use to tell users what happened to an object
// (`kubectl describe` shows these). Repeats of the same event are folded into one
// Event with a growing count, as client-go's correlator does.
import type { KubeObject } from '../api/types.js';
import { ApiError } from '../api/errors.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

export type EventType = 'Normal' | 'Warning';

/** Where events are written: the REST client in production, anything in tests. */
export interface EventSink {
  json<T = unknown>(method: string, path: string, body?: unknown, contentType?: string): Promise<T>;
}

interface Seen {
  name: string;
  count: number;
  firstTimestamp: string;
  lastMs: number;
}

const FOLD_WINDOW_MS = 10 * 60 * 1000;

/**
 * client-go's EventSourceObjectSpamFilter: per source and involved object, a token bucket of
 * 25 events refilled at one per 5 minutes, so a ReplicaSet creating 5,000 pods records 25
 * SuccessfulCreate events, not 5,000 writes.
 */
const SPAM_BURST = 25;
const SPAM_REFILL_MS = 5 * 60 * 1000;
const SPAM_KEYS_MAX = 4096;

class SpamFilter {
  private readonly buckets = new Map<string, { tokens: number; last: number }>();

  /** Whether allow(key, now) would let an event through (takes no token). */
  peek(key: string, now: number): boolean {
    const b = this.buckets.get(key);
    return !b || Math.min(SPAM_BURST, b.tokens + (now - b.last) / SPAM_REFILL_MS) >= 1;
  }

  allow(key: string, now: number): boolean {
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: SPAM_BURST, last: now };
      if (this.buckets.size >= SPAM_KEYS_MAX) this.buckets.delete(this.buckets.keys().next().value!);
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(SPAM_BURST, b.tokens + (now - b.last) / SPAM_REFILL_MS);
    b.last = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}

function spamKey(obj: KubeObject, type: EventType): string {
  const m = obj.metadata;
  return [m.namespace ?? '', m.name ?? '', m.uid ?? '', obj.kind, obj.apiVersion, type].join('\x00');
}

export interface EventRecorderLimits {
  /** event writes in flight at once (default 16) */
  maxInFlight?: number;
  /** events waiting for a slot; more are dropped, as client-go's broadcaster does (default 1000) */
  maxQueued?: number;
  /**
   * Event writes per second (token bucket; default unlimited). kube-scheduler's event client
   * has client-go's default rate limit (50 QPS, burst 100): under a flood, writes wait for a
   * token (queued up to maxQueued) instead of competing with the work they report on.
   */
  qps?: number;
  /** bucket size for qps (default 2 x qps) */
  burst?: number;
}

export class EventRecorder {
  private readonly seen = new Map<string, Seen>();
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly maxInFlight: number;
  private readonly maxQueued: number;
  private readonly qps: number;
  private readonly burst: number;
  private tokens: number;
  private tokensAt = 0;
  /** events dropped because too many were waiting */
  dropped = 0;
  private readonly spam = new SpamFilter();
  /** events not sent because their object had too many recently (the spam filter) */
  filtered = 0;

  constructor(
    private readonly sink: EventSink,
    private readonly component: string,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly host?: string,
    limits: EventRecorderLimits = {},
  ) {
    this.maxInFlight = limits.maxInFlight ?? 16;
    this.maxQueued = limits.maxQueued ?? 1000;
    this.qps = limits.qps ?? 0;
    this.burst = Math.max(1, limits.burst ?? Math.ceil(2 * this.qps));
    this.tokens = this.burst;
  }

  /**
   * Record an event about obj. Never throws: events are best effort. The write goes out with
   * bounded concurrency (callers need not await it); under a flood of events, those beyond
   * the queue bound are dropped.
   */
  /**
   * Whether an event about obj of this type would be recorded now rather than dropped by the
   * spam filter: a caller may skip the work of building its message (the ReplicaSet
   * controller parsing each created pod for its name) when it would not be.
   */
  wouldRecord(obj: KubeObject, type: EventType): boolean {
    return this.spam.peek(spamKey(obj, type), this.clock.now());
  }

  async event(obj: KubeObject, type: EventType, reason: string, message: string, fieldPath?: string): Promise<void> {
    const now = this.clock.now();
    const nowStr = this.clock.nowRFC3339();
    if (!this.spam.allow(spamKey(obj, type), now)) {
      this.filtered++;
      return;
    }
    if (this.inFlight >= this.maxInFlight) {
      if (this.waiting.length >= this.maxQueued) {
        this.dropped++;
        if (this.dropped === 1 || this.dropped % 1000 === 0) this.log.debug({ dropped: this.dropped, reason }, 'event dropped: too many events queued');
        return;
      }
      await new Promise<void>((r) => this.waiting.push(r));
    } else this.inFlight++;
    try {
      if (this.qps > 0) await this.takeToken();
      await this.write(obj, type, reason, message, fieldPath, now, nowStr);
    } finally {
      const next = this.waiting.shift();
      if (next) next(); // the slot passes to the next event
      else this.inFlight--;
    }
  }

  /**
   * Takes a token, waiting for it when the bucket is empty. Tokens are reserved ahead (the
   * bucket may go negative), so concurrent writers wait in turn and the rate holds.
   */
  private async takeToken(): Promise<void> {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + (Math.max(0, now - this.tokensAt) * this.qps) / 1000);
    this.tokensAt = now;
    this.tokens -= 1;
    // unref: events still waiting for a token do not keep a stopping process alive
    if (this.tokens < 0) await new Promise((r) => setTimeout(r, Math.ceil((-this.tokens * 1000) / this.qps)).unref());
  }

  private async write(obj: KubeObject, type: EventType, reason: string, message: string, fieldPath: string | undefined, now: number, nowStr: string): Promise<void> {
    const ns = obj.metadata.namespace || 'default';
    const involvedObject = {
      kind: obj.kind,
      namespace: obj.metadata.namespace,
      name: obj.metadata.name,
      uid: obj.metadata.uid,
      apiVersion: obj.apiVersion,
      resourceVersion: obj.metadata.resourceVersion,
      ...(fieldPath ? { fieldPath } : {}),
    };
    const key = [ns, obj.metadata.uid, reason, type, message, fieldPath ?? ''].join('\x00');
    const prev = this.seen.get(key);
    try {
      if (prev && now - prev.lastMs < FOLD_WINDOW_MS) {
        prev.count++;
        prev.lastMs = now;
        await this.sink.json('PATCH', `/api/v1/namespaces/${ns}/events/${prev.name}`, { count: prev.count, lastTimestamp: nowStr }, 'application/merge-patch+json');
        return;
      }
      const name = `${obj.metadata.name}.${(now * 1e6 + Math.floor(Math.random() * 1e6)).toString(16)}`;
      await this.sink.json('POST', `/api/v1/namespaces/${ns}/events`, {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace: ns },
        involvedObject,
        reason,
        message,
        type,
        source: { component: this.component, ...(this.host ? { host: this.host } : {}) },
        firstTimestamp: nowStr,
        lastTimestamp: nowStr,
        count: 1,
        reportingComponent: this.component,
        reportingInstance: this.host ?? '',
      });
      this.seen.set(key, { name, count: 1, firstTimestamp: nowStr, lastMs: now });
      if (this.seen.size > 4096) this.seen.delete(this.seen.keys().next().value!);
    } catch (err) {
      if (err instanceof ApiError && err.code === 404 && prev) this.seen.delete(key);
      this.log.debug({ err, reason }, 'event not recorded');
    }
  }
}
