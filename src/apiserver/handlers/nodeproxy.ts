// pods/{name}/log|exec|attach|portforward: the API server finds the pod's node and proxies the
// request to that node's kubelet (status.daemonEndpoints.kubeletEndpoint.Port at the node's
// InternalIP), over HTTPS with the kubelet client token (see kubelet/server/auth.ts). Logs are
// streamed through; upgrades (WebSocket or SPDY) are passed on byte for byte after the
// kubelet's answer, as kube-apiserver's upgrade-aware proxy does.
import { request as httpsRequest } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import type { RequestInfo } from '../requestinfo.js';
import type { Registries, RequestContext } from './context.js';
import { spliceUpgrade, upgradeHeaders, writeRawError } from '../../kubelet/server/splice.js';

export interface NodeProxyConfig {
  /** bearer token presented to kubelets */
  kubeletToken: string;
}

const configs = new WeakMap<Registries, NodeProxyConfig>();

export function configureNodeProxy(registries: Registries, c: NodeProxyConfig): void {
  configs.set(registries, c);
}

type StreamSub = 'log' | 'exec' | 'attach' | 'portforward';

interface ContainerSpec {
  name: string;
}

function names(list: unknown): string[] {
  return Array.isArray(list) ? (list as ContainerSpec[]).map((c) => c.name) : [];
}

/** The container the request names, defaulted and checked as kube-apiserver does. */
export function resolveContainer(pod: KubeObject, requested: string | null, sub: StreamSub): string {
  const name = pod.metadata.name;
  const containers = names(pod.spec?.containers);
  const inits = names(pod.spec?.initContainers);
  const ephemeral = names(pod.spec?.ephemeralContainers);
  let c = requested ?? '';
  if (!c) {
    if (containers.length === 1) c = containers[0]!;
    else {
      let msg = `a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]`;
      if (inits.length) msg += ` or one of the init containers: [${inits.join(' ')}]`;
      if (ephemeral.length && sub !== 'log') msg += ` or one of the ephemeral containers: [${ephemeral.join(' ')}]`;
      throw ApiError.badRequest(msg);
    }
  }
  if (![...containers, ...inits, ...ephemeral].includes(c)) throw ApiError.badRequest(`container ${c} is not valid for pod ${name}`);
  return c;
}

interface ContainerStatusLite {
  name: string;
  state?: { waiting?: { reason?: string } };
  lastState?: { terminated?: unknown };
}

/** Status-based checks that kubectl users see before any stream opens. */
function checkContainerState(pod: KubeObject, c: string, previous: boolean): void {
  const statuses = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])] as ContainerStatusLite[];
  const st = statuses.find((s) => s.name === c);
  if (!st) return; // no status reported yet: the kubelet decides
  if (previous) {
    if (!st.lastState?.terminated) throw ApiError.badRequest(`previous terminated container "${c}" in pod "${pod.metadata.name}" not found`);
    return;
  }
  if (st.state?.waiting && !st.lastState?.terminated) {
    throw ApiError.badRequest(`container "${c}" in pod "${pod.metadata.name}" is waiting to start: ${st.state.waiting.reason ?? 'ContainerCreating'}`);
  }
}

interface Location {
  url: URL;
  token: string;
}

function kubeletBase(registries: Registries, pod: KubeObject, sub: string): string {
  const nodeName = pod.spec?.nodeName as string | undefined;
  const podName = pod.metadata.name;
  if (!nodeName) throw ApiError.badRequest(`pod ${podName} does not have a host assigned`);
  const node = registries.get('', 'nodes')?.tryGet('', nodeName)?.obj;
  const port = node?.status?.daemonEndpoints?.kubeletEndpoint?.Port as number | undefined;
  const addresses = (node?.status?.addresses ?? []) as Array<{ type: string; address: string }>;
  const ip = addresses.find((a) => a.type === 'InternalIP')?.address ?? addresses.find((a) => a.type === 'ExternalIP')?.address;
  if (!node || !port || !ip) {
    throw ApiError.serviceUnavailable(`no node agent serves ${sub} for pod "${podName}" on node "${nodeName}": the node has no kubelet endpoint (status.daemonEndpoints.kubeletEndpoint.Port and an InternalIP address)`);
  }
  return `https://${ip.includes(':') ? `[${ip}]` : ip}:${port}`;
}

