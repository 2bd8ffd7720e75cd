// Informer: list, then watch from the list's revision, keeping a local cache and calling
// handlers with each change. Relists on 410, re-watches when the server ends a stream,
// backs off on errors. Handlers only turn objects into keys; logic reads the cache.
import type { KubeObject, KubeList } from '../api/types.js';
import type { Logger } from '../util/logger.js';
import type { RestClient } from './rest.js';
import type { WatchEvent } from './watch.js';

export interface InformerHandlers<T extends KubeObject> {
  add?(obj: T): void;
  update?(oldObj: T, newObj: T): void;
  delete?(obj: T): void;
}

export interface InformerOptions<T extends KubeObject = KubeObject> {
  /** collection path, e.g. /api/v1/pods or /apis/apps/v1/namespaces/ns/deployments */
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** page size of the initial list (0 = everything at once) */
  pageSize?: number;
  /** applied to each object before it is cached and handed to handlers (e.g. drop managedFields) */
  transform?: (obj: T) => T;
}

/**
 * A transform for informers whose users never read metadata.managedFields (as kube-scheduler
 * and kube-controller-manager trim them). The object itself is left alone (a shallow copy
 * without them is returned): watch events over the in-process transport may be shared with
 * other in-process clients (rest.ts).
 */
export function dropManagedFields<T extends KubeObject>(obj: T): T {
  if (obj.metadata?.managedFields === undefined) return obj;
  const { managedFields: _drop, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

export function objectKey(o: KubeObject): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name!;
}

export class Informer<T extends KubeObject = KubeObject> {
  private readonly cache = new Map<string, T>();
  private readonly handlers: InformerHandlers<T>[] = [];
  private rv = '';
  private synced = false;
  private syncedWaiters: (() => void)[] = [];

  constructor(
    private readonly client: RestClient,
    private readonly opts: InformerOptions<T>,
    private readonly log: Logger,
  ) {}

  addHandlers(h: InformerHandlers<T>): void {
    this.handlers.push(h);
    if (this.synced) for (const o of this.cache.values()) h.add?.(o);
  }

  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  get size(): number {
    return this.cache.size;
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  get resourceVersion(): string {
    return this.rev();
  }

  private rev(): string {
    return this.rv;
  }

  /** Resolves once the first list is in the cache. */
  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((r) => this.syncedWaiters.push(r));
  }

  /** Run until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    let backoff = 100;
    let needList = true;
    while (!signal.aborted) {
      try {
        if (needList) {
          await this.relist(signal);
          needList = false;
        }
        const gone = await this.watchOnce(signal);
        if (gone) needList = true;
        backoff = 100;
      } catch (err) {
        if (signal.aborted) return;
        const code = (err as { code?: number }).code;
        if (code === 410) needList = true;
        this.log.warn({ err: (err as Error).message, path: this.opts.path }, 'informer: list/watch failed; retrying');
        await sleep(backoff, signal);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  private query(extra: Record<string, string>): string {
    const q = new URLSearchParams();
    if (this.opts.labelSelector) q.set('labelSelector', this.opts.labelSelector);
    if (this.opts.fieldSelector) q.set('fieldSelector', this.opts.fieldSelector);
    for (const [k, v] of Object.entries(extra)) q.set(k, v);
    return `${this.opts.path}?${q.toString()}`;
  }

  private async relist(signal: AbortSignal): Promise<void> {
    const fresh = new Map<string, T>();
    let cont = '';
    let rv = '';
    const page = this.opts.pageSize ?? 500;
    do {
      const extra: Record<string, string> = {};
      if (page > 0) extra.limit = String(page);
      if (cont) extra.continue = cont;
      const l = await this.client.json<KubeList<T>>('GET', this.query(extra));
      const tf = this.opts.transform;
      for (const o of l.items) fresh.set(objectKey(o), tf ? tf(o) : o);
      cont = l.metadata.continue ?? '';
      rv = l.metadata.resourceVersion ?? rv;
      if (signal.aborted) return;
    } while (cont);
    // diff against what we had: handlers see a consistent stream of changes
    for (const [k, old] of this.cache) if (!fresh.has(k)) this.emitDelete(k, old);
    for (const [k, o] of fresh) this.emitUpsert(k, o);
    this.rv = rv;
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncedWaiters) w();
      this.syncedWaiters = [];
    }
  }

  /** One watch stream; returns true when the server said 410 (relist needed). */
  private async watchOnce(signal: AbortSignal): Promise<boolean> {
    let gone = false;
    const timeout = 300 + Math.floor(Math.random() * 300);
    const path = this.query({ watch: 'true', resourceVersion: this.rv, allowWatchBookmarks: 'true', timeoutSeconds: String(timeout) });
    await this.client.watch(
      path,
      (ev: WatchEvent) => {
        if (ev.type === 'ERROR') {
          if ((ev.object as { code?: number }).code === 410) gone = true;
          return;
        }
        let obj = ev.object as T;
        const rv = obj.metadata?.resourceVersion;
        if (ev.type === 'BOOKMARK') {
          if (rv) this.rv = rv;
          return;
        }
        if (this.opts.transform) obj = this.opts.transform(obj);
        const k = objectKey(obj);
        if (ev.type === 'DELETED') this.emitDelete(k, obj);
        else this.emitUpsert(k, obj);
        if (rv) this.rv = rv;
      },
      signal,
    );
    return gone;
  }

  private emitUpsert(k: string, obj: T): void {
    const old = this.cache.get(k);
    if (old && old.metadata.resourceVersion === obj.metadata.resourceVersion) return;
    this.cache.set(k, obj);
    for (const h of this.handlers) {
      try {
        if (old) h.update?.(old, obj);
        else h.add?.(obj);
      } catch (err) {
        this.log.error({ err }, 'informer handler failed');
      }
    }
  }

  private emitDelete(k: string, obj: T): void {
    const old = this.cache.get(k);
    this.cache.delete(k);
    for (const h of this.handlers) {
      try {
        h.delete?.(old ?? obj);
      } catch (err) {
        this.log.error({ err }, 'informer handler failed');
      }
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}
