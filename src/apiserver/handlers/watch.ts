// Streaming watch: NDJSON events from the watch cache (or the store for old revisions),
// with synthetic ADDED events for RV 0/unset, bookmarks, 410 then close, and header flush.
import type { ServerResponse } from 'node:http';
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import { StoreCompactedError, type Store } from '../../storage/types.js';
import type { ResourceRegistry } from '../registry.js';
import { matches } from '../registry.js';
import { kindHooks } from '../hooks.js';
import { entryFromKV, type CacheEntry, type CacheEvent } from '../watchcache.js';
import { buildTable, includeObjectOf } from '../tablewriter.js';
import type { Clock } from '../../util/clock.js';

export interface WatchParams {
  namespace: string;
  name: string;
  query: URLSearchParams;
  table: boolean;
}

export interface WatchDeps {
  store: Store;
  clock: Clock;
  bookmarkIntervalMs: number;
  onOpen(): void;
  onClose(): void;
}

type OutType = 'ADDED' | 'MODIFIED' | 'DELETED';

export async function serveWatch(reg: ResourceRegistry, p: WatchParams, res: ServerResponse, deps: WatchDeps): Promise<void> {
  const q = p.query;
  let fieldSelector = q.get('fieldSelector');
  if (p.name) fieldSelector = (fieldSelector ? fieldSelector + ',' : '') + `metadata.name=${p.name}`;
  const sel = kindHooks.selectors(reg.ri.kind, q.get('labelSelector'), fieldSelector);
  const rvParam = q.get('resourceVersion');
  const bookmarks = q.get('allowWatchBookmarks') === 'true';
  const sendInitial = q.get('sendInitialEvents') === 'true';
  if (sendInitial && q.get('resourceVersionMatch') !== 'NotOlderThan') {
    throw new ApiError(422, 'Invalid', 'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan');
  }
  const timeoutSec = Number(q.get('timeoutSeconds') ?? '0');
  const cache = reg.cache;
  const nsPrefix = reg.ri.namespaced && p.namespace ? p.namespace + '/' : '';
  const include = includeObjectOf(q);
  let firstTable = true;

  const inScope = (key: string) => !nsPrefix || key.startsWith(nsPrefix);
  const match = (e: CacheEntry) => matches(reg.ri.kind, e, sel);

  const encodeObj = (entry: CacheEntry): string => {
    if (!p.table) return entry.json;
    const t = buildTable(reg.ri, [entry.obj], { include, withColumns: firstTable, nowMs: deps.clock.now() });
    firstTable = false;
    return JSON.stringify(t);
  };

  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  deps.onOpen();

  let closed = false;
  let lastRev = 0;
  let pending = ''; // lines not yet written (see write)
  let flushScheduled = false;
  const cleanups: (() => void)[] = [];
  const finish = () => {
    if (closed) return;
    if (pending && !res.destroyed) res.write(pending);
    pending = '';
    closed = true;
    for (const c of cleanups) c();
    deps.onClose();
    res.end();
  };
  res.on('close', finish);

  // Lines written in the same burst (a commit's batch of events, delivered through promise
  // jobs) go out as one chunk: one TLS record and syscall instead of one per event.
  const flush = (): void => {
    flushScheduled = false;
    if (closed || !pending) return;
    const out = pending;
    pending = '';
    res.write(out);
    if (res.writableLength > 64 * 1024 * 1024) {
      // a watcher this far behind is cut off; it will re-watch from its last RV
      finish();
    }
  };
  const write = (line: string): void => {
    if (closed) return;
    pending += line;
    if (pending.length >= 256 * 1024) flush();
    else if (!flushScheduled) {
      flushScheduled = true;
      process.nextTick(flush); // after the current burst of events (a commit), in the same turn
    }
  };
  const send = (type: OutType, entry: CacheEntry) => {
    write(`{"type":"${type}","object":${encodeObj(entry)}}\n`);
    if (entry.rev > lastRev) lastRev = entry.rev;
  };
  const sendBookmark = (rev: number, initialEnd = false) => {
    const meta: Record<string, unknown> = { resourceVersion: String(rev) };
    if (initialEnd) meta.annotations = { 'k8s.io/initial-events-end': 'true' };
    const obj = { kind: reg.ri.kind, apiVersion: reg.ri.group ? `${reg.ri.group}/${reg.ri.version}` : reg.ri.version, metadata: meta };
    write(`{"type":"BOOKMARK","object":${JSON.stringify(obj)}}\n`);
  };
  const sendError = (err: ApiError) => {
    write(`{"type":"ERROR","object":${JSON.stringify(err.toStatus())}}\n`);
    finish();
  };

  const onEvent = (ev: CacheEvent): void => {
    if (closed || !inScope(ev.entry.key)) return;
    const nowMatch = ev.type !== 'DELETED' && match(ev.entry);
    const prevMatch = ev.prev !== undefined && match(ev.prev);
    if (ev.type === 'DELETED') {
      if (prevMatch || (ev.prev === undefined && match(ev.entry))) send('DELETED', ev.entry);
    } else if (nowMatch && prevMatch) send('MODIFIED', ev.entry);
    else if (nowMatch) send('ADDED', ev.entry);
    else if (prevMatch) send('DELETED', ev.entry);
  };

  if (timeoutSec > 0) {
    const t = setTimeout(finish, timeoutSec * 1000);
    cleanups.push(() => clearTimeout(t));
  } else {
    const t = setTimeout(finish, (1800 + Math.random() * 1800) * 1000);
    cleanups.push(() => clearTimeout(t));
  }
  if (bookmarks) {
    const t = setInterval(() => {
      // bookmarks carry the store's progress so a quiet resource's watchers stay resumable
      void cache.syncToStore().then(() => sendBookmark(Math.max(lastRev, cache.rev)));
    }, deps.bookmarkIntervalMs);
    cleanups.push(() => clearInterval(t));
  }

  // Synthetic ADDED for the current state when no concrete revision was named.
  if (rvParam === null || rvParam === '' || rvParam === '0' || sendInitial) {
    // list and subscribe in the same tick: no event can fall in between
    for (const e of cache.list()) if (inScope(e.key) && match(e)) send('ADDED', e);
    lastRev = cache.rev;
    cleanups.push(cache.subscribe(onEvent));
    if (sendInitial) sendBookmark(cache.rev, true);
    return;
  }
  const from = Number(rvParam);
  if (!Number.isInteger(from) || from < 0) {
    sendError(ApiError.badRequest(`invalid resource version "${rvParam}"`));
    return;
  }
  if (from > cache.rev) await cache.syncToStore();
  const compacted = await deps.store.compactedRevision();
  if (from < compacted) {
    // history before the store's compaction point is gone, even if the cache still has it
    sendError(ApiError.gone(`too old resource version: ${from} (${compacted})`));
    return;
  }
  if (closed) return;
  lastRev = from;
  const replay = cache.eventsSince(from);
  if (replay) {
    for (const ev of replay) onEvent(ev);
    cleanups.push(cache.subscribe(onEvent));
    return;
  }
  // Older than the cache's ring: ask the store, which knows the retained history.
  await watchFromStore(reg, from, deps.store, onEvent, sendError, cleanups, () => closed);
}

