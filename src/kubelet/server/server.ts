// The kubelet's own HTTPS endpoint (port 10250 by default), reachable only by the API server
// (see auth.ts): container logs from the CRI log files, and exec / attach / port-forward through
// containerd's streaming server (see bridge.ts for the protocol bridging).
//
//   GET  /containerLogs/{ns}/{pod}/{container}?follow&previous&tailLines&sinceSeconds&sinceTime&timestamps&limitBytes
//   GET|POST /exec/{ns}/{pod}/{container}?command=..&stdin&stdout&stderr&tty   (upgrade)
//   GET|POST /attach/{ns}/{pod}/{container}?stdin&stdout&stderr&tty            (upgrade)
//   GET|POST /portForward/{ns}/{pod}[/{uid}][?ports=..]                         (upgrade)
//   GET  /healthz
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { createRequire } from 'node:module';
import type { WebSocketServer, WebSocket } from 'ws';
import type { Logger } from '../../util/logger.js';
import { bearerMatches, kubeletClientToken } from './auth.js';
import { selfSignedKubeletCert } from './cert.js';
import { bridgeRemoteCommand, tunnelPortForward, CHANNEL_PROTOCOLS, PORT_FORWARD_TUNNEL_PROTOCOL, type StreamFlags } from './bridge.js';
import { streamLogFile, type LogOptions } from './logs.js';
import { spliceUpgrade, upgradeHeaders, writeRawError } from './splice.js';
import type { ContainerLocation, ContainerLookup, StreamingRuntime } from './types.js';

export const DEFAULT_KUBELET_PORT = 10250;

export interface KubeletServerOptions {
  lookup: ContainerLookup;
  runtime: StreamingRuntime;
  tls: { certPem: string; keyPem: string };
  /** the only bearer token accepted: kubeletClientToken(clusterToken) */
  authToken: string;
  log: Logger;
}

class HttpError extends Error {
  constructor(readonly code: number, message: string, readonly reason = 'BadRequest') {
    super(message);
  }
  status(): Record<string, unknown> {
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason, code: this.code };
  }
}

interface Route {
  kind: 'containerLogs' | 'exec' | 'attach' | 'portForward';
  namespace: string;
  pod: string;
  container: string;
  query: URLSearchParams;
}

function parseRoute(rawUrl: string): Route | undefined {
  const u = new URL(rawUrl, 'https://kubelet');
  const parts = u.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const [kind, namespace, pod, container] = parts;
  if (!namespace || !pod) return undefined;
  if ((kind === 'containerLogs' || kind === 'exec' || kind === 'attach') && container && parts.length === 4) return { kind, namespace, pod, container, query: u.searchParams };
  if (kind === 'portForward' && parts.length <= 4) return { kind, namespace, pod, container: '', query: u.searchParams };
  return undefined;
}

const truthy = (q: URLSearchParams, k: string): boolean => ['true', '1'].includes((q.get(k) ?? '').toLowerCase());

function intParam(q: URLSearchParams, k: string): number | undefined {
  const v = q.get(k);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new HttpError(400, `invalid ${k}: ${JSON.stringify(v)}`);
  return n;
}

export class KubeletServer {
  private server: Server | undefined;
  // made on the first WebSocket upgrade: an agent nobody execs into does not load the ws library
  private wssInstance: WebSocketServer | undefined;
  private get wss(): WebSocketServer {
    if (this.wssInstance) return this.wssInstance;
    const { WebSocketServer: Wss } = createRequire(import.meta.url)('ws') as typeof import('ws');
    return (this.wssInstance = new Wss({ noServer: true, perMessageDeflate: false, handleProtocols: (offered) => CHANNEL_PROTOCOLS.find((p) => offered.has(p)) ?? false }));
  }
  private readonly abort = new AbortController();

  constructor(private readonly o: KubeletServerOptions) {}

