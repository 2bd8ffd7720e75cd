// The image manager against a fake runtime: pull policies, the events and waiting messages the
// kubelet writes, back-off, imagePullSecrets (keyring matching) and shared concurrent pulls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import type { KubeObject } from '../api/types.js';
import type { EventRecorder } from '../client/events.js';
import type { CriClient } from '../cri/client.js';
import { CriNotFoundError, CriRuntimeError } from '../cri/errors.js';
import type { AuthConfig, Image } from '../cri/types.js';
import { keyMatches, keyOf, lookupCredentials, parseImage } from './credentials.js';
import { goDuration, ImageManager, pullPolicyOf, runtimeErrorText } from './images.js';
import type { ObjectSource } from './objects.js';
import type { Pod } from './types.js';

const REG = '127.0.0.1:5000';
const IMG = `${REG}/busybox:1.0`;

function fakes(o: { present?: string[]; users?: Record<string, string>; secrets?: KubeObject[]; pullMs?: number; imported?: Promise<void> } = {}) {
  let now = 1_000_000;
  const clock = { now: () => now, nowRFC3339: () => new Date(now).toISOString() };
  const present = new Set(o.present ?? []);
  const pulls: { image: string; auth?: AuthConfig }[] = [];
  const events: string[] = [];
  const asked: string[] = [];
  const cri = {
    imageStatus: async ({ image }: { image: string }): Promise<Image | null> => (asked.push(image), present.has(image) ? { id: `sha256:${image.length}`, repoTags: [image], repoDigests: [], size: 1234, uid: null, username: '', pinned: false } : null),
    pullImage: async ({ image }: { image: string }, auth?: AuthConfig) => {
      pulls.push({ image, auth });
      await new Promise((r) => setTimeout(r, 20));
      now += o.pullMs ?? 1500;
      if (image.endsWith(':missing')) throw new CriNotFoundError('PullImage', grpc.status.NOT_FOUND, `failed to pull and unpack image "${image}": not found`);
      if (o.users && !(auth?.username && o.users[auth.username] === auth.password)) throw new CriRuntimeError('PullImage', grpc.status.UNKNOWN, `failed to pull and unpack image "${image}": 401 Unauthorized`);
      present.add(image);
      return `sha256:${image.length}`;
    },
  } as unknown as CriClient;
  const recorder = { event: async (_o: KubeObject, type: string, reason: string, message: string) => void events.push(`${type} ${reason}: ${message}`) } as unknown as EventRecorder;
  const objects: ObjectSource = {
    get: async (kind, _ns, name) => (kind === 'secrets' ? o.secrets?.find((s) => s.metadata.name === name) : undefined),
    getCluster: async () => undefined,
  };
  const images = new ImageManager(cri, recorder, objects, clock, o.imported);
  return { images, pulls, events, present, asked, advance: (ms: number) => (now += ms) };
}

const pod = (image: string, imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never', pullSecrets: string[] = []): Pod => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', uid: 'u1' },
  spec: { containers: [{ name: 'c', image, ...(imagePullPolicy ? { imagePullPolicy } : {}) }], imagePullSecrets: pullSecrets.map((name) => ({ name })) },
});
const ensure = (f: ReturnType<typeof fakes>, p: Pod) => f.images.ensure(p, p.spec.containers[0]!, 'spec.containers{c}');

const dockerConfigJson = (name: string, auths: Record<string, unknown>): KubeObject => ({
  apiVersion: 'v1', kind: 'Secret', metadata: { name }, type: 'kubernetes.io/dockerconfigjson',
  data: { '.dockerconfigjson': Buffer.from(JSON.stringify({ auths })).toString('base64') },
} as KubeObject);
const dockercfg = (name: string, cfg: Record<string, unknown>): KubeObject => ({
  apiVersion: 'v1', kind: 'Secret', metadata: { name }, type: 'kubernetes.io/dockercfg',
  data: { '.dockercfg': Buffer.from(JSON.stringify(cfg)).toString('base64') },
} as KubeObject);

test('default pull policy: :latest or no tag is Always, a tag or digest IfNotPresent', () => {
  assert.equal(pullPolicyOf({ name: 'c', image: 'busybox' }), 'Always');
  assert.equal(pullPolicyOf({ name: 'c', image: 'busybox:latest' }), 'Always');
  assert.equal(pullPolicyOf({ name: 'c', image: `${REG}/busybox` }), 'Always');
  assert.equal(pullPolicyOf({ name: 'c', image: IMG }), 'IfNotPresent');
  assert.equal(pullPolicyOf({ name: 'c', image: 'busybox@sha256:abc' }), 'IfNotPresent');
  assert.equal(pullPolicyOf({ name: 'c', image: IMG, imagePullPolicy: 'Never' }), 'Never');
});

