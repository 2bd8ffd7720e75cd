// Small HTTP helpers: bounded body reading, JSON/Status replies, content negotiation.
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { ApiError } from '../api/errors.js';
import type { Status } from '../api/types.js';

export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/**
 * A request whose body is at hand already (the in-process transport, local.ts) carries it
 * under this symbol instead of streaming it: readBody takes it as is.
 */
export const BODY_AT_HAND = Symbol('kubelite.bodyAtHand');

export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const atHand = (req as IncomingMessage & { [BODY_AT_HAND]?: Buffer })[BODY_AT_HAND];
  const body = atHand !== undefined ? bodyAtHand(atHand, limit) : readBodyBytes(req, limit);
  if (mediaType(req.headers['content-type']) !== 'application/vnd.kubernetes.protobuf') return body;
  // the protobuf decoder is loaded on first use, while the body arrives (see decode.ts)
  return Promise.all([body, import('./decode.js').then((d) => d.loadProtobufDecoder())]).then(([b]) => b);
}

function bodyAtHand(body: Buffer, limit: number): Promise<Buffer> {
  // as readBodyBytes would answer for it (the in-process request declares its length)
  if (body.length > limit) return Promise.reject(ApiError.tooLarge(`the request body is too large: ${body.length} bytes, limit is ${limit} bytes`));
  return Promise.resolve(body);
}

function readBodyBytes(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > limit) {
      req.resume();
      reject(ApiError.tooLarge(`the request body is too large: ${declared} bytes, limit is ${limit} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) {
        failed = true;
        reject(ApiError.tooLarge(`the request body is too large: more than ${limit} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!failed) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    });
    req.on('error', (e) => {
      if (!failed) reject(e);
    });
  });
}

export function sendJson(res: ServerResponse, code: number, body: unknown, extraHeaders?: Record<string, string | string[]>): void {
  sendRawJson(res, code, JSON.stringify(body), extraHeaders);
}

export function sendRawJson(res: ServerResponse, code: number, json: string, extraHeaders?: Record<string, string | string[]>, contentType = 'application/json'): void {
  const body = json + '\n';
  const headers: Record<string, string | string[] | number> = {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(body, 'utf8'),
    'Cache-Control': 'no-cache, private',
    ...extraHeaders,
  };
  res.writeHead(code, headers);
  if (coalescible(res)) coalescedEnd(res as FastResponse, body);
  else res.end(body); // a string: Node sends header and body as one chunk
}

// ---------------------------------------------------------------------------------------
// Pipelined answers in one write. Node's HTTP server writes the answer to a pipelined
// request only once the write of the answer before it has completed (over TLS: in a later
// turn of the event loop), so answers that are ready together (the bindings or lease
// renewals of one group commit) still cost one TLS record, one write syscall and one
// event-loop turn each. For a complete JSON answer (sendRawJson) we let Node build the head
// (writeHead: status line, Date, keep-alive, as always) but keep head and body in a buffer
// of the connection, in answer order, and end the response without a write of its own:
// Node then finishes it at once (process.nextTick) and hands the connection to the next
// answer, which appends to the same buffer if it is ready too. The buffer goes out in one
// socket write when the run of ready answers ends, and in any case before an answer that is
// not ready owns the connection (so that bytes Node writes for it come after ours).
// ---------------------------------------------------------------------------------------

const kReady = Symbol('kubelite.readyAnswer'); // head + body waiting for the connection
const kOut = Symbol('kubelite.answersOut'); // answers not written to the socket yet
const kCheck = Symbol('kubelite.answersCheck'); // a flush check is queued

/** The ServerResponse internals this relies on (Node 18-22 all have them). */
type FastResponse = ServerResponse & { _header?: string | null; _headerSent?: boolean; _last?: boolean; [kReady]?: string };
type FastSocket = Socket & { _httpMessage?: FastResponse | null; [kOut]?: string; [kCheck]?: boolean };

