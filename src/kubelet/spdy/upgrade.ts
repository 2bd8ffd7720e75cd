// A raw HTTP/1.1 upgrade request on a fresh TCP (or TLS) connection, returning the socket with
// the parsed response head and whatever bytes followed it. Used to reach containerd's streaming
// server (SPDY/3.1 or WebSocket) and, from the API server, the kubelet.
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';

export interface UpgradeResponse {
  socket: Socket;
  status: number;
  /** lower-cased names; repeated headers joined with ", " */
  headers: Record<string, string>;
  /** the response head as received, including the blank line */
  rawHead: Buffer;
  /** bytes that arrived after the head */
  rest: Buffer;
}

export interface UpgradeRequest {
  url: URL;
  method: string;
  /** header name -> value(s); Host is added unless given */
  headers: Record<string, string | string[]>;
  /** bytes to send right after the request head */
  body?: Buffer;
  tls?: ConnectionOptions;
  timeoutMs?: number;
  signal?: AbortSignal;
}

const MAX_HEAD = 64 * 1024;

export function requestHead(method: string, path: string, headers: Record<string, string | string[]>): Buffer {
  const lines = [`${method} ${path} HTTP/1.1`];
  for (const [k, v] of Object.entries(headers)) {
    for (const one of Array.isArray(v) ? v : [v]) {
      if (/[\r\n]/.test(k) || /[\r\n]/.test(one)) throw new Error(`invalid header ${k}`);
      lines.push(`${k}: ${one}`);
    }
  }
  return Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1');
}

export function parseResponseHead(head: string): { status: number; headers: Record<string, string> } {
  const lines = head.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
  if (!m) throw new Error(`malformed HTTP response: ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const k = line.slice(0, i).trim().toLowerCase();
    const v = line.slice(i + 1).trim();
    headers[k] = headers[k] === undefined ? v : `${headers[k]}, ${v}`;
  }
  return { status: Number(m[1]), headers };
}

export function httpUpgrade(r: UpgradeRequest): Promise<UpgradeResponse> {
  return new Promise((resolve, reject) => {
    const port = Number(r.url.port || (r.url.protocol === 'https:' ? 443 : 80));
    const host = r.url.hostname.replace(/^\[|\]$/g, '');
    const secure = r.url.protocol === 'https:' || r.url.protocol === 'wss:';
    const socket: Socket = secure ? tlsConnect({ host, port, servername: isIp(host) ? undefined : host, ...r.tls }) : netConnect({ host, port });
    socket.setNoDelay(true);
    let buf = Buffer.alloc(0);
    let done = false;
    const fail = (err: Error) => {
      if (done) return;
      done = true;
      cleanup();
      socket.destroy();
      reject(err);
    };
    const timer = setTimeout(() => fail(new Error(`no answer from ${r.url.host} within ${r.timeoutMs ?? 10_000} ms`)), r.timeoutMs ?? 10_000);
    const onAbort = () => fail(new Error('aborted'));
    const onData = (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buf.length > MAX_HEAD) fail(new Error('response head too large'));
        return;
      }
      try {
        const { status, headers } = parseResponseHead(buf.subarray(0, end).toString('latin1'));
        done = true;
        cleanup();
        socket.pause();
        resolve({ socket, status, headers, rawHead: buf.subarray(0, end + 4), rest: buf.subarray(end + 4) });
      } catch (err) {
        fail(err as Error);
      }
    };
    const onError = (err: Error) => fail(err);
    const onClose = () => fail(new Error(`connection to ${r.url.host} closed before an answer`));
    const cleanup = () => {
      clearTimeout(timer);
      r.signal?.removeEventListener('abort', onAbort);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
    };
    if (r.signal?.aborted) return fail(new Error('aborted'));
    r.signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
    const headers = { Host: r.url.host, ...r.headers };
    socket.write(requestHead(r.method, r.url.pathname + r.url.search, headers));
    if (r.body?.length) socket.write(r.body);
  });
}

function isIp(h: string): boolean {
  return /^[\d.]+$/.test(h) || h.includes(':');
}