test('texts: Go durations and gRPC errors as the kubelet prints them', () => {
  assert.equal(goDuration(523), '523ms');
  assert.equal(goDuration(1500), '1.5s');
  assert.equal(goDuration(10_000), '10s');
  assert.equal(goDuration(123_004), '2m3.004s');
  assert.equal(goDuration(3_600_000), '1h0m0s');
  assert.equal(runtimeErrorText(new CriNotFoundError('PullImage', 5, 'x: not found')), 'rpc error: code = NotFound desc = x: not found');
  assert.equal(runtimeErrorText(new CriRuntimeError('PullImage', 2, '401 Unauthorized')), '401 Unauthorized', 'Unknown drops its code');
});

test('IfNotPresent with the image present: no pull, "already present"', async () => {
  const f = fakes({ present: [IMG] });
  assert.deepEqual(await ensure(f, pod(IMG, 'IfNotPresent')), { ok: true, imageRef: `sha256:${IMG.length}` });
  assert.equal(f.pulls.length, 0);
  assert.deepEqual(f.events, [`Normal Pulled: Container image "${IMG}" already present on machine`]);
});

test('Always pulls again although the image is present', async () => {
  const f = fakes({ present: [IMG] });
  assert.equal((await ensure(f, pod(IMG, 'Always'))).ok, true);
  assert.equal(f.pulls.length, 1);
  assert.deepEqual(f.events, [`Normal Pulling: Pulling image "${IMG}"`, `Normal Pulled: Successfully pulled image "${IMG}" in 1.5s (1.5s including waiting). Image size: 1234 bytes.`]);
});

test('Never with the image missing: ErrImageNeverPull, nothing pulled', async () => {
  const f = fakes();
  const r = await ensure(f, pod(IMG, 'Never'));
  assert.deepEqual(r, { ok: false, reason: 'ErrImageNeverPull', message: `Container image "${IMG}" is not present with pull policy of Never` });
  assert.equal(f.pulls.length, 0);
  assert.deepEqual(f.events, [`Warning ErrImageNeverPull: Container image "${IMG}" is not present with pull policy of Never`, 'Warning Failed: Error: ErrImageNeverPull']);
});

test('a failed pull: ErrImagePull, then ImagePullBackOff for 10 s (20 s after the next failure)', async () => {
  const f = fakes();
  const img = `${REG}/busybox:missing`;
  const err = `rpc error: code = NotFound desc = failed to pull and unpack image "${img}": not found`;
  assert.deepEqual(await ensure(f, pod(img)), { ok: false, reason: 'ErrImagePull', message: err });
  assert.deepEqual(f.events, [`Normal Pulling: Pulling image "${img}"`, `Warning Failed: Failed to pull image "${img}": ${err}`, 'Warning Failed: Error: ErrImagePull']);
  f.events.length = 0;
  assert.deepEqual(await ensure(f, pod(img)), { ok: false, reason: 'ImagePullBackOff', message: `Back-off pulling image "${img}": ErrImagePull: ${err}` });
  assert.deepEqual(f.events, [`Normal BackOff: Back-off pulling image "${img}"`, 'Warning Failed: Error: ImagePullBackOff']);
  assert.equal(f.pulls.length, 1);
  assert.equal(f.images.retryInMs(pod(img), img), 10_000);
  f.advance(10_000);
  assert.equal((await ensure(f, pod(img))).ok === false && f.pulls.length, 2, 'pulled again once the back-off ended');
  assert.equal(f.images.retryInMs(pod(img), img), 20_000);
  f.images.forgetPod('u1');
  assert.equal(f.images.retryInMs(pod(img), img), 0);
});

test('imagePullSecrets: the matching credential goes into the CRI AuthConfig; without it the pull fails', async () => {
  const secrets = [
    dockerConfigJson('regcred', { [`http://${REG}`]: { username: 'user', password: 'pass' }, 'other.example.com': { username: 'x', password: 'y' } }),
    dockercfg('legacy', { [REG]: { auth: Buffer.from('old:secret').toString('base64') } }),
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'opaque' }, type: 'Opaque', data: { '.dockerconfigjson': 'bm90IGpzb24=' } } as KubeObject,
  ];
  const f = fakes({ users: { user: 'pass' }, secrets });
  assert.equal((await ensure(f, pod(IMG, 'Always', ['regcred']))).ok, true);
  assert.deepEqual(f.pulls[0]!.auth, { username: 'user', password: 'pass' });

  const g = fakes({ users: { user: 'pass' }, secrets });
  const r = await ensure(g, pod(IMG, 'Always', ['opaque', 'nope']));
  assert.deepEqual(r, { ok: false, reason: 'ErrImagePull', message: `failed to pull and unpack image "${IMG}": 401 Unauthorized` });
  assert.equal(g.pulls[0]!.auth, undefined, 'no credentials matched: an anonymous pull');
  assert.ok(g.events.includes('Warning FailedToRetrieveImagePullSecret: Unable to retrieve some image pull secrets (nope); attempting to pull the image may not succeed.'), g.events.join('\n'));

  // two matching credentials: each is tried, the working one wins
  const h = fakes({ users: { user: 'pass' }, secrets });
  assert.equal((await ensure(h, pod(IMG, 'Always', ['legacy', 'regcred']))).ok, true);
  assert.deepEqual(h.pulls.map((p) => p.auth?.username), ['old', 'user']);
});

