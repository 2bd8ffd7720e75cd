// Events expire after a TTL (one hour by default, as kube-apiserver's --event-ttl).
import type { KubeObject } from '../api/types.js';
import { ApiError } from '../api/errors.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { ResourceRegistry } from './registry.js';
import type { CacheEntry } from './watchcache.js';

function lastSeen(ev: KubeObject): number {
  const t = (ev.lastTimestamp as string | undefined) ?? (ev.eventTime as string | undefined) ?? ev.metadata.creationTimestamp ?? undefined;
  return t ? Date.parse(t) : 0;
}

// An entry is one revision of an event, never changed: its last-seen time is read once, not
// parsed again at every sweep.
const lastSeenOfEntry = new WeakMap<CacheEntry, number>();

function entryLastSeen(e: CacheEntry): number {
  let t = lastSeenOfEntry.get(e);
  if (t === undefined) {
    t = lastSeen(e.obj);
    lastSeenOfEntry.set(e, t);
  }
  return t;
}

/** Delete expired events now; returns how many went. */
export async function sweepEvents(events: ResourceRegistry, clock: Clock, ttlMs: number): Promise<number> {
  const cutoff = clock.now() - ttlMs;
  let n = 0;
  for (const e of events.list({ namespace: '' }).entries) {
    if (entryLastSeen(e) >= cutoff) continue;
    try {
      await events.delete(e.obj.metadata.namespace ?? '', e.obj.metadata.name!, {});
      n++;
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err;
    }
  }
  return n;
}

export function startEventTTL(events: ResourceRegistry, clock: Clock, log: Logger, signal: AbortSignal, ttlMs = 3600_000, everyMs = 60_000): void {
  const timer = setInterval(() => {
    sweepEvents(events, clock, ttlMs).catch((err) => log.warn({ err }, 'event expiry failed'));
  }, everyMs);
  timer.unref();
  signal.addEventListener('abort', () => clearInterval(timer), { once: true });
}
