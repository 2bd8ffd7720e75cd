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

export class EventRecorder {
  private readonly seen = new Map<string, Seen>();

  constructor(
    private readonly sink: EventSink,
    private readonly component: string,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly host?: string,
  ) {}

  /** Record an event about obj. Never throws: events are best effort. */
  async event(obj: KubeObject, type: EventType, reason: string, message: string, fieldPath?: string): Promise<void> {
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
    const now = this.clock.now();
    const nowStr = this.clock.nowRFC3339();
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
