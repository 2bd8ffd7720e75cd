// A typed, promise-based CRI client (RuntimeService + ImageService) over a unix socket.
// Every call has a deadline and can be cancelled with an AbortSignal; failures become the
// typed errors of errors.ts, chosen by gRPC status code.
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { CRI_PROTO } from './proto.js';
import { CriCancelledError, CriNotReadyError, CriTimeoutError, CriUnavailableError, toCriError } from './errors.js';
import type {
  AttachOptions, AuthConfig, Container, ContainerConfig, ContainerFilter, ContainerStatusResponse, ExecOptions,
  ExecSyncResult, FilesystemUsage, Image, ImageSpec, LinuxContainerResources, PodSandbox, PodSandboxConfig,
  PodSandboxFilter, PodSandboxStatusResponse, RuntimeCondition, VersionResponse,
} from './types.js';

export interface CallOptions {
  /** deadline for this call in ms (defaults per method, see DEFAULT_TIMEOUT_MS) */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** The kubelet's --runtime-request-timeout default. */
export const DEFAULT_TIMEOUT_MS = 2 * 60_000;
/** Pulls can take long; the kubelet gives them no deadline of their own. */
export const PULL_TIMEOUT_MS = 30 * 60_000;
const CRI_API_VERSION = 'v1';
/** pauses between calls that found the runtime not ready yet */
const NOT_READY_FIRST_PAUSE_MS = 100;
const NOT_READY_MAX_PAUSE_MS = 1000;

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
const TO_OBJECT: protobuf.IConversionOptions = { longs: Number, enums: String, bytes: Buffer, defaults: true, oneofs: false };

type Callback = (err: grpc.ServiceError | null, res: unknown) => void;
type UnaryMethod = (req: object, meta: grpc.Metadata, opts: grpc.CallOptions, cb: Callback) => grpc.ClientUnaryCall;
type ServiceClient = grpc.Client & Record<string, UnaryMethod>;

let cachedServices: { runtime: grpc.ServiceClientConstructor; image: grpc.ServiceClientConstructor } | undefined;

/**
 * The CRI services as grpc-js client constructors, straight from protobufjs reflection (what
 * @grpc/proto-loader would build, without its descriptor.proto machinery and second copy of
 * protobufjs: ~0.15 s less to start and a few MB less heap).
 */
export function criServices(): { runtime: grpc.ServiceClientConstructor; image: grpc.ServiceClientConstructor } {
  if (cachedServices) return cachedServices;
  const root = protobuf.parse(CRI_PROTO, { keepCase: false }).root;
  const service = (name: string): grpc.ServiceClientConstructor => {
    const svc = root.lookupService(`runtime.v1.${name}`);
    const def: Record<string, grpc.MethodDefinition<object, object>> = {};
    for (const m of svc.methodsArray) {
      m.resolve();
      const req = m.resolvedRequestType!;
      const res = m.resolvedResponseType!;
      def[m.name] = {
        path: `/runtime.v1.${name}/${m.name}`,
        requestStream: false,
        responseStream: false,
        requestSerialize: (o: object) => Buffer.from(req.encode(req.fromObject(o)).finish()),
        requestDeserialize: (b: Buffer) => req.toObject(req.decode(b), TO_OBJECT),
        responseSerialize: (o: object) => Buffer.from(res.encode(res.fromObject(o)).finish()),
        responseDeserialize: (b: Buffer) => res.toObject(res.decode(b), TO_OBJECT),
        originalName: m.name.charAt(0).toLowerCase() + m.name.slice(1),
      };
    }
    return grpc.makeGenericClientConstructor(def, name);
  };
  cachedServices = { runtime: service('RuntimeService'), image: service('ImageService') };
  return cachedServices;
}

/** `unix:///path` for a bare path; other grpc targets pass through. */
export function grpcTarget(endpoint: string): string {
  if (endpoint.startsWith('unix:')) return endpoint;
  return `unix://${endpoint}`;
}

export class CriClient {
  private readonly runtime: ServiceClient;
  private readonly image: ServiceClient;