  listen(port = DEFAULT_KUBELET_PORT, host = '0.0.0.0'): Promise<number> {
    const server = createServer({ cert: this.o.tls.certPem, key: this.o.tls.keyPem }, (req, res) => void this.onRequest(req, res));
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => void this.onUpgrade(req, socket, head));
    server.requestTimeout = 0; // log follows are long-lived
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        const a = server.address();
        resolve(typeof a === 'object' && a ? a.port : port);
      });
    });
  }

  async close(): Promise<void> {
    this.abort.abort();
    for (const c of this.wssInstance?.clients ?? []) c.terminate();
    this.wssInstance?.close();
    const s = this.server;
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }

  private async find(r: Route): Promise<ContainerLocation> {
    if (r.kind === 'portForward') {
      // any container of the pod locates its sandbox; the API server names the first one
      const sandbox = this.o.lookup.findPodSandbox?.(r.namespace, r.pod);
      if (sandbox) return { containerId: '', podSandboxId: sandbox, logPath: '' };
      const hint = r.query.get('container');
      const loc = hint ? await this.o.lookup.findContainer(r.namespace, r.pod, hint) : undefined;
      if (!loc) throw new HttpError(404, `pod "${r.pod}" has no running sandbox on this node`, 'NotFound');
      return loc;
    }
    const loc = await this.o.lookup.findContainer(r.namespace, r.pod, r.container);
    if (!loc) throw new HttpError(404, `container "${r.container}" in pod "${r.pod}" is not available on this node`, 'NotFound');
    return loc;
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (!bearerMatches(req.headers.authorization, this.o.authToken)) throw new HttpError(401, 'Unauthorized', 'Unauthorized');
      if ((req.url ?? '').split('?')[0] === '/healthz') {
        res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
        return;
      }
      const r = parseRoute(req.url ?? '/');
      if (!r) throw new HttpError(404, 'the server could not find the requested resource', 'NotFound');
      if (r.kind !== 'containerLogs') throw new HttpError(400, 'Upgrade request required');
      if (req.method !== 'GET') throw new HttpError(405, 'method not allowed', 'MethodNotAllowed');
      await this.serveLogs(r, req, res);
    } catch (err) {
      const e = err instanceof HttpError ? err : new HttpError(500, (err as Error).message, 'InternalError');
      if (e.code >= 500) this.o.log.warn({ err, url: req.url }, 'kubelet request failed');
      if (res.headersSent) res.destroy();
      else res.writeHead(e.code, { 'Content-Type': 'application/json' }).end(JSON.stringify(e.status()));
    }
  }

  private async serveLogs(r: Route, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const loc = await this.find(r);
    const q = r.query;
    const previous = truthy(q, 'previous');
    const path = previous ? loc.previousLogPath : loc.logPath;
    if (!path) throw new HttpError(400, `previous terminated container "${r.container}" in pod "${r.pod}" not found`);
    const o: LogOptions = { follow: truthy(q, 'follow') && !previous, timestamps: truthy(q, 'timestamps'), tailLines: intParam(q, 'tailLines'), limitBytes: intParam(q, 'limitBytes') };
    const sinceSeconds = intParam(q, 'sinceSeconds');
    const sinceTime = q.get('sinceTime');
    if (sinceSeconds !== undefined) o.since = new Date(Date.now() - sinceSeconds * 1000);
    else if (sinceTime) {
      const t = Date.parse(sinceTime);
      if (Number.isNaN(t)) throw new HttpError(400, `invalid sinceTime: ${JSON.stringify(sinceTime)}`);
      o.since = new Date(t);
    }
    const ac = new AbortController();
    const onAbort = () => ac.abort();
    this.abort.signal.addEventListener('abort', onAbort, { once: true });
    res.on('close', onAbort);
    let started = false;
    const start = () => {
      if (started) return;
      started = true;
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' });
      res.flushHeaders();
    };
    try {
      if (o.follow) start(); // a follower sees the headers at once
      await streamLogFile(path, o, { write: (b) => (start(), res.write(b), !res.destroyed) }, {
        signal: ac.signal,
        running: () => this.o.runtime.containerStatus(loc.containerId).then((s) => s.status?.state === 'CONTAINER_RUNNING', () => false),
      });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !started) throw new HttpError(404, `log file for container "${r.container}" in pod "${r.pod}" not found`, 'NotFound');
      throw err;
    } finally {
      this.abort.signal.removeEventListener('abort', onAbort);
    }
    start();
    res.end();
  }

  private async onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => undefined);
    try {
      if (!bearerMatches(req.headers.authorization, this.o.authToken)) throw new HttpError(401, 'Unauthorized', 'Unauthorized');
      const r = parseRoute(req.url ?? '/');
      if (!r || r.kind === 'containerLogs') throw new HttpError(404, 'the server could not find the requested resource', 'NotFound');
      const loc = await this.find(r);
      const q = r.query;
      const upgrade = (req.headers.upgrade ?? '').toLowerCase();
      const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      const url = await this.runtimeUrl(r, loc);
      if (upgrade === 'websocket' && r.kind === 'portForward' && offered.includes(PORT_FORWARD_TUNNEL_PROTOCOL)) {
        // ws rejects "/" in a subprotocol: hide the offer from it and answer it ourselves
        delete req.headers['sec-websocket-protocol'];
        const addProtocol = (headers: string[], r2: IncomingMessage) => {
          if (r2 === req) headers.push(`Sec-WebSocket-Protocol: ${PORT_FORWARD_TUNNEL_PROTOCOL}`);
        };
        this.wss.on('headers', addProtocol);
        const ws = await this.accept(req, socket, head).finally(() => this.wss.off('headers', addProtocol));
        await tunnelPortForward(ws, url, this.o.log);
        return;
      }
      if (upgrade === 'websocket' && r.kind !== 'portForward' && offered.some((p) => (CHANNEL_PROTOCOLS as readonly string[]).includes(p))) {
        const ws = await this.accept(req, socket, head);
        await bridgeRemoteCommand(ws, url, this.flags(q), this.o.log);
        return;
      }
      // SPDY clients, and WebSocket protocols containerd speaks itself (v4 port-forward, v1-v4 channels)
      const target = new URL(url);
      if (r.kind === 'portForward') for (const p of q.getAll('ports')) target.searchParams.append('ports', p); // client-node's v4 WebSocket
      await spliceUpgrade(req, socket, head, target, { headers: upgradeHeaders(req), signal: this.abort.signal });
    } catch (err) {
      const e = err instanceof HttpError ? err : new HttpError(500, (err as Error).message, 'InternalError');
      if (e.code >= 500) this.o.log.warn({ err, url: req.url }, 'kubelet stream failed');
      if (socket.writable && !socket.destroyed) writeRawError(socket, e.code, e.status());
    }
  }

  private accept(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<WebSocket> {
    return new Promise((resolve) => this.wss.handleUpgrade(req, socket, head, (ws) => resolve(ws)));
  }

  private flags(q: URLSearchParams): StreamFlags {
    const tty = truthy(q, 'tty');
    return { stdin: truthy(q, 'stdin') || truthy(q, 'input'), stdout: truthy(q, 'stdout') || truthy(q, 'output'), stderr: truthy(q, 'stderr') && !tty, tty };
  }

  /** Asks the runtime for a one-shot streaming URL for this request. */
  private async runtimeUrl(r: Route, loc: ContainerLocation): Promise<string> {
    const opts = { timeoutMs: 30_000, signal: this.abort.signal };
    try {
      if (r.kind === 'portForward') {
        const ports = [...r.query.getAll('ports'), ...r.query.getAll('port')].flatMap((p) => p.split(',')).map(Number).filter((n) => Number.isInteger(n) && n > 0);
        return await this.o.runtime.portForward(loc.podSandboxId, ports, opts);
      }
      const f = this.flags(r.query);
      if (!f.stdin && !f.stdout && !f.stderr) throw new HttpError(400, 'you must specify at least 1 of stdin, stdout, stderr');
      if (r.kind === 'attach') return await this.o.runtime.attach(loc.containerId, f, opts);
      const cmd = r.query.getAll('command');
      if (!cmd.length) throw new HttpError(400, 'you must specify at least one command for the container');
      return await this.o.runtime.exec(loc.containerId, { cmd, ...f }, opts);
    } catch (err) {
      if (err instanceof HttpError) throw err;
      throw new HttpError(500, `unable to ${r.kind} in container "${r.container}" of pod "${r.pod}": ${(err as Error).message}`, 'InternalError');
    }
  }
}

/** The agent's one-liner: a self-signed serving cert, the token derived from the cluster token, listening. */
export async function startKubeletServer(o: {
  lookup: ContainerLookup;
  runtime: StreamingRuntime;
  nodeName: string;
  nodeIPs?: string[];
  /** the token the agent uses with the API server (the server's admin token in `kubelite server`) */
  clusterToken: string;
  port?: number;
  host?: string;
  log: Logger;
}): Promise<{ server: KubeletServer; port: number }> {
  const tls = await selfSignedKubeletCert(o.nodeName, o.nodeIPs);
  const server = new KubeletServer({ lookup: o.lookup, runtime: o.runtime, tls, authToken: kubeletClientToken(o.clusterToken), log: o.log });
  const port = await server.listen(o.port ?? DEFAULT_KUBELET_PORT, o.host);
  return { server, port };
}
