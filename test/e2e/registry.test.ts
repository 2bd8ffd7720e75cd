// Image pulls from real registries on this machine (as root, real containerd): Debian's
// docker-registry on loopback (plain HTTP, as Docker treats loopback), one behind htpasswd auth,
// and one on the node's own IP that containerd reaches over HTTP only because the agent lists it
// as an insecure registry. imagePullPolicy, pull errors and back-off, imagePullSecrets.
import { after, before, describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/cri/containerd.js';
import { defaultImagesDir } from '../../src/cri/images/build.js';
import { detectNodeIP } from '../../src/kubelet/node.js';
import { kubectlPath } from '../helpers/cluster.js';
import { requireE2eNode, startE2eNode, statuses, until, type E2eNode, type Pod } from '../helpers/node.js';
import { requireRegistryTools, startRegistry, type Registry } from '../helpers/registry.js';

const USER = { name: 'puller', password: 's3cret-pw' };
let dir: string;
let open: Registry;
let priv: Registry;
let lan: Registry;
let unlisted: Registry;
let node: E2eNode;

const running = (p: Pod) => p.status?.phase === 'Running' && statuses(p)[0]?.state.running !== undefined;
const waitingReason = (p: Pod) => statuses(p)[0]?.state.waiting?.reason;
const sleeper = (name: string, image: string, extra: Record<string, unknown> = {}) => ({
  metadata: { name },
  spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'main', image, command: ['sleep', '3600'], ...extra }] },
});

async function eventsOf(name: string, reason: string): Promise<string[]> {
  return (await node.events(name)).filter((e) => e.reason === reason).map((e) => e.message);
}

/** The pod's events of a reason once there are some (events are written after the fact). */
function eventsWhen(name: string, reason: string, pred: (messages: string[]) => boolean = (l) => l.length > 0): Promise<string[]> {
  return until(`${reason} events of ${name}`, async () => {
    const l = await eventsOf(name, reason);
    return pred(l) ? l : undefined;
  });
}

async function deletePods(...names: string[]): Promise<void> {
  for (const n of names) await node.client.json('DELETE', `/api/v1/namespaces/default/pods/${n}`, { gracePeriodSeconds: 0 }).catch(() => undefined);
}

test('a machine without the registry tools fails the test naming the packages', () => {
  const path = process.env.PATH;
  process.env.PATH = '/nonexistent';
  try {
    assert.throws(requireRegistryTools, /missing docker-registry, skopeo, htpasswd; install with: apt-get install -y docker-registry skopeo apache2-utils/);
  } finally {
    process.env.PATH = path;
  }
});