  constructor(readonly endpoint: string) {
    const s = criServices();
    const opts: grpc.ChannelOptions = {
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
      'grpc.max_send_message_length': 16 * 1024 * 1024,
      // containerd restarts under us: reconnect quickly instead of grpc's 120 s ceiling
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 2000,
    };
    const target = grpcTarget(endpoint);
    this.runtime = new s.runtime(target, grpc.credentials.createInsecure(), opts) as ServiceClient;
    // share one channel: the image client rides on the runtime client's
    this.image = new s.image(target, grpc.credentials.createInsecure(), { ...opts, channelOverride: this.runtime.getChannel() }) as ServiceClient;
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
    this.image.close();
    this.runtime.close();
  }

  /**
   * One unary call with a deadline; a runtime that is still recovering after a restart
   * (CriNotReadyError: it did nothing) is asked again, with growing pauses, until the deadline.
   */
  private async call<T>(svc: ServiceClient, method: string, req: object, opts: CallOptions = {}, defaultTimeout = DEFAULT_TIMEOUT_MS): Promise<T> {
    const deadline = Date.now() + (opts.timeoutMs ?? defaultTimeout);
    for (let pauseMs = NOT_READY_FIRST_PAUSE_MS; ; pauseMs = Math.min(pauseMs * 2, NOT_READY_MAX_PAUSE_MS)) {
      try {
        return await this.callOnce<T>(svc, method, req, deadline, opts.signal);
      } catch (err) {
        if (!(err instanceof CriNotReadyError) || Date.now() + pauseMs >= deadline) throw err;
        if (!(await pause(pauseMs, opts.signal))) throw new CriCancelledError(method, grpc.status.CANCELLED, 'aborted while the runtime was not ready');
      }
    }
  }

