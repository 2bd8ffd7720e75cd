// Namespace deletion: once a namespace is Terminating, delete everything in it, then drop
// the "kubernetes" finalizer so the namespace itself goes (what the namespace controller does).
import type { KubeObject } from '../api/types.js';
import { ApiError } from '../api/errors.js';
import type { Logger } from '../util/logger.js';
import type { Registries } from './handlers/context.js';

export function startNamespaceFinalizer(regs: Registries, log: Logger, signal: AbortSignal, retryMs = 1000): void {
  const nsReg = regs.get('', 'namespaces')!;
  const busy = new Set<string>();
  const pending = new Set<string>();

  const sweep = async (name: string): Promise<void> => {
    if (busy.has(name)) {
      pending.add(name);
      return;
    }
    busy.add(name);
    try {
      const ns = nsReg.tryGet('', name)?.obj;
      if (!ns?.metadata.deletionTimestamp) return;
      let remaining = 0;
      for (const reg of regs.all()) {
        if (!reg.ri.namespaced) continue;
        for (const e of reg.list({ namespace: name }).entries) {
          remaining++;
          if (e.obj.metadata.deletionTimestamp) continue;
          try {
            await reg.delete(name, e.obj.metadata.name!, {});
          } catch (err) {
            if (!(err instanceof ApiError && err.code === 404)) log.warn({ err, ns: name }, 'namespace cleanup failed');
          }
        }
      }
      if (remaining > 0) {
        if (!signal.aborted) setTimeout(() => void sweep(name), retryMs).unref();
        return;
      }
      await nsReg.guaranteedUpdate(
        '',
        name,
        (cur: KubeObject | undefined) => {
          const o = cur!;
          o.spec = { ...(o.spec ?? {}), finalizers: ((o.spec?.finalizers as string[]) ?? []).filter((f) => f !== 'kubernetes') };
          delete o.metadata.resourceVersion;
          return o;
        },
        { subresource: 'finalize', trusted: true },
      );
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) log.warn({ err, ns: name }, 'namespace finalization failed');
    } finally {
      busy.delete(name);
      if (pending.delete(name)) void sweep(name);
    }
  };

  const unsub = nsReg.cache.subscribe((ev) => {
    if (ev.type !== 'DELETED' && ev.entry.obj.metadata.deletionTimestamp) void sweep(ev.entry.obj.metadata.name!);
  });
  signal.addEventListener('abort', unsub, { once: true });
  for (const e of nsReg.cache.list()) if (e.obj.metadata.deletionTimestamp) void sweep(e.obj.metadata.name!);
}
