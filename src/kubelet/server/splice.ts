// Raw pass-through of an upgrade request: the request goes to the upstream with its upgrade
// headers, the upstream's answer (101 or an error) goes back byte for byte, then the two sockets
// are joined. Used for SPDY clients and for WebSocket protocols containerd speaks itself.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ConnectionOptions } from 'node:tls';
import { httpUpgrade } from '../spdy/upgrade.js';

/** Request headers worth passing on through an upgrade proxy. */
const PASS = /^(upgrade|connection|sec-websocket-.*|x-stream-protocol-version|user-agent|content-length|origin)$/;

export function upgradeHeaders(req: IncomingMessage, extra: Record<string, string> = {}): Record<string, string | string[]> {
  const h: Record<string, string | string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const k = req.rawHeaders[i]!;
    if (!PASS.test(k.toLowerCase())) continue;
    const v = req.rawHeaders[i + 1]!;
    const prev = h[k];
    h[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return { ...h, ...extra };
}

export interface SpliceOptions {
  headers: Record<string, string | string[]>;
  tls?: ConnectionOptions;
  signal?: AbortSignal;
}

/** Joins the client's socket to the upstream's for the rest of the connection. */
export async function spliceUpgrade(req: IncomingMessage, client: Duplex, head: Buffer, target: URL, o: SpliceOptions): Promise<void> {
  const up = await httpUpgrade({ url: target, method: req.method ?? 'GET', headers: o.headers, tls: o.tls, signal: o.signal });
  const upstream = up.socket;
  client.write(Buffer.concat([up.rawHead, up.rest]));
  if (head.length) upstream.write(head);
  await new Promise<void>((resolve) => {
    let done = false;
    const end = () => {
      if (done) return;
      done = true;
      upstream.destroy();
      client.destroy();
      resolve();
    };
    upstream.on('error', end);
    client.on('error', end);
    upstream.on('close', end);
    client.on('close', end);
    o.signal?.addEventListener('abort', end, { once: true });
    upstream.pipe(client);
    client.pipe(upstream);
    upstream.resume();
  });
}

/** An HTTP error answer written on a raw (not yet upgraded) socket, then the socket is ended. */
export function writeRawError(socket: Duplex, code: number, body: unknown): void {
  const json = Buffer.from(JSON.stringify(body) + '\n');
  const reason: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable' };
  socket.end(
    Buffer.concat([
      Buffer.from(`HTTP/1.1 ${code} ${reason[code] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${json.length}\r\nConnection: close\r\n\r\n`, 'latin1'),
      json,
    ]),
  );
}