  private callOnce<T>(svc: ServiceClient, method: string, req: object, deadlineMs: number, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(new CriCancelledError(method, grpc.status.CANCELLED, 'aborted before the call'));
    return new Promise<T>((resolve, reject) => {
      const fn = svc[method];
      if (!fn) throw new Error(`no CRI method ${method}`);
      const onAbort = () => call.cancel();
      const call = fn.call(svc, req, new grpc.Metadata(), { deadline: new Date(deadlineMs) }, (err, res) => {
        signal?.removeEventListener('abort', onAbort);
        if (err) reject(toCriError(method, err));
        else resolve(res as T);
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  // ---- RuntimeService ----

  version(opts?: CallOptions): Promise<VersionResponse> {
    return this.call(this.runtime, 'Version', { version: CRI_API_VERSION }, opts);
  }

  /** RuntimeReady / NetworkReady conditions. */
  async status(opts?: CallOptions): Promise<RuntimeCondition[]> {
    const res = await this.call<{ status: { conditions: RuntimeCondition[] } | null }>(this.runtime, 'Status', {}, opts);
    return res.status?.conditions ?? [];
  }

  async runPodSandbox(config: PodSandboxConfig, runtimeHandler = '', opts?: CallOptions): Promise<string> {
    const res = await this.call<{ podSandboxId: string }>(this.runtime, 'RunPodSandbox', { config, runtimeHandler }, opts);
    return res.podSandboxId;
  }

  async stopPodSandbox(podSandboxId: string, opts?: CallOptions): Promise<void> {
    await this.call(this.runtime, 'StopPodSandbox', { podSandboxId }, opts);
  }

  async removePodSandbox(podSandboxId: string, opts?: CallOptions): Promise<void> {
    await this.call(this.runtime, 'RemovePodSandbox', { podSandboxId }, opts);
  }

  podSandboxStatus(podSandboxId: string, verbose = false, opts?: CallOptions): Promise<PodSandboxStatusResponse> {
    return this.call(this.runtime, 'PodSandboxStatus', { podSandboxId, verbose }, opts);
  }

  async listPodSandbox(filter?: PodSandboxFilter, opts?: CallOptions): Promise<PodSandbox[]> {
    const res = await this.call<{ items: PodSandbox[] }>(this.runtime, 'ListPodSandbox', { filter: filter ?? null }, opts);
    return res.items;
  }

  async createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig, opts?: CallOptions): Promise<string> {
    const res = await this.call<{ containerId: string }>(this.runtime, 'CreateContainer', { podSandboxId, config, sandboxConfig }, opts);
    return res.containerId;
  }

  async startContainer(containerId: string, opts?: CallOptions): Promise<void> {
    await this.call(this.runtime, 'StartContainer', { containerId }, opts);
  }

  /** Sends the stop signal, then SIGKILL after timeoutSeconds (0: at once). */
  async stopContainer(containerId: string, timeoutSeconds: number, opts?: CallOptions): Promise<void> {
    const callOpts = { ...opts, timeoutMs: opts?.timeoutMs ?? DEFAULT_TIMEOUT_MS + timeoutSeconds * 1000 };
    await this.call(this.runtime, 'StopContainer', { containerId, timeout: timeoutSeconds }, callOpts);
  }

  async removeContainer(containerId: string, opts?: CallOptions): Promise<void> {
    await this.call(this.runtime, 'RemoveContainer', { containerId }, opts);
  }

  async listContainers(filter?: ContainerFilter, opts?: CallOptions): Promise<Container[]> {
    const res = await this.call<{ containers: Container[] }>(this.runtime, 'ListContainers', { filter: filter ?? null }, opts);
    return res.containers;
  }

  containerStatus(containerId: string, verbose = false, opts?: CallOptions): Promise<ContainerStatusResponse> {
    return this.call(this.runtime, 'ContainerStatus', { containerId, verbose }, opts);
  }

  async updateContainerResources(containerId: string, linux: LinuxContainerResources, opts?: CallOptions): Promise<void> {
    await this.call(this.runtime, 'UpdateContainerResources', { containerId, linux }, opts);
  }

  async reopenContainerLog(containerId: string, opts?: CallOptions): Promise<void> {
    await this.call(this.runtime, 'ReopenContainerLog', { containerId }, opts);
  }

  /** Runs cmd in the container and collects its output; timeoutSeconds 0 means no limit. */
  execSync(containerId: string, cmd: string[], timeoutSeconds = 0, opts?: CallOptions): Promise<ExecSyncResult> {
    const callOpts = { ...opts, timeoutMs: opts?.timeoutMs ?? (timeoutSeconds > 0 ? timeoutSeconds * 1000 + 10_000 : DEFAULT_TIMEOUT_MS) };
    return this.call(this.runtime, 'ExecSync', { containerId, cmd, timeout: timeoutSeconds }, callOpts);
  }

  /** A one-shot URL on the runtime's streaming server. */
  async exec(containerId: string, o: ExecOptions, opts?: CallOptions): Promise<string> {
    const res = await this.call<{ url: string }>(this.runtime, 'Exec', { containerId, ...o }, opts);
    return res.url;
  }

  async attach(containerId: string, o: AttachOptions, opts?: CallOptions): Promise<string> {
    const res = await this.call<{ url: string }>(this.runtime, 'Attach', { containerId, ...o }, opts);
    return res.url;
  }

  async portForward(podSandboxId: string, ports: number[], opts?: CallOptions): Promise<string> {
    const res = await this.call<{ url: string }>(this.runtime, 'PortForward', { podSandboxId, port: ports }, opts);
    return res.url;
  }

  // ---- ImageService ----

  async listImages(filter?: ImageSpec, opts?: CallOptions): Promise<Image[]> {
    const res = await this.call<{ images: Image[] }>(this.image, 'ListImages', { filter: filter ? { image: filter } : null }, opts);
    return res.images;
  }

  /** The image, or null when the runtime does not have it. */
  async imageStatus(image: ImageSpec, opts?: CallOptions): Promise<Image | null> {
    const res = await this.call<{ image: Image | null }>(this.image, 'ImageStatus', { image, verbose: false }, opts);
    return res.image && res.image.id ? res.image : null;
  }

  /** Pulls and returns the image reference (its id). */
  async pullImage(image: ImageSpec, auth?: AuthConfig, sandboxConfig?: PodSandboxConfig, opts?: CallOptions): Promise<string> {
    const req = { image, auth: auth ?? null, sandboxConfig: sandboxConfig ?? null };
    const res = await this.call<{ imageRef: string }>(this.image, 'PullImage', req, opts, PULL_TIMEOUT_MS);
    return res.imageRef;
  }

  async removeImage(image: ImageSpec, opts?: CallOptions): Promise<void> {
    await this.call(this.image, 'RemoveImage', { image }, opts);
  }

  imageFsInfo(opts?: CallOptions): Promise<{ imageFilesystems: FilesystemUsage[]; containerFilesystems: FilesystemUsage[] }> {
    return this.call(this.image, 'ImageFsInfo', {}, opts);
  }
}
