// What both endpoint controllers share about wiring: the services whose selector picks a pod
// (only services with a selector get endpoints from a controller), and the batching of
// pod-driven syncs so that a burst of pod changes becomes one write per service.
import type { KubeObject } from '../../api/types.js';
import { selectorFromSet } from '../../api/labels.js';
import { objectKey } from '../../client/informer.js';
import type { NamespaceIndex } from '../runtime/informers.js';

/** Services in the pod's namespace whose selector matches any of the label sets. */
export function servicesSelecting(services: NamespaceIndex<KubeObject>, pod: KubeObject, labelSets: (Record<string, string> | undefined)[]): string[] {
  const keys: string[] = [];
  for (const svc of services.list(pod.metadata.namespace ?? '')) {
    const sel = svc.spec?.selector as Record<string, string> | undefined;
    if (!sel || Object.keys(sel).length === 0) continue;
    const s = selectorFromSet(sel);
    if (labelSets.some((l) => s.matches(l))) keys.push(objectKey(svc));
  }
  return keys;
}

/** Pod changes wait this long so that changes arriving together make one write. */
export const ENDPOINT_BATCH_MS = 200;

/**
 * Delays a key by ms from its first add; adds while it waits are folded into that one (unlike
 * a debounce, a steady stream of changes still syncs every ms).
 */
export class Batcher {
  private readonly pending = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly ms: number,
    private readonly fire: (key: string) => void,
  ) {}

  add(key: string): void {
    if (this.ms <= 0) return this.fire(key);
    if (this.pending.has(key)) return;
    const t = setTimeout(() => {
      this.pending.delete(key);
      this.fire(key);
    }, this.ms);
    t.unref?.();
    this.pending.set(key, t);
  }

  stop(): void {
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
  }
}
