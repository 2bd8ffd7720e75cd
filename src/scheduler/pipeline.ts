// A lean HTTP/1.1 client for the scheduler's bindings: a few persistent TLS connections, with
// requests pipelined on them (HTTP/1.1 section 9.3.2: sent without waiting, answered in
// order) and the requests of one tick written together. Node's https.request costs ~150 us
// of client CPU per request (ClientRequest, agent, IncomingMessage streams, one TLS record
// and write per request); this costs ~40 us, and the server reads many requests per read.
// kube-scheduler gets the same effect from HTTP/2 (many streams on one connection).
//
// Depth per connection is capped (default 8): Node's HTTP server pauses a connection whose
// queued answers exceed 16 KiB, and over TLS a paused parser that gets more data fails the
// connection (HPE_PAUSED). (kubelite's API server keeps the answers it coalesces out of
// Node's queue, see apiserver/http.ts, so small answers allow 16.) Beyond depth x
// connections, requests wait here for a slot. A
// connection that fails fails the requests on it: their outcome is unknown, as with any
// reset connection, and callers treat that as an error (the scheduler requeues the pod and
// skips it once its informer sees it bound).
import { connect, type SecureContext, type TLSSocket } from 'node:tls';
import { isIP } from 'node:net';
import { ApiError } from '../api/errors.js';

export interface PipelineTarget {
  url: URL;
  token: string;
  secureContext: SecureContext;
  userAgent?: string;
}

export interface PipelineReply {
  status: number;
  text: string;
}

interface Pending {
  readonly req: string;
  resolve(r: PipelineReply): void;
  reject(e: Error): void;
}

const CRLF2 = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');

/** Response parsing states. */
const enum S {
  Head,
  Body,
  ChunkSize,
  ChunkData,
  ChunkEnd,
  Trailers,
  UntilClose,
}

/** An HTTP error that is not an answer: the connection failed or closed before the answer came. */
export class PipelineConnectionError extends Error {
  readonly code = 'ECONNRESET';
}

class Conn {
  private readonly sock: TLSSocket;
  readonly pending: Pending[] = [];
  /** requests of this tick not written yet */
  private out = '';
  private flushQueued = false;
  /** no new requests: closed, failed or the server said Connection: close */
  dead = false;
  // parser state
  private buf: Buffer | null = null;
  private state = S.Head;
  private status = 0;
  private remaining = 0;
  private body: Buffer[] = [];
  private closeAfter = false;

  constructor(
    t: PipelineTarget,
    private readonly onDead: (c: Conn) => void,
    /** an answer came: the connection has room for another request */
    private readonly onSlot: (c: Conn) => void,
  ) {
    const host = t.url.hostname.replace(/^\[|\]$/g, '');
    this.sock = connect({ host, port: Number(t.url.port || 443), secureContext: t.secureContext, ...(isIP(host) ? {} : { servername: host }) });
    this.sock.setNoDelay(true);
    this.sock.on('data', (d: Buffer) => this.onData(d));
    this.sock.on('error', (err) => this.fail(err));
    this.sock.on('close', () => {
      if (this.state === S.UntilClose) this.finish();
      this.fail(new PipelineConnectionError('connection closed before the answer'));
    });
  }

  send(p: Pending): void {
    this.pending.push(p);
    if (this.pending.length === 1) this.sock.ref();
    this.out += p.req;
    if (!this.flushQueued) {
      this.flushQueued = true;
      process.nextTick(() => this.flush());
    }
  }

  private flush(): void {
    this.flushQueued = false;
    if (this.out === '' || this.sock.destroyed) return;
    const s = this.out;
    this.out = '';
    this.sock.write(s);
  }

  close(): void {
    this.fail(new PipelineConnectionError('client closed'));
  }

  private fail(err: Error): void {
    if (!this.dead) {
      this.dead = true;
      this.onDead(this);
    }
    this.sock.destroy();
    const p = this.pending.splice(0);
    for (const x of p) x.reject(err);
  }