async function watchFromStore(
  reg: ResourceRegistry,
  from: number,
  store: Store,
  onEvent: (ev: CacheEvent) => void,
  sendError: (e: ApiError) => void,
  cleanups: (() => void)[],
  isClosed: () => boolean,
): Promise<void> {
  let w;
  try {
    w = store.watch(reg.storePrefix, from);
  } catch (err) {
    if (err instanceof StoreCompactedError) {
      sendError(ApiError.gone(`too old resource version: ${from} (${err.compacted})`));
      return;
    }
    throw err;
  }
  cleanups.push(() => w.close());
  try {
    for await (const ev of w) {
      if (isClosed()) break;
      const key = ev.kv.key.slice(reg.storePrefix.length);
      const entry = entryFromKV(ev.kv, key, ev.revision);
      let prev: CacheEntry | undefined;
      if (ev.prevKv) prev = entryFromKV(ev.prevKv, key);
      else if (ev.type === 'DELETE') prev = entry;
      onEvent({ type: ev.type === 'DELETE' ? 'DELETED' : prev ? 'MODIFIED' : 'ADDED', entry, prev, rev: ev.revision });
    }
  } catch (err) {
    if (err instanceof StoreCompactedError) sendError(ApiError.gone(`too old resource version: ${from} (${err.compacted})`));
    else if (!isClosed()) sendError(ApiError.internal((err as Error).message));
  }
}
