// A small REST client for kubelite components (scheduler, controllers, kubelet): they talk
// to the API server over HTTPS like any remote client, never to the store.
import { request, Agent } from 'node:https';
import { createSecureContext, type SecureContext } from 'node:tls';
import { ApiError } from '../api/errors.js';
import type { Status } from '../api/types.js';
import type { Transport, TransportReply } from './transport.js';
import { streamWatch, type WatchEvent } from './watch.js';

export interface RestConfig {
  /** https://host:port */
  server: string;
  token: string;
  caPem: string;
  userAgent?: string;
  /** connections to the server at once (default 64; watches hold one each) */
  maxSockets?: number;
  /** reach the server in-process instead of over HTTPS (see transport.ts) */
  transport?: Transport;
}

/**
 * Watch lines decoded in this turn of the event loop, for the other in-process watchers that
 * get the very same line (the scheduler and the controller manager both watch every pod):
 * each event is parsed once, and its object is shared between their caches. Objects from
 * informers are read-only (as in client-go); transforms copy (dropManagedFields). The map
 * lives until the next turn (setImmediate), so it holds one burst of events at most.
 */
const decodedThisTurn = new Map<string, WatchEvent>();
let clearScheduled = false;

function decodeShared(line: string): WatchEvent {
  let ev = decodedThisTurn.get(line);
  if (ev) return ev;
  ev = JSON.parse(line) as WatchEvent;
  decodedThisTurn.set(line, ev);
  if (!clearScheduled) {
    clearScheduled = true;
    setImmediate(() => {
      decodedThisTurn.clear();
      clearScheduled = false;
    });
  }
  return ev;
}

export class RestClient {
  private readonly agent: Agent;
  private readonly url: URL;
  private readonly secureContext: SecureContext;

  constructor(private readonly cfg: RestConfig) {
    this.url = new URL(cfg.server);
    // the CA as a prepared secureContext, not `ca`: https.Agent appends a `ca` option's whole
    // PEM to the pool key it builds and hashes on every request
    this.secureContext = createSecureContext({ ca: cfg.caPem });
    this.agent = new Agent({ keepAlive: true, maxSockets: cfg.maxSockets ?? 64, secureContext: this.secureContext });
  }

  /** JSON request; non-2xx answers become ApiError carrying the server's Status. */
  async json<T = unknown>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const text = await this.text(method, path, body, contentType);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** As json, but the successful reply's text is returned unparsed (for a caller that may not need it). */
  async text(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<string> {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const { status, text } = this.cfg.transport ? await this.cfg.transport.request(method, path, data, contentType) : await this.https(method, path, data, contentType);
    if (status >= 200 && status < 300) return text;
    let st: Partial<Status> = {};
    try {
      st = JSON.parse(text) as Status;
    } catch {
      st = { message: text };
    }
    throw new ApiError(status, st.reason ?? 'Unknown', st.message ?? `HTTP ${status}`, st.details);
  }

  private https(method: string, path: string, data: Buffer | undefined, contentType: string): Promise<TransportReply> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: this.url.hostname,
          port: this.url.port,
          method,
          path,
          agent: this.agent,
          headers: {
            Authorization: `Bearer ${this.cfg.token}`,
            Accept: 'application/json',
            'User-Agent': this.cfg.userAgent ?? 'kubelite',
            ...(data ? { 'Content-Type': contentType, 'Content-Length': data.length } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(data);
    });
  }

  /**
   * Open a watch (path with watch=true) and call onEvent for each event until the stream
   * ends or the signal aborts; over this client's transport, or HTTPS by default.
   */
  watch(path: string, onEvent: (ev: WatchEvent) => void, signal: AbortSignal): Promise<void> {
    const t = this.cfg.transport;
    if (!t) return streamWatch(this.watchTarget(), path, onEvent, signal);
    const inner = new AbortController();
    const stop = () => inner.abort();
    signal.addEventListener('abort', stop, { once: true });
    let buf = '';
    return t
      .stream(
        path,
        (chunk) => {
          buf += chunk;
          let start = 0;
          let nl: number;
          while ((nl = buf.indexOf('\n', start)) >= 0) {
            const line = buf.slice(start, nl);
            start = nl + 1;
            if (!line.trim()) continue;
            try {
              onEvent(decodeShared(line));
            } catch {
              inner.abort(); // as over HTTPS: a bad line ends the stream, the informer re-watches
              return;
            }
          }
          buf = start === 0 ? buf : buf.slice(start);
        },
        inner.signal,
      )
      .finally(() => signal.removeEventListener('abort', stop));
  }

  /** What streamWatch needs to open a watch with this client's credentials. */
  watchTarget(): { url: URL; token: string; agent: Agent; userAgent?: string } {
    return { url: this.url, token: this.cfg.token, agent: this.agent, userAgent: this.cfg.userAgent };
  }

  /** The server over TLS, for a client that runs its own connections (the scheduler's pipelined bindings); undefined with an in-process transport. */
  tlsTarget(): { url: URL; token: string; secureContext: SecureContext; userAgent?: string } | undefined {
    return this.cfg.transport ? undefined : { url: this.url, token: this.cfg.token, secureContext: this.secureContext, userAgent: this.cfg.userAgent };
  }

  close(): void {
    this.agent.destroy();
  }
}