  private onData(d: Buffer): void {
    let b = this.buf ? Buffer.concat([this.buf, d]) : d;
    this.buf = null;
    let pos = 0;
    try {
      for (;;) {
        if (this.state === S.Head) {
          const end = b.indexOf(CRLF2, pos);
          if (end < 0) break;
          this.head(b.toString('latin1', pos, end));
          pos = end + 4;
          continue;
        }
        if (this.state === S.Body) {
          const n = Math.min(this.remaining, b.length - pos);
          if (n > 0) this.body.push(b.subarray(pos, pos + n));
          pos += n;
          this.remaining -= n;
          if (this.remaining > 0) break;
          this.finish();
          continue;
        }
        if (this.state === S.ChunkSize) {
          const end = b.indexOf(CRLF, pos);
          if (end < 0) break;
          const line = b.toString('latin1', pos, end);
          const size = parseInt(line, 16);
          if (!Number.isFinite(size) || size < 0) throw new Error(`bad chunk size "${line}"`);
          pos = end + 2;
          if (size === 0) this.state = S.Trailers;
          else {
            this.remaining = size;
            this.state = S.ChunkData;
          }
          continue;
        }
        if (this.state === S.ChunkData) {
          const n = Math.min(this.remaining, b.length - pos);
          if (n > 0) this.body.push(b.subarray(pos, pos + n));
          pos += n;
          this.remaining -= n;
          if (this.remaining > 0) break;
          this.state = S.ChunkEnd;
          continue;
        }
        if (this.state === S.ChunkEnd) {
          if (b.length - pos < 2) break;
          pos += 2;
          this.state = S.ChunkSize;
          continue;
        }
        if (this.state === S.Trailers) {
          // trailers (rare) end with an empty line
          const end = b.indexOf(CRLF, pos);
          if (end < 0) break;
          const empty = end === pos;
          pos = end + 2;
          if (empty) this.finish();
          continue;
        }
        // UntilClose: the body is everything until the server closes
        if (pos < b.length) this.body.push(b.subarray(pos));
        pos = b.length;
        break;
      }
    } catch (err) {
      this.fail(err as Error);
      return;
    }
    if (pos < b.length) this.buf = b.subarray(pos);
  }

  private head(head: string): void {
    // "HTTP/1.1 201 Created"
    if (!head.startsWith('HTTP/1.')) throw new Error('not an HTTP/1.x answer');
    this.status = Number(head.slice(9, 12));
    let length = -1;
    let chunked = false;
    this.closeAfter = head.charCodeAt(7) === 48; // HTTP/1.0 closes unless asked otherwise
    let i = head.indexOf('\r\n');
    while (i >= 0) {
      const next = head.indexOf('\r\n', i + 2);
      const line = head.slice(i + 2, next < 0 ? head.length : next);
      i = next;
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).toLowerCase();
      if (name === 'content-length') length = Number(line.slice(colon + 1).trim());
      else if (name === 'transfer-encoding') chunked = line.slice(colon + 1).toLowerCase().includes('chunked');
      else if (name === 'connection') {
        const v = line.slice(colon + 1).trim().toLowerCase();
        if (v === 'close') this.closeAfter = true;
        else if (v === 'keep-alive') this.closeAfter = false;
      }
    }
    if (this.status >= 100 && this.status < 200) return; // informational: the real answer follows
    if (this.pending.length === 0) throw new Error('an answer nobody asked for');
    this.body = [];
    if (this.status === 204 || this.status === 304) this.finish();
    else if (chunked) this.state = S.ChunkSize;
    else if (length >= 0) {
      if (!Number.isSafeInteger(length)) throw new Error('bad content-length');
      this.remaining = length;
      this.state = S.Body;
      if (length === 0) this.finish();
    } else {
      this.closeAfter = true;
      this.state = S.UntilClose;
    }
  }

  private finish(): void {
    const text = this.body.length === 0 ? '' : this.body.length === 1 ? this.body[0].toString('utf8') : Buffer.concat(this.body).toString('utf8');
    this.body = [];
    this.state = S.Head;
    const p = this.pending.shift();
    if (this.pending.length === 0 && !this.sock.destroyed) this.sock.unref();
    if (this.closeAfter && !this.dead) {
      // the server closes after this answer: requests behind it fail when it does
      this.dead = true;
      this.onDead(this);
    }
    p?.resolve({ status: this.status, text });
    if (!this.dead) this.onSlot(this);
  }
}