/** Where the kubelet serves this pod subresource request. */
export function locate(registries: Registries, info: RequestInfo): Location {
  const cfg = configs.get(registries);
  const sub = info.subresource as StreamSub;
  const pod = registries.get('', 'pods')!.get(info.namespace, info.name).obj;
  const base = kubeletBase(registries, pod, sub);
  if (!cfg) throw ApiError.serviceUnavailable('the API server has no kubelet credentials configured');
  const q = new URLSearchParams(info.query);
  const seg = (s: string) => encodeURIComponent(s);
  let path: string;
  if (sub === 'portforward') {
    path = `/portForward/${seg(info.namespace)}/${seg(info.name)}`;
    const first = names(pod.spec?.containers)[0];
    if (first) q.set('container', first); // lets a kubelet find the sandbox through any container
  } else {
    const c = resolveContainer(pod, q.get('container'), sub);
    if (sub === 'log') checkContainerState(pod, c, ['true', '1'].includes(q.get('previous') ?? ''));
    q.delete('container');
    path = `/${sub === 'log' ? 'containerLogs' : sub}/${seg(info.namespace)}/${seg(info.name)}/${seg(c)}`;
  }
  const qs = q.toString();
  return { url: new URL(base + path + (qs ? `?${qs}` : '')), token: cfg.kubeletToken };
}

/** GET pods/x/log (streamed), and plain requests to the upgrade-only subresources. */
export async function proxyToNode(ctx: RequestContext): Promise<void> {
  const sub = ctx.info.subresource;
  if (sub !== 'log') {
    // the pod must exist and have a node before "upgrade required" makes sense
    locate(ctx.registries, ctx.info);
    throw ApiError.badRequest('Upgrade request required');
  }
  if (ctx.info.verb !== 'get') throw ApiError.methodNotAllowed();
  const loc = locate(ctx.registries, ctx.info);
  const { res, req } = ctx;
  await new Promise<void>((resolve, reject) => {
    const up = httpsRequest(loc.url, { method: 'GET', headers: { Authorization: `Bearer ${loc.token}` }, rejectUnauthorized: false }, (kres) => {
      const code = kres.statusCode ?? 502;
      if (code !== 200) {
        collect(kres).then((body) => {
          reject(kubeletError(code, body));
        }, reject);
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
      res.flushHeaders();
      kres.on('data', (d: Buffer) => res.write(d));
      kres.on('end', () => {
        res.end();
        resolve();
      });
      kres.on('error', () => {
        res.destroy();
        resolve();
      });
    });
    up.on('error', (err) => reject(res.headersSent ? err : ApiError.serviceUnavailable(`error talking to the kubelet at ${loc.url.host}: ${err.message}`)));
    res.on('close', () => up.destroy());
    req.on('close', () => {
      if (!res.writableEnded) up.destroy();
    });
    up.end();
  });
}

function collect(s: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    s.on('data', (c: Buffer) => {
      size += c.length;
      if (size < 64 * 1024) chunks.push(c);
    });
    s.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    s.on('error', reject);
  });
}

function kubeletError(code: number, body: string): ApiError {
  try {
    const s = JSON.parse(body) as { kind?: string; message?: string; reason?: string };
    if (s.kind === 'Status' && s.message) return new ApiError(code, s.reason ?? 'BadRequest', s.message);
  } catch {
    // not JSON
  }
  return new ApiError(code === 401 || code === 403 ? 502 : code, 'InternalError', `the kubelet answered ${code}: ${body.trim()}`);
}

const STREAM_SUBS = new Set(['exec', 'attach', 'portforward']);

/** An authenticated Upgrade request for pods/x/exec|attach|portforward (others get a Status error). */
export async function proxyUpgradeToNode(registries: Registries, info: RequestInfo, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  try {
    if (!info.isResource || info.group !== '' || info.resource !== 'pods' || !STREAM_SUBS.has(info.subresource) || !info.name) {
      throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    }
    if (req.method !== 'GET' && req.method !== 'POST') throw ApiError.methodNotAllowed();
    const loc = locate(registries, info);
    await spliceUpgrade(req, socket, head, loc.url, {
      headers: upgradeHeaders(req, { Authorization: `Bearer ${loc.token}` }),
      tls: { rejectUnauthorized: false },
    });
  } catch (err) {
    const e = err instanceof ApiError ? err : ApiError.serviceUnavailable(`error talking to the kubelet: ${(err as Error).message}`);
    if (socket.writable && !socket.destroyed) writeRawError(socket, e.code, e.toStatus());
  }
}
