// Image pulls by imagePullPolicy, as the kubelet's image manager: the events (Pulling, Pulled,
// Failed, BackOff, ErrImageNeverPull) and the waiting reasons it reports. One container start:
//   present and policy is not Always ─▶ Pulled "already present on machine"
//   absent and Never                 ─▶ ErrImageNeverPull
//   in back-off after a failed pull  ─▶ ImagePullBackOff (message keeps the last error)
//   otherwise Pulling ─▶ PullImage with each matching imagePullSecret credential in turn
//                     ─▶ Pulled "Successfully pulled ..." | ErrImagePull, back-off 10 s doubling to 5 min
// Pulls of one image are shared by the pods that ask for it with the same credentials, and
// run one after another otherwise.
import type { KubeObject } from '../api/types.js';
import type { CriClient } from '../cri/client.js';
import { CriError } from '../cri/errors.js';
import type { AuthConfig, Image } from '../cri/types.js';
import type { EventRecorder } from '../client/events.js';
import type { Clock } from '../util/clock.js';
import { Backoff } from './backoff.js';
import { lookupCredentials, parseImage } from './credentials.js';
import type { ObjectSource } from './objects.js';
import type { ContainerSpec, Pod } from './types.js';

export type ImageFailure = 'ErrImageNeverPull' | 'ErrImagePull' | 'ImagePullBackOff';
export type ImageResult = { ok: true; imageRef: string } | { ok: false; reason: ImageFailure; message: string };

/** The policy the API server defaults to: Always for :latest or no tag, else IfNotPresent. */
export function pullPolicyOf(c: ContainerSpec): 'Always' | 'IfNotPresent' | 'Never' {
  if (c.imagePullPolicy) return c.imagePullPolicy;
  const { tag, digest } = parseImage(c.image ?? '');
  return !digest && tag === 'latest' ? 'Always' : 'IfNotPresent';
}

const GRPC_CODE_NAMES = ['OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists', 'PermissionDenied', 'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange', 'Unimplemented', 'Internal', 'Unavailable', 'DataLoss', 'Unauthenticated'];

/** A runtime error as the kubelet prints it: Go's gRPC text, with Unknown's code dropped. */
export function runtimeErrorText(err: unknown): string {
  if (!(err instanceof CriError)) return (err as Error).message;
  if (err.code === 2) return err.details;
  return `rpc error: code = ${GRPC_CODE_NAMES[err.code] ?? err.code} desc = ${err.details}`;
}

