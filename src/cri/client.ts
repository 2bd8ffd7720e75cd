// A typed, promise-based CRI client (RuntimeService + ImageService) over a unix socket.
// Every call has a deadline and can be cancelled with an AbortSignal; failures become the
// typed errors of errors.ts, chosen by gRPC status code. The calls go through unary.ts (a
// minimal gRPC-over-HTTP/2 client), the messages through protobufjs reflection of the CRI proto.
import protobuf from 'protobufjs';
import { CRI_PROTO } from './proto.js';
import { CriCancelledError, CriNotReadyError, CriTimeoutError, CriUnavailableError, toCriError } from './errors.js';
import { Code, UnaryChannel } from './unary.js';
import type {
  AttachOptions, AuthConfig, Container, ContainerConfig, ContainerFilter, ContainerStatusResponse, ExecOptions,
  ExecSyncResult, FilesystemUsage, Image, ImageSpec, LinuxContainerResources, PodSandbox, PodSandboxConfig,
  PodSandboxFilter, PodSandboxStatusResponse, RuntimeCondition, VersionResponse,
} from './types.js';

export interface CallOptions {
  /** deadline for this call in ms (defaults per method, see DEFAULT_TIMEOUT_MS) */
  timeoutMs?: number;
  signal?: AbortSignal;
  /**
   * When the runtime answers with exactly the bytes it gave the last such call (same method
   * and request), return that call's decoded answer, the same object, instead of decoding it
   * again: for listings repeated every second, mostly unchanged (treat the answer as read-only).
   */
  sameAsLast?: boolean;
}

/** The kubelet's --runtime-request-timeout default. */
export const DEFAULT_TIMEOUT_MS = 2 * 60_000;
/** Pulls can take long; the kubelet gives them no deadline of their own. */
export const PULL_TIMEOUT_MS = 30 * 60_000;
const CRI_API_VERSION = 'v1';
/** pauses between calls that found the runtime not ready yet */
const NOT_READY_FIRST_PAUSE_MS = 100;
const NOT_READY_MAX_PAUSE_MS = 1000;
/** time a call asked again must still have after its pause, for the runtime to answer */
const NOT_READY_MIN_BUDGET_MS = 50;