describe('image pulls from real registries (real containerd)', { timeout: 300_000 }, () => {
  before(async () => {
    requireE2eNode();
    requireRegistryTools();
    dir = mkdtempSync(join(tmpdir(), 'kubelite-registry-'));
    const archive = join(defaultImagesDir(), 'busybox.tar');
    const ip = detectNodeIP();
    assert.notEqual(ip, '127.0.0.1', 'the insecure-registry check needs a non-loopback IPv4 on this machine');
    open = await startRegistry({ dir: join(dir, 'open'), addr: `127.0.0.1:${await freePort()}` });
    priv = await startRegistry({ dir: join(dir, 'private'), addr: `127.0.0.1:${await freePort()}`, user: USER });
    // the same storage served on the node's IP: not loopback, so HTTP only when configured
    lan = await startRegistry({ dir: join(dir, 'lan'), addr: `${ip}:${await freePort(ip)}`, storage: join(dir, 'open', 'storage') });
    unlisted = await startRegistry({ dir: join(dir, 'unlisted'), addr: `${ip}:${await freePort(ip)}`, storage: join(dir, 'open', 'storage') });
    open.push(archive, 'busybox:1.0');
    priv.push(archive, 'busybox:1.0');
    node = await startE2eNode('reg', { insecureRegistries: [lan.host] });
  });

  after(async () => {
    await node?.stop();
    for (const r of [open, priv, lan, unlisted]) await r?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('IfNotPresent pulls a missing image once, then finds it "already present"', async () => {
    const image = `${open.host}/busybox:1.0`;
    await node.createPod(sleeper('first', image, { imagePullPolicy: 'IfNotPresent' }));
    const p = await node.podWhere('first', 'first Running', running, 60_000);
    assert.equal(statuses(p)[0]!.image, image);
    assert.match(statuses(p)[0]!.imageID, new RegExp(`^${open.host.replace(/\./g, '\\.')}/busybox@sha256:[0-9a-f]{64}$`), 'a pulled image is known by its repo digest');
    assert.deepEqual(await eventsWhen('first', 'Pulling'), [`Pulling image "${image}"`]);
    const [pulled] = await eventsWhen('first', 'Pulled');
    assert.match(pulled!, new RegExp(`^Successfully pulled image "${image.replace(/\./g, '\\.')}" in [0-9.]+m?s \\([0-9.]+m?s including waiting\\)\\. Image size: [1-9][0-9]* bytes\\.$`));
    await node.createPod(sleeper('second', image, { imagePullPolicy: 'IfNotPresent' }));
    await node.podWhere('second', 'second Running', running, 60_000);
    assert.deepEqual(await eventsWhen('second', 'Pulled'), [`Container image "${image}" already present on machine`]);
    assert.deepEqual(await eventsOf('second', 'Pulling'), []);
    await deletePods('first', 'second');
  });

  it('Always pulls again although the image is present', async () => {
    const image = `${open.host}/busybox:1.0`;
    await node.createPod(sleeper('always', image, { imagePullPolicy: 'Always' }));
    await node.podWhere('always', 'always Running', running, 60_000);
    assert.deepEqual(await eventsWhen('always', 'Pulling'), [`Pulling image "${image}"`]);
    assert.match((await eventsWhen('always', 'Pulled'))[0]!, /^Successfully pulled image/);
    await deletePods('always');
  });

  it('Never with a missing image: ErrImageNeverPull', async () => {
    const image = `${open.host}/busybox:never-pushed`;
    await node.createPod(sleeper('never', image, { imagePullPolicy: 'Never' }));
    const p = await node.podWhere('never', 'ErrImageNeverPull', (x) => waitingReason(x) === 'ErrImageNeverPull');
    assert.equal(statuses(p)[0]!.state.waiting!.message, `Container image "${image}" is not present with pull policy of Never`);
    assert.equal(p.status.phase, 'Pending');
    await eventsWhen('never', 'Failed', (l) => l.includes('Error: ErrImageNeverPull'));
    assert.deepEqual(await eventsWhen('never', 'ErrImageNeverPull'), [`Container image "${image}" is not present with pull policy of Never`]);
    assert.deepEqual(await eventsOf('never', 'Pulling'), []);
    if (kubectlPath()) {
      const out = await node.cluster.kubectl(['get', 'pod', 'never']);
      assert.match(out.stdout, /never\s+0\/1\s+ErrImageNeverPull\s+0\s/, out.stderr);
    }
    await deletePods('never');
  });

  it('a missing tag: ErrImagePull, then ImagePullBackOff with the error kept', async () => {
    const image = `${open.host}/busybox:no-such-tag`;
    const created = await node.createPod(sleeper('missing-tag', image));
    // from the creation on: every status the kubelet writes, however fast they follow each other
    const seen = node.watchWaiting('missing-tag', created.metadata.resourceVersion!);
    try {
      const p = await node.podWhere('missing-tag', 'ImagePullBackOff', (x) => waitingReason(x) === 'ImagePullBackOff', 60_000);
      const message = statuses(p)[0]!.state.waiting!.message!;
      assert.match(message, new RegExp(`^Back-off pulling image "${image.replace(/\./g, '\\.')}": ErrImagePull: rpc error: code = NotFound desc = .*not found`));
      await until('ErrImagePull seen before ImagePullBackOff', async () => (seen.seen.includes('ImagePullBackOff') ? true : undefined), 10_000);
      const order = seen.seen.filter((r) => r === 'ErrImagePull' || r === 'ImagePullBackOff');
      assert.deepEqual(order.slice(0, 2), ['ErrImagePull', 'ImagePullBackOff'], `waiting reasons seen: ${seen.seen.join(' -> ')}`);
      const failed = await eventsWhen('missing-tag', 'Failed', (l) => l.includes('Error: ImagePullBackOff'));
      assert.ok(failed.some((m) => m.startsWith(`Failed to pull image "${image}": rpc error: code = NotFound`)), failed.join('\n'));
      assert.ok(failed.includes('Error: ErrImagePull'), failed.join('\n'));
      assert.deepEqual(await eventsWhen('missing-tag', 'BackOff'), [`Back-off pulling image "${image}"`]);
    } finally {
      seen.stop();
    }
    await deletePods('missing-tag');
  });

  it('a private registry: ErrImagePull without the imagePullSecret, Running with it', async () => {
    const image = `${priv.host}/busybox:1.0`;
    const auths = { [priv.host]: { username: USER.name, password: USER.password, auth: Buffer.from(`${USER.name}:${USER.password}`).toString('base64') } };
    await node.client.json('POST', '/api/v1/namespaces/default/secrets', {
      apiVersion: 'v1', kind: 'Secret', metadata: { name: 'regcred' }, type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': Buffer.from(JSON.stringify({ auths })).toString('base64') },
    });
    await node.createPod(sleeper('no-secret', image, { imagePullPolicy: 'Always' }));
    const denied = await node.podWhere('no-secret', 'ErrImagePull or ImagePullBackOff', (x) => ['ErrImagePull', 'ImagePullBackOff'].includes(waitingReason(x) ?? ''), 60_000);
    assert.match(statuses(denied)[0]!.state.waiting!.message!, /401 Unauthorized/);
    await node.createPod({ ...sleeper('with-secret', image, { imagePullPolicy: 'Always' }), spec: { ...sleeper('with-secret', image).spec, imagePullSecrets: [{ name: 'regcred' }] } });
    await node.podWhere('with-secret', 'with-secret Running', running, 60_000);
    assert.match((await eventsWhen('with-secret', 'Pulled'))[0]!, /^Successfully pulled image/);
    await deletePods('no-secret', 'with-secret');
  });

  it('a registry on the node IP is reached over HTTP because the agent lists it as insecure', async () => {
    await node.createPod(sleeper('lan', `${lan.host}/busybox:1.0`, { imagePullPolicy: 'Always' }));
    await node.podWhere('lan', 'lan Running', running, 60_000);
    await deletePods('lan');
    // the same registry on a port the agent does not list: containerd insists on HTTPS
    await assert.rejects(node.agent.cri.pullImage({ image: `${unlisted.host}/busybox:1.0` }), /HTTP response to HTTPS client/);
  });

  it('pods that pull one image at once all start', async () => {
    const names = ['burst-0', 'burst-1', 'burst-2'];
    await Promise.all(names.map((n) => node.createPod(sleeper(n, `${open.host}/busybox:1.0`, { imagePullPolicy: 'Always' }))));
    for (const n of names) await node.podWhere(n, `${n} Running`, running, 60_000);
    await deletePods(...names);
  });
});
