// A small REST client for kubelite components (scheduler, controllers, kubelet): they talk
// to the API server over HTTPS like any remote client, never to the store.
import { request, Agent } from 'node:https';
import { createSecureContext } from 'node:tls';
import { ApiError } from '../api/errors.js';
import type { Status } from '../api/types.js';

export interface RestConfig {
  /** https://host:port */
  server: string;
  token: string;
  caPem: string;
  userAgent?: string;
  /** connections to the server at once (default 64; watches hold one each) */
  maxSockets?: number;
}

export class RestClient {
  private readonly agent: Agent;
  private readonly url: URL;

  constructor(private readonly cfg: RestConfig) {
    this.url = new URL(cfg.server);
    // the CA as a prepared secureContext, not `ca`: https.Agent appends a `ca` option's whole
    // PEM to the pool key it builds and hashes on every request
    this.agent = new Agent({ keepAlive: true, maxSockets: cfg.maxSockets ?? 64, secureContext: createSecureContext({ ca: cfg.caPem }) });
  }

  /** JSON request; non-2xx answers become ApiError carrying the server's Status. */
  async json<T = unknown>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
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
    if (status >= 200 && status < 300) return (text ? JSON.parse(text) : undefined) as T;
    let st: Partial<Status> = {};
    try {
      st = JSON.parse(text) as Status;
    } catch {
      st = { message: text };
    }
    throw new ApiError(status, st.reason ?? 'Unknown', st.message ?? `HTTP ${status}`, st.details);
  }

  /** What streamWatch needs to open a watch with this client's credentials. */
  watchTarget(): { url: URL; token: string; agent: Agent; userAgent?: string } {
    return { url: this.url, token: this.cfg.token, agent: this.agent, userAgent: this.cfg.userAgent };
  }

  close(): void {
    this.agent.destroy();
  }
}
