// A minimal gRPC client for unary calls over one HTTP/2 connection to a unix socket: what the
// CRI needs (every CRI call is unary; no TLS, compression, metadata or retries) with the wire
// format of gRPC over HTTP/2 (length-prefixed message, grpc-status and grpc-message trailers).
// grpc-js does the same through a dozen layers (channel, resolver, load balancer, interceptors,
// retries, call credentials, per-call Metadata objects): in the node agent, which runs V8 in its
// interpreter only (bin/kubelite), those layers took about a third of its CPU per pod start.
// Failures are GrpcCallError with the gRPC status code, mapped as grpc-js does: the runtime's
// code from its trailers; a connection that fails or drops is UNAVAILABLE; our deadline is
// DEADLINE_EXCEEDED; the caller's cancel is CANCELLED.
import { connect as h2connect, constants, type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import { connect as netConnect } from 'node:net';

/** gRPC status codes (the subset named here; others pass through as numbers) */
export const Code = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

const CODE_NAMES: readonly string[] = Object.keys(Code);

/** The status name of a code (as grpc-js's `status[code]`), e.g. NOT_FOUND. */
export function codeName(code: number): string | undefined {
  return CODE_NAMES[code];
}

/** A failed call: the gRPC status code and its message (grpc-js's ServiceError has the same fields). */
export class GrpcCallError extends Error {
  constructor(
    readonly code: number,
    readonly details: string,
  ) {
    super(`${code} ${codeName(code) ?? ''}: ${details}`);
    this.name = 'GrpcCallError';
  }
}

/** HTTP status of a response without grpc-status, to a gRPC code (the gRPC spec's table) */
function httpToCode(status: number): number {
  switch (status) {
    case 400:
      return Code.INTERNAL;
    case 401:
      return Code.UNAUTHENTICATED;
    case 403:
      return Code.PERMISSION_DENIED;
    case 404:
      return Code.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return Code.UNAVAILABLE;
    default:
      return Code.UNKNOWN;
  }
}

/** grpc-timeout: at most 8 digits and a unit */
function timeoutHeader(ms: number): string {
  const m = Math.max(1, Math.ceil(ms));
  return m < 1e8 ? `${m}m` : `${Math.ceil(m / 1000)}S`;
}

function decodeMessage(v: unknown): string {
  const s = Array.isArray(v) ? String(v[0]) : typeof v === 'string' ? v : '';
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

const { NGHTTP2_CANCEL } = constants;

/** how often the deadlines of calls in flight are checked (the runtime gets grpc-timeout too) */
const DEADLINE_TICK_MS = 50;

interface Pending {
  deadline: number;
  stop(err: GrpcCallError): void;
}

/**
 * One HTTP/2 connection, made at the first call and made again after it closes or fails
 * (containerd restarting). It holds the event loop only while calls are in flight. Deadlines
 * are checked by one timer for all calls in flight, and each AbortSignal gets one listener for
 * all its calls (a timer and a listener per call cost more than the rest of a call's own work
 * in an interpreter-only V8).
 */
export class UnaryChannel {
  private session: ClientHttp2Session | undefined;
  private readonly pending = new Set<Pending>();
  private ticker: NodeJS.Timeout | undefined;
  private readonly bySignal = new WeakMap<AbortSignal, Set<Pending>>();
  private closed = false;

  constructor(private readonly socketPath: string) {}

  private current(): ClientHttp2Session {
    const have = this.session;
    if (have && !have.closed && !have.destroyed) return have;
    const s = h2connect('http://localhost', {
      createConnection: () => netConnect(this.socketPath),
      // a runtime that announces no SETTINGS_MAX_CONCURRENT_STREAMS has no limit (containerd 1.6
      // announces 2^32-1): without this, node would assume 100 and hold further calls back while
      // 100 run (100 pods' StopContainer waiting out their grace periods would hold every other call)
      peerMaxConcurrentStreams: 1 << 20,
      // a relist of a full node is a large message (grpc-js was allowed 64 MiB)
      maxSessionMemory: 64,
    });
    // failures reach the calls as stream errors; a session error itself needs no handling here
    s.on('error', () => undefined);
    const drop = () => {
      if (this.session === s) this.session = undefined;
    };
    s.on('goaway', drop);
    s.on('close', drop);
    if (this.pending.size === 0) s.unref();
    this.session = s;
    return s;
  }

  close(): void {
    this.closed = true;
    const s = this.session;
    this.session = undefined;
    s?.close();
  }

  private tick(): void {
    const now = Date.now();
    for (const p of this.pending) if (p.deadline <= now) p.stop(new GrpcCallError(Code.DEADLINE_EXCEEDED, 'Deadline exceeded'));
  }

  private callsOf(signal: AbortSignal): Set<Pending> {
    let set = this.bySignal.get(signal);
    if (!set) {
      const calls = (set = new Set());
      this.bySignal.set(signal, calls);
      signal.addEventListener('abort', () => {
        for (const p of calls) p.stop(new GrpcCallError(Code.CANCELLED, 'Cancelled on client'));
      }, { once: true });
    }
    return set;
  }

  /**
   * One unary call: path '/package.Service/Method', the encoded request; resolves with the
   * encoded response or rejects with a GrpcCallError.
   */
  call(path: string, request: Uint8Array, deadlineMs: number, signal?: AbortSignal): Promise<Buffer> {
    if (this.closed) return Promise.reject(new GrpcCallError(Code.UNAVAILABLE, 'channel closed'));
    if (signal?.aborted) return Promise.reject(new GrpcCallError(Code.CANCELLED, 'Cancelled on client'));
    const left = deadlineMs - Date.now();
    if (left <= 0) return Promise.reject(new GrpcCallError(Code.DEADLINE_EXCEEDED, 'deadline exceeded before the call'));
    const frame = Buffer.allocUnsafe(5 + request.length);
    frame[0] = 0;
    frame.writeUInt32BE(request.length, 1);
    frame.set(request, 5);
    let session: ClientHttp2Session;
    let stream: ClientHttp2Stream;
    try {
      session = this.current();
      stream = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers', 'grpc-timeout': timeoutHeader(left) });
    } catch (err) {
      // the session went away between our check and the request (or ran out of stream ids)
      this.session?.destroy();
      this.session = undefined;
      return Promise.reject(new GrpcCallError(Code.UNAVAILABLE, (err as Error).message));
    }
    return new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let httpStatus = 0;
      let grpcStatus: number | undefined;
      let grpcMessage = '';
      let ours: GrpcCallError | undefined;
      let streamError: Error | undefined;
      const headersOf = (h: Record<string, unknown>) => {
        if (h['grpc-status'] !== undefined) {
          grpcStatus = Number(h['grpc-status']);
          grpcMessage = decodeMessage(h['grpc-message']);
        }
      };
      const me: Pending = {
        deadline: deadlineMs,
        stop: (err) => {
          if (ours) return;
          ours = err;
          stream.close(NGHTTP2_CANCEL);
        },
      };
      if (this.pending.size === 0) {
        session.ref();
        this.ticker = setInterval(() => this.tick(), DEADLINE_TICK_MS);
      }
      this.pending.add(me);
      const signalCalls = signal ? this.callsOf(signal) : undefined;
      signalCalls?.add(me);
      stream.on('response', (h) => {
        httpStatus = Number(h[':status']);
        headersOf(h);
      });
      stream.on('trailers', headersOf);
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', (err) => (streamError = err));
      stream.on('close', () => {
        signalCalls?.delete(me);
        this.pending.delete(me);
        if (this.pending.size === 0) {
          clearInterval(this.ticker);
          this.ticker = undefined;
          if (this.session && !this.session.destroyed) this.session.unref();
        }
        if (ours) return reject(ours);
        if (grpcStatus === undefined) {
          if (httpStatus && httpStatus !== 200) return reject(new GrpcCallError(httpToCode(httpStatus), `Received HTTP status code ${httpStatus}`));
          return reject(new GrpcCallError(Code.UNAVAILABLE, streamError?.message ?? 'connection closed without a status'));
        }
        if (grpcStatus !== Code.OK) return reject(new GrpcCallError(grpcStatus, grpcMessage));
        const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        if (body.length < 5) return reject(new GrpcCallError(Code.INTERNAL, 'no response message'));
        if (body[0] !== 0) return reject(new GrpcCallError(Code.INTERNAL, 'compressed response message (no compression was offered)'));
        const len = body.readUInt32BE(1);
        if (body.length < 5 + len) return reject(new GrpcCallError(Code.INTERNAL, 'truncated response message'));
        resolve(body.subarray(5, 5 + len));
      });
      stream.end(frame);
    });
  }
}
