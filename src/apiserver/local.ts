// The in-process transport (client/transport.ts) for components that run inside `kubelite
// server`: each request goes through ApiServer.handle, so authentication, routing, admission,
// handlers, watch semantics and metrics are exactly those of an HTTPS request; only TLS, the
// socket and HTTP parsing are left out. Request and response are minimal stand-ins for
// IncomingMessage and ServerResponse with the members the handlers use.
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { Transport, TransportReply } from '../client/transport.js';
import type { ApiServer } from './server.js';
import { BODY_AT_HAND } from './http.js';

type Head = (status: number) => void;
type Data = (chunk: string) => void;

/** The part of ServerResponse the API handlers use, delivering the body to callbacks. */
class LocalResponse extends EventEmitter {
  statusCode = 200;
  headersSent = false;
  destroyed = false;
  writableEnded = false;
  readonly writableLength = 0;
  private headed = false;

  constructor(
    private readonly onHead: Head,
    private readonly onData: Data,
    private readonly onEnd: () => void,
  ) {
    super();
  }

  writeHead(status: number): this {
    this.statusCode = status;
    this.headersSent = true;
    return this;
  }

  setHeader(): this {
    return this;
  }

  flushHeaders(): void {
    this.headersSent = true;
    this.head();
  }

  write(chunk: string | Buffer): boolean {
    if (this.writableEnded || this.destroyed) return false;
    this.head();
    this.onData(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
    return true;
  }

  end(chunk?: string | Buffer): this {
    if (this.writableEnded || this.destroyed) return this;
    if (chunk !== undefined && chunk.length > 0) this.write(chunk);
    this.head();
    this.writableEnded = true;
    this.onEnd();
    this.emit('close');
    return this;
  }

  destroy(): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    this.head();
    this.onEnd();
    this.emit('close');
    return this;
  }

  private head(): void {
    if (this.headed) return;
    this.headed = true;
    this.onHead(this.statusCode);
  }
}

function localRequest(method: string, path: string, token: string, userAgent: string, body: Buffer | undefined, contentType: string): IncomingMessage {
  // an empty stream: the body goes to readBody directly (http.ts), without the stream's events
  const req = new Readable({ read() {} }) as Readable & Record<string | symbol, unknown>;
  if (body) req[BODY_AT_HAND] = body;
  req.push(null);
  req.method = method;
  req.url = path;
  req.headers = {
    authorization: `Bearer ${token}`,
    accept: 'application/json',
    'user-agent': userAgent,
    ...(body ? { 'content-type': contentType, 'content-length': String(body.length) } : {}),
  };
  return req as unknown as IncomingMessage;
}

/** A Transport into `api` with the credentials of `token` (as a client presenting it). */
export function localTransport(api: ApiServer, token: string, userAgent = 'kubelite'): Transport {
  return {
    async request(method, path, body, contentType): Promise<TransportReply> {
      let text = '';
      let status = 0;
      const done = new Promise<void>((resolve) => {
        const res = new LocalResponse(
          (s) => (status = s),
          (c) => (text += c),
          resolve,
        );
        void api.handle(localRequest(method, path, token, userAgent, body, contentType), res as unknown as ServerResponse);
      });
      await done;
      return { status, text };
    },

    stream(path, onData, signal): Promise<void> {
      return new Promise((resolve, reject) => {
        let status = 0;
        let errorBody = '';
        const res = new LocalResponse(
          (s) => (status = s),
          (c) => (status === 200 ? onData(c) : (errorBody += c)),
          () => {
            signal.removeEventListener('abort', onAbort);
            if (status === 200 || signal.aborted) resolve();
            else reject(Object.assign(new Error(`watch ${path}: HTTP ${status}: ${errorBody}`), { code: status }));
          },
        );
        // the watch handler cleans up on 'close', as when a client hangs up
        const onAbort = () => res.destroy();
        if (signal.aborted) return resolve();
        signal.addEventListener('abort', onAbort, { once: true });
        void api.handle(localRequest('GET', path, token, 'kubelite', undefined, ''), res as unknown as ServerResponse);
      });
    },
  };
}
