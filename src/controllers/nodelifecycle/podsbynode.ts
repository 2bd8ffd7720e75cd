// An index of the shared pod cache by spec.nodeName (upstream's "spec.nodeName" indexer):
// the node controllers act on "every pod of this node" without scanning all pods.
import type { KubeObject } from '../../api/types.js';
import { objectKey, type Informer } from '../../client/informer.js';

export function podNodeName(pod: KubeObject): string {
  const n: unknown = pod.spec?.nodeName;
  return typeof n === 'string' ? n : '';
}

export class PodsByNode {
  private readonly byNode = new Map<string, Set<string>>();

  constructor(private readonly pods: Informer<KubeObject>) {
    pods.addHandlers({
      add: (p) => this.put(p),
      update: (old, p) => {
        if (podNodeName(old) !== podNodeName(p)) this.remove(old);
        this.put(p);
      },
      delete: (p) => this.remove(p),
    });
  }

  /** The cached pods bound to node. */
  list(node: string): KubeObject[] {
    const keys = this.byNode.get(node);
    if (!keys) return [];
    const out: KubeObject[] = [];
    for (const k of keys) {
      const p = this.pods.get(k);
      if (p) out.push(p);
    }
    return out;
  }

  private put(p: KubeObject): void {
    const n = podNodeName(p);
    if (!n) return;
    let s = this.byNode.get(n);
    if (!s) this.byNode.set(n, (s = new Set()));
    s.add(objectKey(p));
  }

  private remove(p: KubeObject): void {
    const n = podNodeName(p);
    const s = this.byNode.get(n);
    if (!s) return;
    s.delete(objectKey(p));
    if (s.size === 0) this.byNode.delete(n);
  }
}

/** Run fn over items with at most `limit` in flight; throws the first failure after all ran. */
export async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let firstErr: unknown;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next++]!;
        try {
          await fn(item);
        } catch (err) {
          firstErr ??= err;
        }
      }
    }),
  );
  if (firstErr !== undefined) throw firstErr;
}
