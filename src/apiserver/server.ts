// The API server: authentication, routing to discovery/OpenAPI/resources, metrics, health.
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { Duplex } from 'node:stream';
import { ApiError } from '../api/errors.js';
import { RESOURCES, findResource, findVirtualResource } from '../api/resources.js';
import type { Store } from '../storage/types.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { parseRequestInfo, type RequestInfo } from './requestinfo.js';
import { ResourceRegistry } from './registry.js';
import { WatchCache } from './watchcache.js';
import { flushAnswers, orderAnswers, sendJson, sendRawJson, sendStatus, wantsTable } from './http.js';
import { ApiMetrics } from './metrics.js';
import {
  VERSION_INFO,
  aggregatedAccept,
  aggregatedDiscovery,
  apiResourceList,
  legacyApiGroup,
  legacyApiGroupList,
  legacyApiVersions,
} from './discovery.js';
import { buildOpenApiV3, OPENAPI_V2_PROTOBUF, openApiV2Stub } from './openapi.js';
import type { RequestContext, Registries } from './handlers/context.js';
import { handleCreate, handleDelete, handleDeleteCollection, handleGet, handleList, handleUpdate } from './handlers/resource.js';
import { handlePatch } from './handlers/patch.js';
import { handleSubresource, handleBinding } from './handlers/subresources.js';
import { serveWatch } from './handlers/watch.js';
import { handleAccessReview } from './handlers/authz.js';
import { ServiceAllocator } from './services.js';
import { NodeIpam } from './nodeipam.js';
import { admitMirrorPod } from './mirrorpods.js';
import { admitPodPriority } from './priority.js';
import { admitDefaultStorageClass } from './storageclass.js';
import { admitDefaultTolerationSeconds, DEFAULT_TOLERATION_SECONDS, type DefaultTolerationSeconds } from './tolerations.js';
import { configureNodeProxy, proxyUpgradeToNode } from './handlers/nodeproxy.js';
import { kubeletClientToken } from '../kubelet/server/auth.js';
import { writeRawError } from '../kubelet/server/splice.js';

export interface ApiServerOptions {
  store: Store;
  clock: Clock;
  log: Logger;
  /** bearer tokens accepted as cluster admin */
  tokens: string[];
  tls: { certPem: string; keyPem: string };
  metrics?: ApiMetrics;
  bookmarkIntervalMs?: number;
  /** bearer token presented to kubelets (default: derived from the first token, see kubelet/server/auth.ts) */
  kubeletClientToken?: string;
  /** DefaultTolerationSeconds admission (default 300 s each) */
  defaultTolerationSeconds?: DefaultTolerationSeconds;
}

const PUBLIC_PATHS = new Set(['/version', '/healthz', '/livez', '/readyz', '/version/']);

export class ApiServer implements Registries {
  readonly metrics: ApiMetrics;
  private readonly regs = new Map<string, ResourceRegistry>();
  private readonly tokens: Buffer[];
  private openapiDocs: ReturnType<typeof buildOpenApiV3> | undefined;
  private readonly abort = new AbortController();
  private server: Server | undefined;
  private ready = false;

  constructor(private readonly o: ApiServerOptions) {
    this.metrics = o.metrics ?? new ApiMetrics();
    this.tokens = o.tokens.map((t) => Buffer.from(t));
    setMaxListeners(0, this.abort.signal); // one listener per watch cache
    for (const ri of RESOURCES) {
      const cache = new WatchCache(o.store, ResourceRegistry.prefixFor(ri), o.log);
      this.regs.set(`${ri.group}/${ri.resource}`, new ResourceRegistry(ri, o.store, cache, o.clock));
    }
    const services = this.get('', 'services')!;
    const allocator = new ServiceAllocator(services.cache);
    services.admitCreate = (svc) => allocator.allocate(svc);
    const nodes = this.get('', 'nodes')!;
    const nodeIpam = new NodeIpam(nodes.cache);
    nodes.admitCreate = (node) => nodeIpam.allocate(node);
    const classes = this.get('scheduling.k8s.io', 'priorityclasses')!;
    const tolerationSeconds = o.defaultTolerationSeconds ?? { notReady: DEFAULT_TOLERATION_SECONDS, unreachable: DEFAULT_TOLERATION_SECONDS };
    this.get('', 'pods')!.admitCreate = (pod) => {
      admitMirrorPod(pod); // ServiceAccount admission's rule for mirror pods comes before Priority
      admitPodPriority(pod, classes);
      admitDefaultTolerationSeconds(pod, tolerationSeconds);
    };
    const storageClasses = this.get('storage.k8s.io', 'storageclasses')!;
    this.get('', 'persistentvolumeclaims')!.admitCreate = (pvc) => admitDefaultStorageClass(pvc, storageClasses);
    configureNodeProxy(this, { kubeletToken: o.kubeletClientToken ?? kubeletClientToken(o.tokens[0] ?? '') });
  }

