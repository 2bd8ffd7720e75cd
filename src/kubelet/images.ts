// Image pulls by imagePullPolicy, with the waiting reasons the kubelet reports:
// ErrImageNeverPull, ErrImagePull (a pull just failed), ImagePullBackOff (waiting to retry).
import type { CriClient } from '../cri/client.js';
import type { AuthConfig } from '../cri/types.js';
import type { EventRecorder } from '../client/events.js';
import type { Clock } from '../util/clock.js';
import { Backoff } from './backoff.js';
import { dataOf, type ObjectSource } from './objects.js';
import type { ContainerSpec, Pod } from './types.js';

export type ImageResult = { ok: true; imageRef: string } | { ok: false; reason: 'ErrImageNeverPull' | 'ErrImagePull' | 'ImagePullBackOff'; message: string };

/** docker.io/library/busybox:latest style normalisation is the runtime's; we only need the registry host. */
export function registryHost(image: string): string {
  const first = image.split('/')[0]!;
  if (image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')) return first;
  return 'docker.io';
}

export class ImageManager {
  private readonly backoff: Backoff;
  /** last pull error per back-off key, for the ImagePullBackOff message */
  private readonly lastError = new Map<string, string>();

  constructor(
    private readonly cri: CriClient,
    private readonly recorder: EventRecorder,
    private readonly objects: ObjectSource,
    private readonly clock: Clock,
  ) {
    this.backoff = new Backoff(clock);
  }

  private async auth(pod: Pod, image: string): Promise<AuthConfig | undefined> {
    const host = registryHost(image);
    for (const ref of pod.spec.imagePullSecrets ?? []) {
      const s = await this.objects.get('secrets', pod.metadata.namespace ?? 'default', ref.name);
      if (!s) continue;
      const data = dataOf(s);
      const raw = data.get('.dockerconfigjson') ?? data.get('.dockercfg');
      if (!raw) continue;
      let doc: { auths?: Record<string, { username?: string; password?: string; auth?: string }> } & Record<string, unknown>;
      try {
        doc = JSON.parse(raw.toString('utf8')) as typeof doc;
      } catch {
        continue;
      }
      const auths = (doc.auths ?? doc) as Record<string, { username?: string; password?: string; auth?: string }>;
      for (const [server, a] of Object.entries(auths)) {
        const h = server.replace(/^https?:\/\//, '').split('/')[0]!;
        if (h === host || (host === 'docker.io' && /(^|\.)docker\.io$/.test(h))) return { username: a.username, password: a.password, auth: a.auth, serverAddress: h };
      }
    }
    return undefined;
  }

  /** Makes the container's image present; events go to the pod. */
  async ensure(pod: Pod, c: ContainerSpec, fieldPath: string, signal?: AbortSignal): Promise<ImageResult> {
    const image = c.image ?? '';
    const policy = c.imagePullPolicy ?? 'IfNotPresent';
    if (policy !== 'Always') {
      const have = await this.cri.imageStatus({ image }, { signal });
      if (have) {
        void this.recorder.event(pod, 'Normal', 'Pulled', `Container image "${image}" already present on machine`, fieldPath);
        return { ok: true, imageRef: have.id };
      }
      if (policy === 'Never') {
        const message = `Container image "${image}" is not present with pull policy of Never`;
        void this.recorder.event(pod, 'Warning', 'ErrImageNeverPull', message, fieldPath);
        return { ok: false, reason: 'ErrImageNeverPull', message };
      }
    }
    const key = `${pod.metadata.uid}/${image}`;
    if (this.backoff.inBackoff(key)) {
      const message = `Back-off pulling image "${image}": ${this.lastError.get(key) ?? ''}`;
      void this.recorder.event(pod, 'Normal', 'BackOff', `Back-off pulling image "${image}"`, fieldPath);
      return { ok: false, reason: 'ImagePullBackOff', message };
    }
    void this.recorder.event(pod, 'Normal', 'Pulling', `Pulling image "${image}"`, fieldPath);
    const t0 = this.clock.now();
    try {
      const ref = await this.cri.pullImage({ image }, await this.auth(pod, image), undefined, { signal });
      this.backoff.forget(key);
      this.lastError.delete(key);
      void this.recorder.event(pod, 'Normal', 'Pulled', `Successfully pulled image "${image}" in ${((this.clock.now() - t0) / 1000).toFixed(3)}s`, fieldPath);
      const st = await this.cri.imageStatus({ image }, { signal });
      return { ok: true, imageRef: st?.id ?? ref };
    } catch (err) {
      if (signal?.aborted) throw err;
      const message = `Failed to pull image "${image}": ${(err as Error).message}`;
      this.backoff.pullFailed(key);
      this.lastError.set(key, message);
      void this.recorder.event(pod, 'Warning', 'Failed', message, fieldPath);
      return { ok: false, reason: 'ErrImagePull', message };
    }
  }

  /** ms until the next pull attempt of this pod's image may start */
  retryInMs(pod: Pod, image: string): number {
    return this.backoff.remainingMs(`${pod.metadata.uid}/${image}`);
  }

  forgetPod(uid: string): void {
    this.backoff.forgetPrefix(`${uid}/`);
  }
}
