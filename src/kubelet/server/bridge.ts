// Protocol bridges between the client's WebSocket (already accepted) and containerd's streaming
// server.
//
// exec/attach: kubectl 1.32 speaks only `v5.channel.k8s.io` over WebSocket, and containerd 1.6
// only v4 over WebSocket, which cannot carry "stdin closed". So the kubelet terminates the
// WebSocket and talks SPDY/3.1 (remotecommand v4) to containerd: one SPDY stream per channel,
// and the v5 CLOSE signal `[0xFF, 0x00]` becomes a FIN on the stdin stream (kubectl cp needs it).
//
// port-forward: kubectl tunnels SPDY inside WebSocket binary messages
// (`SPDY/3.1+portforward.k8s.io`); its bytes go to containerd's SPDY port-forward endpoint
// unchanged, and containerd's bytes come back as binary messages.
import type { WebSocket, RawData } from 'ws';
import type { Socket } from 'node:net';
import type { Logger } from '../../util/logger.js';
import { httpUpgrade } from '../spdy/upgrade.js';
import { SpdyClientSession, type SpdyStream } from '../spdy/session.js';

export const CHANNEL_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;
export const PORT_FORWARD_TUNNEL_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';

export interface StreamFlags {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const RESIZE = 4;
const CLOSE = 255;

function toBuffer(d: RawData): Buffer {
  if (Buffer.isBuffer(d)) return d;
  if (Array.isArray(d)) return Buffer.concat(d);
  return Buffer.from(d);
}

/** Collects the WebSocket's messages until the upstream is ready, then hands them on. */
function bufferedMessages(ws: WebSocket): { take(fn: (m: Buffer) => void): void } {
  const early: Buffer[] = [];
  let sink: ((m: Buffer) => void) | undefined;
  ws.on('message', (d) => {
    const m = toBuffer(d);
    if (sink) sink(m);
    else early.push(m);
  });
  return {
    take(fn) {
      sink = fn;
      for (const m of early.splice(0)) fn(m);
    },
  };
}

function statusFailure(message: string): Buffer {
  return Buffer.from(JSON.stringify({ metadata: {}, status: 'Failure', message, reason: 'InternalError', code: 500 }));
}

/** Serves one exec/attach session: the WebSocket (v5 or v4 channels) against SPDY upstream. */
export async function bridgeRemoteCommand(ws: WebSocket, upstream: string, flags: StreamFlags, log: Logger): Promise<void> {
  const v5 = ws.protocol === 'v5.channel.k8s.io';
  const messages = bufferedMessages(ws);
  const ac = new AbortController();
  ws.once('close', () => ac.abort());
  let up;
  try {
    up = await httpUpgrade({
      url: new URL(upstream),
      method: 'POST',
      headers: { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': 'v4.channel.k8s.io', 'Content-Length': '0' },
      signal: ac.signal,
    });
  } catch (err) {
    if (!ac.signal.aborted) {
      ws.send(Buffer.concat([Buffer.from([ERROR]), statusFailure(`error connecting to the container runtime's streaming server: ${(err as Error).message}`)]));
      ws.close(1000);
    }
    return;
  }
  if (up.status !== 101) {
    const body = up.rest.toString('utf8').trim();
    up.socket.destroy();
    ws.send(Buffer.concat([Buffer.from([ERROR]), statusFailure(`the container runtime refused the stream (HTTP ${up.status}): ${body}`)]));
    ws.close(1000);
    return;
  }
  if (ws.readyState !== ws.OPEN) {
    up.socket.destroy();
    return;
  }
  const session = new SpdyClientSession(up.socket, up.rest);
  const open = (type: string): SpdyStream => session.openStream([['streamtype', type]]);
  const toClient = (ch: number, s: SpdyStream) => s.on('data', (d) => ws.readyState === ws.OPEN && ws.send(Buffer.concat([Buffer.from([ch]), d])));
  // the order client-go uses: error, stdin, stdout, stderr, resize
  toClient(ERROR, open('error'));
  const stdin = flags.stdin ? open('stdin') : undefined;
  if (flags.stdout) toClient(STDOUT, open('stdout'));
  if (flags.stderr && !flags.tty) toClient(STDERR, open('stderr'));
  const resize = flags.tty ? open('resize') : undefined;

  messages.take((m) => {
    if (!m.length) return;
    const ch = m[0]!;
    const payload = m.subarray(1);
    if (ch === STDIN) stdin?.write(payload);
    else if (ch === RESIZE) resize?.write(payload);
    else if (ch === CLOSE && v5 && payload[0] === STDIN) stdin?.end();
  });
  ac.signal.addEventListener('abort', () => session.close(), { once: true });
  await new Promise<void>((resolve) => {
    session.once('close', (err) => {
      if (err) log.debug({ err }, 'exec stream ended with an error');
      // the status went out on channel 3 before containerd closed: a normal close ends kubectl's read
      if (ws.readyState === ws.OPEN) ws.close(1000);
      resolve();
    });
  });
}

/** Serves kubectl's SPDY-over-WebSocket port-forward by passing the SPDY bytes to containerd. */
export async function tunnelPortForward(ws: WebSocket, upstream: string, log: Logger): Promise<void> {
  const messages = bufferedMessages(ws);
  const ac = new AbortController();
  ws.once('close', () => ac.abort());
  let socket: Socket;
  try {
    const up = await httpUpgrade({
      url: new URL(upstream),
      method: 'POST',
      headers: { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': 'portforward.k8s.io', 'Content-Length': '0' },
      signal: ac.signal,
    });
    socket = up.socket;
    if (up.status !== 101) throw new Error(`HTTP ${up.status}: ${up.rest.toString('utf8').trim()}`);
    if (up.rest.length) ws.send(up.rest);
  } catch (err) {
    log.warn({ err }, 'port-forward: the runtime refused the stream');
    ws.close(1011, 'runtime refused port-forward');
    return;
  }
  messages.take((m) => socket.write(m));
  socket.on('data', (d: Buffer) => ws.readyState === ws.OPEN && ws.send(d));
  socket.resume();
  await new Promise<void>((resolve) => {
    const done = () => {
      socket.destroy();
      if (ws.readyState === ws.OPEN) ws.close(1000);
      resolve();
    };
    socket.once('close', done);
    socket.once('error', done);
    ac.signal.addEventListener('abort', done, { once: true });
  });
}