/** Go's time.Duration text of a whole number of milliseconds: 523ms, 1.5s, 2m3.004s. */
export function goDuration(ms: number): string {
  if (ms <= 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = ((ms % 60_000) / 1000).toFixed(3).replace(/\.?0+$/, '');
  if (h) return `${h}h${m}m${s}s`;
  if (m) return `${m}m${s}s`;
  return `${s}s`;
}

/** how long an ImageStatus answer "present" serves other pods' container starts */
const PRESENT_REUSE_MS = 1000;

interface PullOutcome {
  imageRef: string;
  size: number;
  /** how long the runtime pull itself took */
  pullMs: number;
}

interface Inflight {
  credentialsKey: string;
  done: Promise<PullOutcome>;
}

/** Settles like p, or rejects when the signal fires (p goes on for whoever else waits on it). */
function untilAborted<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason ?? new Error('aborted'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export class ImageManager {
  private readonly backoff: Backoff;
  /** the last pull error per back-off key, for the ImagePullBackOff message */
  private readonly lastError = new Map<string, string>();
  private readonly inflight = new Map<string, Inflight>();
  /** per image: the last ImageStatus asked (see imageStatus) */
  private readonly statusAsked = new Map<string, { at: number; p: Promise<Image | null>; answer?: Image | null }>();

  constructor(
    private readonly cri: CriClient,
    private readonly recorder: EventRecorder,
    private readonly objects: ObjectSource,
    private readonly clock: Clock,
    /**
     * the node agent's image archives being imported at its start: what is present (or pulled)
     * is decided once they are in, so that an image on its way in is not pulled (or missed)
     */
    private readonly imported?: Promise<void>,
  ) {
    this.backoff = new Backoff(clock);
  }

  /**
   * the runtime's status of an image, once the archives being imported are in. Pods starting
   * together share one ImageStatus per image: a question under way, or an answer "present"
   * given less than PRESENT_REUSE_MS ago (the kubelet too may find an image present and then
   * not have it at CreateContainer: CreateContainerError, and the next sync asks again).
   */
  private imageStatus(image: string, signal?: AbortSignal): Promise<Image | null> {
    const now = performance.now();
    const had = this.statusAsked.get(image);
    if (had && (had.answer === undefined || (had.answer !== null && now - had.at < PRESENT_REUSE_MS))) return untilAborted(had.p, signal);
    const ask = () => this.cri.imageStatus({ image }); // shared: no one caller's signal ends it
    const p = this.imported ? this.imported.catch(() => undefined).then(ask) : ask();
    const entry: { at: number; p: Promise<Image | null>; answer?: Image | null } = { at: now, p };
    this.statusAsked.set(image, entry);
    p.then(
      (img) => {
        entry.answer = img;
        entry.at = performance.now();
        if (img === null && this.statusAsked.get(image) === entry) this.statusAsked.delete(image);
      },
      () => {
        if (this.statusAsked.get(image) === entry) this.statusAsked.delete(image);
      },
    );
    return untilAborted(p, signal);
  }

  /** The pod's pull secrets that exist; a FailedToRetrieveImagePullSecret event names the others. */
  private async pullSecrets(pod: Pod): Promise<KubeObject[]> {
    const found: KubeObject[] = [];
    const missing: string[] = [];
    for (const ref of pod.spec.imagePullSecrets ?? []) {
      if (!ref.name) continue;
      const s = await this.objects.get('secrets', pod.metadata.namespace ?? 'default', ref.name).catch(() => undefined);
      if (s) found.push(s);
      else missing.push(ref.name);
    }
    if (missing.length) void this.recorder.event(pod, 'Warning', 'FailedToRetrieveImagePullSecret', `Unable to retrieve some image pull secrets (${missing.join(', ')}); attempting to pull the image may not succeed.`);
    return found;
  }

  /**
   * Asks the runtime early whether the container's image is present (e.g. while the sandbox
   * starts), for ensure() to use; undefined when its policy pulls anyway.
   */
  lookAhead(c: ContainerSpec, signal?: AbortSignal): Promise<Image | null> | undefined {
    if (pullPolicyOf(c) === 'Always') return undefined;
    const p = this.imageStatus(c.image ?? '', signal);
    p.catch(() => undefined); // whoever uses it sees the error; unused, it is dropped
    return p;
  }

  /**
   * Makes the container's image present; events go to the pod's container (fieldPath).
   * present: a lookAhead() of this container's image, asked since this sync began;
   * onPull: called when a pull begins (the sync gives its start-gate slot back meanwhile).
   */
  async ensure(pod: Pod, c: ContainerSpec, fieldPath: string, signal?: AbortSignal, present?: Promise<Image | null>, onPull?: () => void): Promise<ImageResult> {
    const image = c.image ?? '';
    const policy = pullPolicyOf(c);
    const failed = (reason: ImageFailure, message: string): ImageResult => {
      void this.recorder.event(pod, 'Warning', 'Failed', `Error: ${reason}`, fieldPath);
      return { ok: false, reason, message };
    };
    if (policy !== 'Always') {
      const have = await (present ?? this.imageStatus(image, signal));
      if (have) {
        void this.recorder.event(pod, 'Normal', 'Pulled', `Container image "${image}" already present on machine`, fieldPath);
        return { ok: true, imageRef: have.id };
      }
      if (policy === 'Never') {
        const message = `Container image "${image}" is not present with pull policy of Never`;
        void this.recorder.event(pod, 'Warning', 'ErrImageNeverPull', message, fieldPath);
        return failed('ErrImageNeverPull', message);
      }
    }
    if (policy === 'Always' && this.imported) await untilAborted(this.imported.catch(() => undefined), signal); // as imageStatus: the archives first
    const key = `${pod.metadata.uid}_${image}`;
    if (this.backoff.inBackoff(key)) {
      const msg = `Back-off pulling image "${image}"`;
      void this.recorder.event(pod, 'Normal', 'BackOff', msg, fieldPath);
      const last = this.lastError.get(key);
      return failed('ImagePullBackOff', last ? `${msg}: ${last}` : msg);
    }
    this.lastError.delete(key);
    const credentials = lookupCredentials(await this.pullSecrets(pod), image);
    void this.recorder.event(pod, 'Normal', 'Pulling', `Pulling image "${image}"`, fieldPath);
    onPull?.();
    const t0 = this.clock.now();
    try {
      const r = await untilAborted(this.pull(image, credentials), signal);
      this.backoff.forget(key);
      const waited = goDuration(this.clock.now() - t0);
      void this.recorder.event(pod, 'Normal', 'Pulled', `Successfully pulled image "${image}" in ${goDuration(r.pullMs)} (${waited} including waiting). Image size: ${r.size} bytes.`, fieldPath);
      return { ok: true, imageRef: r.imageRef };
    } catch (err) {
      if (signal?.aborted) throw err;
      const text = err instanceof AggregateError ? aggregateText(err) : runtimeErrorText(err);
      void this.recorder.event(pod, 'Warning', 'Failed', `Failed to pull image "${image}": ${text}`, fieldPath);
      this.backoff.pullFailed(key);
      this.lastError.set(key, `ErrImagePull: ${text}`);
      return failed('ErrImagePull', text);
    }
  }

  /** One pull per image at a time: the same credentials share it, others wait their turn. */
  private async pull(image: string, credentials: AuthConfig[]): Promise<PullOutcome> {
    const credentialsKey = JSON.stringify(credentials);
    for (let cur = this.inflight.get(image); cur; cur = this.inflight.get(image)) {
      if (cur.credentialsKey === credentialsKey) return cur.done;
      await cur.done.catch(() => undefined);
    }
    const done = this.pullWith(image, credentials);
    this.inflight.set(image, { credentialsKey, done });
    try {
      return await done;
    } finally {
      if (this.inflight.get(image)?.done === done) this.inflight.delete(image);
    }
  }

  /** Tries each credential in turn (none: one anonymous pull); the first that works wins. */
  private async pullWith(image: string, credentials: AuthConfig[]): Promise<PullOutcome> {
    const errors: unknown[] = [];
    for (const auth of credentials.length ? credentials : [undefined]) {
      const t0 = this.clock.now();
      try {
        const ref = await this.cri.pullImage({ image }, auth);
        const pullMs = this.clock.now() - t0;
        const st = await this.cri.imageStatus({ image });
        return { imageRef: st?.id ?? ref, size: st?.size ?? 0, pullMs };
      } catch (err) {
        errors.push(err);
      }
    }
    throw errors.length === 1 ? errors[0] : new AggregateError(errors, 'every credential failed');
  }

  /** ms until the next pull attempt of this pod's image may start */
  retryInMs(pod: Pod, image: string): number {
    return this.backoff.remainingMs(`${pod.metadata.uid}_${image}`);
  }

  forgetPod(uid: string): void {
    this.backoff.forgetPrefix(`${uid}_`);
    for (const k of this.lastError.keys()) if (k.startsWith(`${uid}_`)) this.lastError.delete(k);
  }
}

/** Several failed credentials, as the kubelet's error aggregate prints them: [a, b]. */
function aggregateText(err: AggregateError): string {
  return `[${err.errors.map(runtimeErrorText).join(', ')}]`;
}
