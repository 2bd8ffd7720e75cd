// endpoints.kubernetes.io/last-change-trigger-time (upstream TriggerTimeTracker): when the
// earliest change that this write reflects happened, the Ready transition of a pod or the
// creation of a new service. Network programming latency is measured from it.
import type { KubeObject } from '../../api/types.js';
import { podTriggerTime } from './podutil.js';

export const LAST_CHANGE_TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';

interface State {
  pods: Map<string, number>;
  service: number;
}

export class TriggerTimeTracker {
  private readonly states = new Map<string, State>();

  /**
   * The trigger time for a sync of service key with these pods, in ms, or undefined when
   * nothing changed since the last sync. A service seen for the first time reports its creation.
   */
  compute(key: string, svc: KubeObject, pods: KubeObject[]): number | undefined {
    const prev = this.states.get(key);
    const next: State = { pods: new Map(), service: Date.parse(svc.metadata.creationTimestamp ?? '') || 0 };
    let min: number | undefined;
    for (const p of pods) {
      const t = podTriggerTime(p);
      if (t === undefined) continue;
      next.pods.set(p.metadata.name!, t);
      if (t > (prev?.pods.get(p.metadata.name!) ?? -Infinity)) min = Math.min(min ?? t, t);
    }
    if (next.service > (prev?.service ?? -Infinity)) min = Math.min(min ?? next.service, next.service);
    this.states.set(key, next);
    if (!prev) return next.service || undefined;
    return min;
  }

  forget(key: string): void {
    this.states.delete(key);
  }
}

/** RFC 3339 with the fraction Go's RFC3339Nano prints: trailing zeros dropped. */
export function rfc3339Nano(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d*?)0*Z$/, (_m, f: string) => (f ? `.${f}Z` : 'Z'));
}