  /** OpenAPI documents are built on first request: most processes never need them. */
  private get openapi(): ReturnType<typeof buildOpenApiV3> {
    return (this.openapiDocs ??= buildOpenApiV3());
  }

  get(group: string, resource: string): ResourceRegistry | undefined {
    return this.regs.get(`${group}/${resource}`);
  }

  all(): ResourceRegistry[] {
    return [...this.regs.values()];
  }

  /** Fill the watch caches. */
  async init(): Promise<void> {
    await Promise.all(this.all().map((r) => r.cache.start(this.abort.signal)));
    this.ready = true;
  }

  listen(port: number, host = '0.0.0.0'): Promise<Server> {
    const server = createHttpsServer({ cert: this.o.tls.certPem, key: this.o.tls.keyPem, keepAlive: true }, (req, res) => {
      void this.handle(req, res);
    });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => void this.handleUpgrade(req, socket, head));
    server.keepAliveTimeout = 120_000;
    server.headersTimeout = 60_000;
    server.requestTimeout = 0; // watches are long-lived
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve(server);
      });
    });
  }

  address(): { port: number } {
    const a = this.server?.address();
    if (!a || typeof a === 'string') throw new Error('not listening');
    return { port: a.port };
  }

  async close(): Promise<void> {
    this.abort.abort();
    const s = this.server;
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }

  private authenticate(req: IncomingMessage): boolean {
    const h = req.headers.authorization;
    if (!h || !h.startsWith('Bearer ')) return false;
    const given = Buffer.from(h.slice(7).trim());
    return this.tokens.some((t) => t.length === given.length && timingSafeEqual(t, given));
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    let info: RequestInfo | undefined;
    let isWatch = false;
    orderAnswers(req, res);
    try {
      info = parseRequestInfo(req.method ?? 'GET', req.url ?? '/');
      isWatch = info.verb === 'watch';
      if (!PUBLIC_PATHS.has(info.path) && !this.authenticate(req)) throw ApiError.unauthorized();
      await this.route(req, res, info);
    } catch (err) {
      if (err instanceof ApiError) {
        sendStatus(res, err);
      } else {
        this.o.log.error({ err, url: req.url, method: req.method }, 'request failed');
        sendStatus(res, ApiError.internal((err as Error)?.message ?? String(err)));
      }
    } finally {
      if (info?.isResource) {
        const labels = { verb: info.verb.toUpperCase(), group: info.group, resource: info.resource, subresource: info.subresource };
        this.metrics.requests.inc({ ...labels, code: String(res.statusCode) });
        if (!isWatch) this.metrics.latency.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
      }
    }
  }

  /** Upgrade requests (WebSocket, SPDY): only pods/x/exec|attach|portforward, proxied to the kubelet. */
  private async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => undefined);
    flushAnswers(socket); // answers to requests before it on this connection go first
    try {
      const info = parseRequestInfo(req.method ?? 'GET', req.url ?? '/');
      if (!this.authenticate(req)) throw ApiError.unauthorized();
      await proxyUpgradeToNode(this, info, req, socket, head);
    } catch (err) {
      const e = err instanceof ApiError ? err : ApiError.badRequest((err as Error)?.message ?? String(err));
      if (socket.writable) writeRawError(socket, e.code, e.toStatus());
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse, info: RequestInfo): Promise<void> {
    const path = info.path.replace(/\/+$/, '') || '/';
    if (info.isResource) return this.resource(req, res, info);
    switch (path) {
      case '/version':
        return sendJson(res, 200, VERSION_INFO);
      case '/healthz':
      case '/livez':
        return plain(res, 200, 'ok');
      case '/readyz':
        return this.ready ? plain(res, 200, 'ok') : plain(res, 500, '[-]informer-sync failed: watch caches are still loading\nreadyz check failed');
      case '/metrics': {
        for (const r of this.all()) this.metrics.objects.set({ resource: r.ri.group ? `${r.ri.resource}.${r.ri.group}` : r.ri.resource }, r.cache.size);
        res.writeHead(200, { 'Content-Type': this.metrics.registry.contentType });
        res.end(await this.metrics.registry.metrics());
        return;
      }
      case '/api': {
        const agg = aggregatedAccept(req.headers.accept);
        if (agg) return sendRawJson(res, 200, JSON.stringify(aggregatedDiscovery(true, agg)), { Vary: 'Accept' }, agg);
        return sendJson(res, 200, legacyApiVersions(req.headers.host ?? '127.0.0.1'), { Vary: 'Accept' });
      }
      case '/apis': {
        const agg = aggregatedAccept(req.headers.accept);
        if (agg) return sendRawJson(res, 200, JSON.stringify(aggregatedDiscovery(false, agg)), { Vary: 'Accept' }, agg);
        return sendJson(res, 200, legacyApiGroupList(), { Vary: 'Accept' });
      }
      case '/openapi/v3':
        return sendRawJson(res, 200, this.openapi.index());
      case '/openapi/v2': {
        const proto = (req.headers.accept ?? '').includes(OPENAPI_V2_PROTOBUF);
        // as kube-openapi: the reply type has a dot where the Accept had "@" (Go's mime parser rejects "@")
        res.writeHead(200, { 'Content-Type': proto ? 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf' : 'application/json', Vary: 'Accept' });
        res.end(openApiV2Stub(VERSION_INFO.gitVersion, proto));
        return;
      }
    }
    if (path.startsWith('/openapi/v3/')) return this.openapiDoc(req, res, path.slice('/openapi/v3/'.length), info.query);
    if (path.startsWith('/api/') || path.startsWith('/apis/')) {
      const list = apiResourceList(info.group, info.version);
      if (list && (path === `/api/${info.version}` || path === `/apis/${info.group}/${info.version}`)) return sendJson(res, 200, list);
      const parts = path.split('/').filter(Boolean);
      if (parts[0] === 'apis' && parts.length === 2) {
        const g = legacyApiGroup(parts[1]!);
        if (g) return sendJson(res, 200, g);
      }
    }
    throw notFoundPath();
  }

  private openapiDoc(req: IncomingMessage, res: ServerResponse, gvPath: string, q: URLSearchParams): void {
    const doc = this.openapi.doc(gvPath);
    if (!doc) throw notFoundPath();
    const hash = q.get('hash');
    if (hash && hash !== doc.hash) {
      res.writeHead(301, { Location: `/openapi/v3/${gvPath}?hash=${doc.hash}`, 'Cache-Control': 'no-cache' });
      res.end();
      return;
    }
    const headers: Record<string, string> = { ETag: `"${doc.hash}"`, Vary: 'Accept' };
    if (hash) {
      headers['Cache-Control'] = 'public, immutable';
      headers['Expires'] = new Date(Date.now() + 365 * 24 * 3600 * 1000).toUTCString();
    }
    if (req.headers['if-none-match'] === `"${doc.hash}"`) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    sendRawJson(res, 200, doc.body, headers);
  }

  private async resource(req: IncomingMessage, res: ServerResponse, info: RequestInfo): Promise<void> {
    if (info.group === '' && info.resource === 'bindings' && info.verb === 'create' && info.namespace) {
      // the legacy bindings collection: POST a Binding naming the pod
      const pods = this.get('', 'pods')!;
      const ctx: RequestContext = { req, res, info, ri: pods.ri, reg: pods, registries: this, store: this.o.store, clock: this.o.clock, log: this.o.log, warnings: [] };
      return handleBinding(ctx);
    }
    // create-only reviews: answered without storage, so no registry
    const virtual = findVirtualResource(info.group, info.version, info.resource);
    if (virtual) return handleAccessReview(req, res, info, virtual);
    const ri = findResource(info.group, info.version, info.resource);
    const reg = ri && this.get(ri.group, ri.resource);
    if (!ri || !reg) throw notFoundPath();
    if (!ri.namespaced && info.namespace) throw notFoundPath();
    const ctx: RequestContext = { req, res, info, ri, reg, registries: this, store: this.o.store, clock: this.o.clock, log: this.o.log, warnings: [] };
    if (info.subresource) return handleSubresource(ctx);
    if (!ri.verbs.includes(info.verb as never) && !(info.verb === 'watch' && ri.verbs.includes('watch'))) throw ApiError.methodNotAllowed();
    switch (info.verb) {
      case 'get':
        return handleGet(ctx);
      case 'list':
        return handleList(ctx);
      case 'watch': {
        const key = { verb: 'WATCH', group: ri.group, resource: ri.resource };
        return serveWatch(reg, { namespace: info.namespace, name: info.name, query: info.query, table: wantsTable(req.headers.accept) }, res, {
          store: this.o.store,
          clock: this.o.clock,
          bookmarkIntervalMs: this.o.bookmarkIntervalMs ?? 60_000,
          onOpen: () => {
            this.metrics.watches.inc(key);
            this.metrics.watchEventsTotal.inc({ group: ri.group, resource: ri.resource });
          },
          onClose: () => this.metrics.watches.dec(key),
        });
      }
      case 'create':
        if (info.name) throw ApiError.methodNotAllowed();
        return handleCreate(ctx);
      case 'update':
        return handleUpdate(ctx);
      case 'patch':
        return handlePatch(ctx);
      case 'delete':
        return handleDelete(ctx);
      case 'deletecollection':
        return handleDeleteCollection(ctx);
    }
    throw ApiError.methodNotAllowed();
  }
}

function notFoundPath(): ApiError {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
}

function plain(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
  res.end(text);
}