/** Resolves true after ms, or false at once when the signal fires. */
function pause(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(t);
      resolve(false);
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** how decoded messages look: camelCase fields, int64 as numbers, enums as names, every field present */
export const TO_OBJECT: protobuf.IConversionOptions = { longs: Number, enums: String, bytes: Buffer, defaults: true, oneofs: false };

/** One CRI method: its HTTP/2 path, request encoder and response decoder. */
export interface CriMethod {
  path: string;
  service: 'RuntimeService' | 'ImageService';
  requestType: protobuf.Type;
  responseType: protobuf.Type;
  encode(o: object): Uint8Array;
  decode(b: Uint8Array): unknown;
}

let cachedMethods: Map<string, CriMethod> | undefined;

/** The CRI methods by name (RunPodSandbox, ImageStatus, ...), from protobufjs reflection of the proto. */
export function criMethods(): Map<string, CriMethod> {
  if (cachedMethods) return cachedMethods;
  const root = protobuf.parse(CRI_PROTO, { keepCase: false }).root;
  root.resolveAll();
  lenientStrings(root);
  const out = new Map<string, CriMethod>();
  for (const service of ['RuntimeService', 'ImageService'] as const) {
    for (const m of root.lookupService(`runtime.v1.${service}`).methodsArray) {
      m.resolve();
      const req = m.resolvedRequestType!;
      const res = m.resolvedResponseType!;
      out.set(m.name, {
        path: `/runtime.v1.${service}/${m.name}`,
        service,
        requestType: req,
        responseType: res,
        encode: (o) => req.encode(req.fromObject(o)).finish(),
        decode: (b) => res.toObject(res.decode(b), TO_OBJECT),
      });
    }
  }
  cachedMethods = out;
  return out;
}

/**
 * Strings decoded by Buffer's native UTF-8 slice, as protobufjs 7 did, instead of protobufjs 8's
 * proto3 default (a strict UTF-8 check written in JavaScript, byte by byte: in the node agent's
 * interpreter-only V8 a third of the time to decode a relist's ListContainers). A runtime's
 * invalid UTF-8 then reads as U+FFFD instead of failing the whole call. (_features is
 * protobufjs's resolved field options; decoders are generated at first use, after this.)
 */
function lenientStrings(ns: protobuf.NamespaceBase): void {
  for (const o of ns.nestedArray) {
    if (o instanceof protobuf.Type) {
      for (const f of o.fieldsArray) {
        const features = (f as unknown as { _features?: Record<string, unknown> })._features;
        if (features && features.utf8_validation === 'VERIFY') features.utf8_validation = 'NONE';
      }
    }
    if (o instanceof protobuf.Namespace || o instanceof protobuf.Type) lenientStrings(o);
  }
}

/** `unix:///path` for a bare path; other grpc targets pass through. */
export function grpcTarget(endpoint: string): string {
  if (endpoint.startsWith('unix:')) return endpoint;
  return `unix://${endpoint}`;
}

/** The socket path of an endpoint: a bare path, unix:///path or unix:path. */
export function socketPathOf(endpoint: string): string {
  if (endpoint.startsWith('unix://')) return endpoint.slice('unix://'.length);
  if (endpoint.startsWith('unix:')) return endpoint.slice('unix:'.length);
  return endpoint;
}

export class CriClient {
  private readonly channel: UnaryChannel;
  private readonly methods = criMethods();
  /** per method: the last sameAsLast call's request and answer bytes, and its decoded answer */
  private readonly lastAnswers = new Map<string, { req: Uint8Array; res: Buffer; decoded: unknown }>();

  constructor(readonly endpoint: string) {
    this.channel = new UnaryChannel(socketPathOf(endpoint));
  }

  /**
   * Opens a client and waits until the runtime answers Version (retrying while the socket is
   * missing or refusing, or the runtime is still recovering), for at most timeoutMs.
   */
  static async connect(socketPath: string, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<CriClient> {
    const client = new CriClient(socketPath);
    const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
    for (;;) {
      try {
        await client.version({ timeoutMs: Math.max(100, Math.min(2000, deadline - Date.now())), signal: opts.signal });
        return client;
      } catch (err) {
        const retry = (err instanceof CriUnavailableError || err instanceof CriTimeoutError || err instanceof CriNotReadyError) && Date.now() < deadline;
        if (!retry || opts.signal?.aborted) {
          client.close();
          throw err;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  close(): void {
    this.channel.close();
  }

  /**
   * One unary call with a deadline; a runtime that is still recovering after a restart
   * (CriNotReadyError: it did nothing) is asked again, with growing pauses, until the deadline.
   */
  private async call<T>(method: string, req: object, opts: CallOptions = {}, defaultTimeout = DEFAULT_TIMEOUT_MS): Promise<T> {
    const deadline = Date.now() + (opts.timeoutMs ?? defaultTimeout);
    let notReady: CriNotReadyError | undefined;
    for (let pauseMs = NOT_READY_FIRST_PAUSE_MS; ; pauseMs = Math.min(pauseMs * 2, NOT_READY_MAX_PAUSE_MS)) {
      try {
        return await this.callOnce<T>(method, req, deadline, opts.signal, opts.sameAsLast);
      } catch (err) {
        // a retry that runs out of time says no more than the refusal before it did
        if (err instanceof CriTimeoutError && notReady) throw notReady;
        if (!(err instanceof CriNotReadyError)) throw err;
        notReady = err;
        // ask again only with time left for an answer after the pause
        if (Date.now() + pauseMs + NOT_READY_MIN_BUDGET_MS >= deadline) throw err;
        if (!(await pause(pauseMs, opts.signal))) throw new CriCancelledError(method, Code.CANCELLED, 'aborted while the runtime was not ready');
      }
    }
  }

  private async callOnce<T>(method: string, req: object, deadlineMs: number, signal?: AbortSignal, sameAsLast?: boolean): Promise<T> {
    if (signal?.aborted) throw new CriCancelledError(method, Code.CANCELLED, 'aborted before the call');
    const m = this.methods.get(method);
    if (!m) throw new Error(`no CRI method ${method}`);
    const body = m.encode(req);
    let res: Buffer;
    try {
      res = await this.channel.call(m.path, body, deadlineMs, signal);
    } catch (err) {
      throw toCriError(method, err);
    }
    if (!sameAsLast) return m.decode(res) as T;
    const last = this.lastAnswers.get(method);
    if (last && last.res.equals(res) && Buffer.compare(last.req, body) === 0) return last.decoded as T;
    const decoded = m.decode(res);
    this.lastAnswers.set(method, { req: body, res, decoded });
    return decoded as T;
  }

  // ---- RuntimeService ----

  version(opts?: CallOptions): Promise<VersionResponse> {
    return this.call('Version', { version: CRI_API_VERSION }, opts);
  }

  /** RuntimeReady / NetworkReady conditions. */
  async status(opts?: CallOptions): Promise<RuntimeCondition[]> {
    const res = await this.call<{ status: { conditions: RuntimeCondition[] } | null }>('Status', {}, opts);
    return res.status?.conditions ?? [];
  }

  async runPodSandbox(config: PodSandboxConfig, runtimeHandler = '', opts?: CallOptions): Promise<string> {
    const res = await this.call<{ podSandboxId: string }>('RunPodSandbox', { config, runtimeHandler }, opts);
    return res.podSandboxId;
  }

  async stopPodSandbox(podSandboxId: string, opts?: CallOptions): Promise<void> {
    await this.call('StopPodSandbox', { podSandboxId }, opts);
  }

  async removePodSandbox(podSandboxId: string, opts?: CallOptions): Promise<void> {
    await this.call('RemovePodSandbox', { podSandboxId }, opts);
  }

  podSandboxStatus(podSandboxId: string, verbose = false, opts?: CallOptions): Promise<PodSandboxStatusResponse> {
    return this.call('PodSandboxStatus', { podSandboxId, verbose }, opts);
  }

  async listPodSandbox(filter?: PodSandboxFilter, opts?: CallOptions): Promise<PodSandbox[]> {
    const res = await this.call<{ items: PodSandbox[] }>('ListPodSandbox', { filter: filter ?? null }, opts);
    return res.items;
  }

  async createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig, opts?: CallOptions): Promise<string> {
    const res = await this.call<{ containerId: string }>('CreateContainer', { podSandboxId, config, sandboxConfig }, opts);
    return res.containerId;
  }

  async startContainer(containerId: string, opts?: CallOptions): Promise<void> {
    await this.call('StartContainer', { containerId }, opts);
  }

  /** Sends the stop signal, then SIGKILL after timeoutSeconds (0: at once). */
  async stopContainer(containerId: string, timeoutSeconds: number, opts?: CallOptions): Promise<void> {
    const callOpts = { ...opts, timeoutMs: opts?.timeoutMs ?? DEFAULT_TIMEOUT_MS + timeoutSeconds * 1000 };
    await this.call('StopContainer', { containerId, timeout: timeoutSeconds }, callOpts);
  }

  async removeContainer(containerId: string, opts?: CallOptions): Promise<void> {
    await this.call('RemoveContainer', { containerId }, opts);
  }

  async listContainers(filter?: ContainerFilter, opts?: CallOptions): Promise<Container[]> {
    const res = await this.call<{ containers: Container[] }>('ListContainers', { filter: filter ?? null }, opts);
    return res.containers;
  }

  containerStatus(containerId: string, verbose = false, opts?: CallOptions): Promise<ContainerStatusResponse> {
    return this.call('ContainerStatus', { containerId, verbose }, opts);
  }

  async updateContainerResources(containerId: string, linux: LinuxContainerResources, opts?: CallOptions): Promise<void> {
    await this.call('UpdateContainerResources', { containerId, linux }, opts);
  }

  async reopenContainerLog(containerId: string, opts?: CallOptions): Promise<void> {
    await this.call('ReopenContainerLog', { containerId }, opts);
  }

  /** Runs cmd in the container and collects its output; timeoutSeconds 0 means no limit. */
  execSync(containerId: string, cmd: string[], timeoutSeconds = 0, opts?: CallOptions): Promise<ExecSyncResult> {
    const callOpts = { ...opts, timeoutMs: opts?.timeoutMs ?? (timeoutSeconds > 0 ? timeoutSeconds * 1000 + 10_000 : DEFAULT_TIMEOUT_MS) };
    return this.call('ExecSync', { containerId, cmd, timeout: timeoutSeconds }, callOpts);
  }

  /** A one-shot URL on the runtime's streaming server. */
  async exec(containerId: string, o: ExecOptions, opts?: CallOptions): Promise<string> {
    const res = await this.call<{ url: string }>('Exec', { containerId, ...o }, opts);
    return res.url;
  }

  async attach(containerId: string, o: AttachOptions, opts?: CallOptions): Promise<string> {
    const res = await this.call<{ url: string }>('Attach', { containerId, ...o }, opts);
    return res.url;
  }

  async portForward(podSandboxId: string, ports: number[], opts?: CallOptions): Promise<string> {
    const res = await this.call<{ url: string }>('PortForward', { podSandboxId, port: ports }, opts);
    return res.url;
  }

  // ---- ImageService ----

  async listImages(filter?: ImageSpec, opts?: CallOptions): Promise<Image[]> {
    const res = await this.call<{ images: Image[] }>('ListImages', { filter: filter ? { image: filter } : null }, opts);
    return res.images;
  }

  /** The image, or null when the runtime does not have it. */
  async imageStatus(image: ImageSpec, opts?: CallOptions): Promise<Image | null> {
    const res = await this.call<{ image: Image | null }>('ImageStatus', { image, verbose: false }, opts);
    return res.image && res.image.id ? res.image : null;
  }

  /** Pulls and returns the image reference (its id). */
  async pullImage(image: ImageSpec, auth?: AuthConfig, sandboxConfig?: PodSandboxConfig, opts?: CallOptions): Promise<string> {
    const req = { image, auth: auth ?? null, sandboxConfig: sandboxConfig ?? null };
    const res = await this.call<{ imageRef: string }>('PullImage', req, opts, PULL_TIMEOUT_MS);
    return res.imageRef;
  }

  async removeImage(image: ImageSpec, opts?: CallOptions): Promise<void> {
    await this.call('RemoveImage', { image }, opts);
  }

  imageFsInfo(opts?: CallOptions): Promise<{ imageFilesystems: FilesystemUsage[]; containerFilesystems: FilesystemUsage[] }> {
    return this.call('ImageFsInfo', {}, opts);
  }
}