test('keyring: hosts, ports, globs, paths and Docker Hub', () => {
  assert.deepEqual(parseImage('busybox'), { repository: 'docker.io/library/busybox', tag: 'latest', digest: '' });
  assert.deepEqual(parseImage(`${REG}/a/b:1@sha256:x`), { repository: `${REG}/a/b`, tag: '1', digest: 'sha256:x' });
  assert.equal(keyOf('https://index.docker.io/v1/'), 'index.docker.io');
  assert.equal(keyOf('http://reg.io/v2/team'), 'reg.io/team');
  assert.ok(keyMatches(REG, `${REG}/busybox`));
  assert.ok(!keyMatches('127.0.0.1', `${REG}/busybox`), 'ports must agree');
  assert.ok(keyMatches('*.example.com', 'eu.example.com/app'));
  assert.ok(!keyMatches('*.example.com', 'a.eu.example.com/app'), '* stays within one label');
  assert.ok(keyMatches('reg.io/team', 'reg.io/team/app') && !keyMatches('reg.io/team', 'reg.io/other/app'));
  const hub = dockerConfigJson('hub', { 'https://index.docker.io/v1/': { username: 'h', password: 'p' } });
  assert.deepEqual(lookupCredentials([hub], 'busybox:1.36'), [{ username: 'h', password: 'p' }]);
  assert.deepEqual(lookupCredentials([hub], IMG), []);
  const paths = dockerConfigJson('paths', { 'reg.io': { username: 'host' }, 'reg.io/team': { username: 'team' } });
  assert.deepEqual(lookupCredentials([paths], 'reg.io/team/app:1').map((c) => c.username), ['team', 'host'], 'the more specific key first');
});

test('concurrent pulls of one image are shared; other credentials wait their turn', async () => {
  const secrets = [dockerConfigJson('a', { [REG]: { username: 'user', password: 'pass' } })];
  const f = fakes({ users: { user: 'pass' }, secrets });
  const pods = [1, 2, 3].map((i) => ({ ...pod(IMG, 'Always', ['a']), metadata: { name: `p${i}`, namespace: 'default', uid: `u${i}` } }));
  const rs = await Promise.all(pods.map((p) => ensure(f, p)));
  assert.ok(rs.every((r) => r.ok));
  assert.equal(f.pulls.length, 1, 'one runtime pull for three pods');
  // a pod without the secret does not ride on the pull of one that has it
  const [withSecret, without] = await Promise.all([ensure(f, pod(IMG, 'Always', ['a'])), ensure(f, { ...pod(IMG, 'Always'), metadata: { name: 'q', namespace: 'default', uid: 'q' } })]);
  assert.equal(withSecret.ok, true);
  assert.equal(without.ok, false);
  assert.equal(f.pulls.length, 3);
});

test('images being imported at the agent start: their checks wait for the import, which brings them (no pull)', async () => {
  let importDone!: () => void;
  const imported = new Promise<void>((r) => (importDone = r));
  const f = fakes({ imported });
  const p = pod(IMG);
  const ahead = f.images.lookAhead(p.spec.containers[0]!);
  const result = f.images.ensure(p, p.spec.containers[0]!, 'spec.containers{c}', undefined, ahead);
  const always = ensure(f, pod(`${REG}/other:latest`));
  f.present.add(IMG); // the archive's import brings the image in
  f.present.add(`${REG}/other:latest`);
  importDone();
  assert.deepEqual(await result, { ok: true, imageRef: `sha256:${IMG.length}` });
  assert.equal((await always).ok, true);
  assert.deepEqual(f.pulls.map((x) => x.image), [`${REG}/other:latest`], 'only the Always image is pulled, after the import');
  assert.ok(f.events.includes(`Normal Pulled: Container image "${IMG}" already present on machine`), f.events.join('\n'));
});

test('pods starting together share one ImageStatus of a present image; an absent one is asked again', async () => {
  const f = fakes({ present: [IMG] });
  const two = { ...pod(IMG), metadata: { name: 'q', namespace: 'default', uid: 'u2' } };
  const [a, b] = await Promise.all([ensure(f, pod(IMG)), ensure(f, two)]);
  assert.ok(a.ok && b.ok);
  assert.equal(f.asked.length, 1);
  assert.equal(f.events.filter((e) => e.includes('already present on machine')).length, 2, 'each container start still has its Pulled event');
  const other = `${REG}/other:1.0`;
  f.present.delete(other);
  assert.equal((await ensure(f, pod(other, 'Never'))).ok, false);
  f.present.add(other);
  assert.equal((await ensure(f, pod(other, 'Never'))).ok, true, 'an answer "absent" is not reused');
});