const ASCII = /^[\x00-\x7f]*$/;

function coalescible(res: ServerResponse): boolean {
  const r = res as FastResponse;
  return res instanceof ServerResponse && typeof r._header === 'string' && r._headerSent === false && !r._last && res.req?.method !== 'HEAD' && ASCII.test(r._header);
}

function coalescedEnd(res: FastResponse, body: string): void {
  const sock = res.req.socket as FastSocket;
  const payload = res._header + body;
  if (sock._httpMessage === res) {
    sendReady(res, sock, payload);
    return;
  }
  // behind another answer: wait for the connection (assignSocket emits 'socket' before it flushes)
  res[kReady] = payload;
  res.once('socket', () => queueMicrotask(() => sendReady(res, sock, payload)));
}

function sendReady(res: FastResponse, sock: FastSocket, payload: string): void {
  res[kReady] = undefined;
  if (sock.destroyed || !sock.writable) {
    res.end(); // as Node would: nothing more can be written
    return;
  }
  sock[kOut] = (sock[kOut] ?? '') + payload;
  res._headerSent = true; // head and body are in our buffer: end() writes nothing and finishes on the next tick
  res.end();
  if (!sock[kCheck]) {
    sock[kCheck] = true;
    process.nextTick(checkAnswers, sock); // after end()'s finish, which hands the connection on
  }
}

function checkAnswers(sock: FastSocket): void {
  sock[kCheck] = false;
  const next = sock._httpMessage;
  if (next && next[kReady] !== undefined) return; // the next answer is ready too: it appends, then checks again
  flushBuffered(sock);
}

/** Write the answers buffered for this connection now (before the socket changes hands, e.g. an upgrade). */
export function flushAnswers(sock: Socket | Duplex): void {
  flushBuffered(sock as FastSocket);
}

function flushBuffered(sock: FastSocket): void {
  const out = sock[kOut];
  if (out === undefined) return;
  sock[kOut] = undefined;
  if (!sock.destroyed && sock.writable) sock.write(out);
}

/**
 * Call for every request before it is handled: keeps buffered answers ahead of anything Node
 * writes for this response (an answer that does not go through sendRawJson, a watch's head).
 */
export function orderAnswers(req: IncomingMessage, res: ServerResponse): void {
  if (!(res instanceof ServerResponse)) return; // the in-process transport
  const sock = req.socket as FastSocket;
  if (res.socket) {
    flushBuffered(sock);
    return;
  }
  res.once('socket', () => {
    if ((res as FastResponse)[kReady] === undefined) flushBuffered(sock);
  });
}

export function sendStatus(res: ServerResponse, err: ApiError, extraHeaders?: Record<string, string | string[]>): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, err.code, err.toStatus(), extraHeaders);
}

export function successStatus(details?: Status['details']): Status {
  const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' };
  if (details) s.details = details;
  return s;
}

/** Media type without parameters, lower-cased. */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

export interface AcceptInfo {
  table: boolean;
  /** includeObject for Table rows */
  partialMetadata: boolean;
}

/** Does the client ask for a meta.k8s.io Table (first acceptable entry wins)? */
export function wantsTable(accept: string | undefined): boolean {
  // a Table is only ever asked for with the parameter as=Table
  if (!accept || !accept.includes('Table')) return false;
  for (const entry of accept.split(',')) {
    const parts = entry.split(';').map((s) => s.trim());
    const type = parts[0]!.toLowerCase();
    const params = new Map(parts.slice(1).map((p) => p.split('=') as [string, string]));
    if (params.get('as') === 'Table' && params.get('g') === 'meta.k8s.io' && (type === 'application/json' || type === '*/*')) return true;
    if (type === 'application/json' || type === '*/*' || type === 'application/yaml') {
      if (!params.has('as')) return false;
    }
  }
  return false;
}

/** Warning header value as kube-apiserver formats it. */
export function warningHeader(text: string): string {
  return `299 - ${JSON.stringify(text)}`;
}
