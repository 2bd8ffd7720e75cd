// Streaming watch over HTTPS: one JSON event per line, as the API server sends them.
import { request, type Agent } from 'node:https';
import type { KubeObject, Status } from '../api/types.js';

export interface WatchEvent<T extends KubeObject = KubeObject> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T | (Status & KubeObject);
}

export interface WatchTarget {
  url: URL;
  token: string;
  agent: Agent;
  userAgent?: string;
}

/**
 * Open a watch and call onEvent for each event until the server ends the stream or the
 * signal aborts. Resolves when the stream ends; rejects on HTTP or network errors.
 */
export function streamWatch(t: WatchTarget, path: string, onEvent: (ev: WatchEvent) => void, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return resolve();
    const req = request(
      {
        host: t.url.hostname,
        port: t.url.port,
        path,
        agent: t.agent,
        headers: { Authorization: `Bearer ${t.token}`, Accept: 'application/json', 'User-Agent': t.userAgent ?? 'kubelite' },
      },
      (res) => {
        if (res.statusCode !== 200) {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => reject(Object.assign(new Error(`watch ${path}: HTTP ${res.statusCode}: ${body}`), { code: res.statusCode })));
          return;
        }
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          // scan with an offset and cut the buffer once per chunk (a chunk may hold many events)
          let start = 0;
          let nl: number;
          while ((nl = buf.indexOf('\n', start)) >= 0) {
            const line = buf.slice(start, nl);
            start = nl + 1;
            if (!line.trim()) continue;
            try {
              onEvent(JSON.parse(line) as WatchEvent);
            } catch (err) {
              req.destroy(err as Error);
              return;
            }
          }
          buf = start === 0 ? buf : buf.slice(start);
        });
        res.on('end', () => resolve());
        res.on('error', (err) => (signal.aborted ? resolve() : reject(err)));
      },
    );
    const onAbort = () => req.destroy();
    signal.addEventListener('abort', onAbort, { once: true });
    req.on('close', () => signal.removeEventListener('abort', onAbort));
    req.on('error', (err) => (signal.aborted ? resolve() : reject(err)));
    req.end();
  });
}
