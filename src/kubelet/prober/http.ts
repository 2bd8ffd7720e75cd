// httpGet for probes and lifecycle hooks, as the kubelet makes it: host defaults to the pod IP,
// the port may be a container port's name, HTTPS is not verified, redirects are followed on the
// same host only (up to 10), no keep-alive, User-Agent kube-probe/1.32 (kube-lifecycle for hooks)
// unless the spec sets one, Accept */* unless set. Probe verdict: 200-399 healthy, a redirect
// left unfollowed (another host) a warning, anything else "HTTP probe failed with statuscode".
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { ContainerSpec } from '../types.js';
import { dialError } from './neterr.js';
import { joinHostPort, resolvePort, type HTTPGetAction, type Outcome } from './types.js';

/** The Kubernetes minor version the kubelet announces in its User-Agent. */
export const KUBE_VERSION = '1.32';
const MAX_BODY = 10 * 1024;
const MAX_REDIRECTS = 10;

export interface HttpGetRequest {
  scheme: 'http' | 'https';
  host: string;
  port: number;
  /** path and query, as written in the spec */
  path: string;
  headers: [string, string][];
}

export interface HttpResponse {
  status: number;
  body: string;
}

/** A request that got no response: the message is Go's `Get "url": cause`. */
export class HttpGetError extends Error {}

/** Go canonicalizes header names on the wire (x-custom-header -> X-Custom-Header). */
function canonicalHeader(name: string): string {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_m, sep: string, ch: string) => sep + ch.toUpperCase());
}

export function httpGetRequest(a: HTTPGetAction, c: ContainerSpec, podIP: string, purpose: 'probe' | 'lifecycle'): HttpGetRequest {
  const scheme = (a.scheme ?? 'HTTP').toLowerCase() === 'https' ? 'https' : 'http';
  const headers: [string, string][] = (a.httpHeaders ?? []).map((h) => [canonicalHeader(h.name), h.value]);
  if (!headers.some(([k]) => k === 'User-Agent')) headers.push(['User-Agent', `kube-${purpose}/${KUBE_VERSION}`]);
  const accept = headers.find(([k]) => k === 'Accept');
  if (!accept) headers.push(['Accept', '*/*']);
  // an Accept set to "" means: send none
  const out = accept?.[1] === '' ? headers.filter(([k]) => k !== 'Accept') : headers;
  return { scheme, host: a.host || podIP, port: resolvePort(a.port, c), path: a.path ?? '', headers: out };
}

/** The URL as Go prints it: the port always written, a relative path made absolute. */
export function requestURL(r: Pick<HttpGetRequest, 'scheme' | 'host' | 'port' | 'path'>): string {
  const path = r.path && !r.path.startsWith('/') ? `/${r.path}` : r.path;
  return `${r.scheme}://${joinHostPort(r.host, r.port)}${path}`;
}

function once(r: HttpGetRequest, deadline: number, signal?: AbortSignal): Promise<HttpResponse & { location?: string }> {
  const url = requestURL(r);
  return new Promise((resolve, reject) => {
    let gotHeaders = false;
    const fail = (cause: string) => reject(new HttpGetError(`Get ${JSON.stringify(url)}: ${cause}`));
    const mod = r.scheme === 'https' ? https : http;
    const req = mod.request({
      host: r.host,
      port: r.port,
      path: r.path || '/',
      method: 'GET',
      // a flat list keeps repeated names and their order; node then adds no Host of its own
      headers: [...(r.headers.some(([k]) => k === 'Host') ? [] : ['Host', joinHostPort(r.host, r.port)]), ...r.headers.flat()],
      agent: false,
      ...(r.scheme === 'https' ? { rejectUnauthorized: false, ...(isIP(r.host) ? {} : { servername: r.host }) } : {}),
    });
    const timer = setTimeout(() => {
      req.destroy();
      fail(gotHeaders ? 'context deadline exceeded (Client.Timeout or context cancellation while reading body)' : 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)');
    }, Math.max(0, deadline - Date.now()));
    const onAbort = () => {
      req.destroy();
      fail('context canceled');
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    req.on('error', (err) => {
      done();
      fail(dialError(joinHostPort(r.host, r.port), err));
    });
    req.on('response', (res) => {
      gotHeaders = true;
      const chunks: Buffer[] = [];
      let size = 0;
      const finish = () => {
        done();
        const loc = res.headers.location;
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).subarray(0, MAX_BODY).toString('utf8'), ...(loc ? { location: loc } : {}) });
      };
      res.on('data', (b: Buffer) => {
        chunks.push(b);
        size += b.length;
        if (size >= MAX_BODY) {
          res.destroy(); // the kubelet reads no more than 10 KiB of a body
          finish();
        }
      });
      res.on('end', finish);
      res.on('error', finish);
    });
    req.end();
  });
}

/** GET with the kubelet's redirect policy and one deadline for the whole exchange. */
export async function httpGet(first: HttpGetRequest, timeoutMs: number, signal?: AbortSignal): Promise<HttpResponse> {
  const deadline = Date.now() + timeoutMs;
  let r = first;
  for (let hops = 0; ; hops++) {
    const res = await once(r, deadline, signal);
    if (![301, 302, 303, 307, 308].includes(res.status) || !res.location) return res;
    const next = new URL(res.location, requestURL(r));
    const host = next.hostname.replace(/^\[|\]$/g, '');
    // another host: stop here, the redirect itself is the answer
    if (host !== first.host) return res;
    const scheme = next.protocol === 'https:' ? 'https' : 'http';
    const nr: HttpGetRequest = { scheme, host, port: next.port ? Number(next.port) : scheme === 'https' ? 443 : 80, path: `${next.pathname}${next.search}`, headers: r.headers };
    if (hops + 1 >= MAX_REDIRECTS) throw new HttpGetError(`Get ${JSON.stringify(requestURL(nr))}: stopped after ${MAX_REDIRECTS} redirects`);
    r = nr;
  }
}

export async function httpProbe(r: HttpGetRequest, timeoutS: number): Promise<Outcome> {
  let res: HttpResponse;
  try {
    res = await httpGet(r, timeoutS * 1000);
  } catch (err) {
    if (err instanceof HttpGetError) return { result: 'failure', output: err.message };
    throw err;
  }
  if (res.status >= 200 && res.status < 400) {
    if (res.status >= 300) return { result: 'warning', output: `Probe terminated redirects, Response body: ${res.body}` };
    return { result: 'success', output: res.body };
  }
  // the kubelet keeps response bodies out of events (they may carry secrets)
  return { result: 'failure', output: `HTTP probe failed with statuscode: ${res.status}` };
}
