// Small HTTP helpers: bounded body reading, JSON/Status replies, content negotiation.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from '../api/errors.js';
import type { Status } from '../api/types.js';

export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const body = readBodyBytes(req, limit);
  if (mediaType(req.headers['content-type']) !== 'application/vnd.kubernetes.protobuf') return body;
  // the protobuf decoder is loaded on first use, while the body arrives (see decode.ts)
  return Promise.all([body, import('./decode.js').then((d) => d.loadProtobufDecoder())]).then(([b]) => b);
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
  const buf = Buffer.from(json + '\n', 'utf8');
  const headers: Record<string, string | string[] | number> = {
    'Content-Type': contentType,
    'Content-Length': buf.length,
    'Cache-Control': 'no-cache, private',
    ...extraHeaders,
  };
  res.writeHead(code, headers);
  res.end(buf);
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