/** Requests over a few pipelined connections; a failed connection fails its requests (callers retry). */
export class PipelinedClient {
  private conns: Conn[] = [];
  /** requests waiting for room on a connection */
  private readonly waiting: Pending[] = [];
  private readonly auth: string;
  private readonly host: string;
  private readonly userAgent: string;
  private closed = false;

  constructor(
    private readonly target: PipelineTarget,
    private readonly maxConns = 16,
    private readonly depth = 8,
  ) {
    this.auth = `Bearer ${target.token}`;
    this.host = target.url.host;
    this.userAgent = target.userAgent ?? 'kubelite';
  }

  /** A request with a JSON body (already encoded); resolves with any answer, rejects when there is none. */
  request(method: string, path: string, json: string, contentType = 'application/json'): Promise<PipelineReply> {
    if (this.closed) return Promise.reject(new PipelineConnectionError('client closed'));
    if (/[\r\n ]/.test(path)) return Promise.reject(new Error(`bad path "${path}"`));
    const req =
      `${method} ${path} HTTP/1.1\r\nHost: ${this.host}\r\nAuthorization: ${this.auth}\r\nAccept: application/json\r\nUser-Agent: ${this.userAgent}\r\n` +
      `Content-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`;
    return new Promise((resolve, reject) => this.dispatch({ req, resolve, reject }));
  }

  /** Connections open now (for tests). */
  get connections(): number {
    return this.conns.length;
  }

  /** On the least busy connection with room; a new one when all are full; else it waits. */
  private dispatch(p: Pending): void {
    let best: Conn | undefined;
    for (const c of this.conns) if (!best || c.pending.length < best.pending.length) best = c;
    if (!best || best.pending.length >= this.depth) {
      if (this.conns.length >= this.maxConns) {
        this.waiting.push(p);
        return;
      }
      best = new Conn(
        this.target,
        (c) => this.onDead(c),
        (c) => this.onSlot(c),
      );
      this.conns.push(best);
    }
    best.send(p);
  }

  private onSlot(c: Conn): void {
    const p = this.waiting.shift();
    if (p) c.send(p);
  }

  private onDead(c: Conn): void {
    this.conns = this.conns.filter((x) => x !== c);
    // requests that were waiting go to the other (or a new) connection
    const w = this.waiting.splice(0);
    for (const p of w) this.dispatch(p);
  }

  close(): void {
    this.closed = true;
    const w = this.waiting.splice(0);
    for (const p of w) p.reject(new PipelineConnectionError('client closed'));
    for (const c of [...this.conns]) c.close();
    this.conns = [];
  }
}

/** A JSON client over pipelined connections, as RestClient.json (non-2xx answers throw ApiError with the server's Status). */
export interface JsonClient {
  json<T = unknown>(method: string, path: string, body?: unknown, contentType?: string): Promise<T>;
}

/** RestClient.json over the pipelined connections; with parse=false a 2xx answer's body is not decoded. */
export async function pipelineJson<T>(pipeline: PipelinedClient, method: string, path: string, body: unknown, contentType = 'application/json', parse = true): Promise<T> {
  const { status, text } = await pipeline.request(method, path, body === undefined ? '' : JSON.stringify(body), contentType);
  if (status >= 200 && status < 300) return (parse && text ? JSON.parse(text) : undefined) as T;
  let st: { reason?: string; message?: string; details?: unknown } = {};
  try {
    st = JSON.parse(text) as typeof st;
  } catch {
    st = { message: text };
  }
  throw new ApiError(status, st.reason ?? 'Unknown', st.message ?? `HTTP ${status}`, st.details as never);
}
