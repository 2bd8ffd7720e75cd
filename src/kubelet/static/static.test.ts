import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import type { RestClient } from '../../client/rest.js';
import { realClock } from '../../util/clock.js';
import { silentLogger } from '../../util/logger.js';
import type { Pod } from '../types.js';
import { ManifestError, parseManifest, staticPod } from './manifest.js';
import { StaticPods, type StaticPodWorkers } from './manager.js';

const YAML = `apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: c
    image: busybox
    resources: {limits: {memory: 10Mi}}
`;

describe('static pod manifests', () => {
  it('names, defaults, annotates and hashes a pod as the kubelet does', () => {
    const [raw] = parseManifest(YAML, { kind: 'file', where: '/m/web.yaml' });
    const p = staticPod(raw!, { kind: 'file', where: '/m/web.yaml' }, 'Node-1');
    assert.equal(p.metadata.name, 'web-node-1');
    assert.equal(p.metadata.namespace, 'default');
    assert.equal(p.spec.nodeName, 'node-1');
    assert.match(p.metadata.uid!, /^[0-9a-f]{32}$/);
    assert.equal(p.metadata.annotations!['kubernetes.io/config.hash'], p.metadata.uid);
    assert.equal(p.metadata.annotations!['kubernetes.io/config.source'], 'file');
    assert.equal(p.spec.restartPolicy, 'Always');
    assert.equal(p.spec.containers[0]!.resources!.requests!.memory, '10Mi', 'requests default to limits');
    assert.equal((p.spec as { serviceAccountName?: string }).serviceAccountName, undefined, 'no service account for static pods');
    assert.deepEqual((p.spec as { tolerations?: unknown }).tolerations, [{ operator: 'Exists', effect: 'NoExecute' }]);
    // same manifest, same uid; another path or content, another uid
    assert.equal(staticPod(raw!, { kind: 'file', where: '/m/web.yaml' }, 'node-1').metadata.uid, p.metadata.uid);
    assert.notEqual(staticPod(raw!, { kind: 'file', where: '/m/other.yaml' }, 'node-1').metadata.uid, p.metadata.uid);
    const [json] = parseManifest(JSON.stringify({ kind: 'Pod', apiVersion: 'v1', metadata: { name: 'web' }, spec: { containers: [{ image: 'busybox', name: 'c', resources: { limits: { memory: '10Mi' } } }] } }), { kind: 'file', where: '/m/web.yaml' });
    assert.equal(staticPod(json!, { kind: 'file', where: '/m/web.yaml' }, 'node-1').metadata.uid, p.metadata.uid, 'key order does not matter');
  });

  it('reads PodLists from URLs and rejects invalid pods', () => {
    const list = parseManifest(JSON.stringify({ kind: 'PodList', items: [{ kind: 'Pod', metadata: { name: 'a' }, spec: {} }, { kind: 'Pod', metadata: { name: 'b' }, spec: {} }] }), { kind: 'http', where: 'http://x' });
    assert.equal(list.length, 2);
    assert.throws(() => staticPod(list[0]!, { kind: 'http', where: 'http://x' }, 'n'), ManifestError);
    assert.throws(() => staticPod({ kind: 'Service', apiVersion: 'v1' }, { kind: 'file', where: 'f' }, 'n'), ManifestError);
    assert.throws(() => parseManifest('a: [', { kind: 'file', where: 'f' }), ManifestError);
  });
});

/** Pod workers and an API server, in memory. */
function fakes() {
  const running = new Map<string, Pod>();
  const phases = new Map<string, string>();
  const graces: number[] = [];
  const workers: StaticPodWorkers = {
    update: (p) => (running.set(p.metadata.uid!, p), phases.set(p.metadata.uid!, 'sync')),
    gone: (uid, g) => (running.delete(uid), phases.delete(uid), graces.push(g ?? -1)),
    phaseOf: (uid) => phases.get(uid),
    kick: () => undefined,
  };
  const pods = new Map<string, KubeObject>();
  let n = 0;
  let down = false;
  const client = {
    json: async (method: string, path: string, body?: KubeObject & { preconditions?: { uid: string } }) => {
      if (down) throw new Error('connect ECONNREFUSED');
      if (method === 'GET') return { metadata: { name: 'n1', uid: 'node-uid' } };
      if (method === 'POST') {
        const key = `${body!.metadata.namespace}/${body!.metadata.name}`;
        if (pods.has(key)) throw new ApiError(409, 'AlreadyExists', 'exists');
        const made = { ...structuredClone(body!), metadata: { ...structuredClone(body!.metadata), uid: `mirror-${++n}` } };
        pods.set(key, made);
        return made;
      }
      if (method === 'DELETE') {
        const key = path.split('/').slice(-3).filter((_x, i) => i !== 1).join('/');
        const cur = pods.get(key);
        if (!cur) throw new ApiError(404, 'NotFound', 'gone');
        if (body?.preconditions?.uid !== cur.metadata.uid) throw new ApiError(409, 'Conflict', 'uid');
        pods.delete(key);
        return {};
      }
      throw new Error(`unexpected ${method}`);
    },
  } as unknown as RestClient;
  return { workers, running, graces, pods, client, setDown: (v: boolean) => (down = v) };
}

async function until(what: string, fn: () => boolean): Promise<void> {
  const end = Date.now() + 5000;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('static pod manager', () => {
  it('runs manifests, keeps a mirror per pod, replaces edited pods and removes deleted ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'klt-static-'));
    const ac = new AbortController();
    try {
      const f = fakes();
      writeFileSync(join(dir, 'web.yaml'), YAML);
      writeFileSync(join(dir, '.hidden.yaml'), YAML.replace('web', 'hidden'));
      const sp = new StaticPods({ nodeName: 'n1', client: f.client, clock: realClock, log: silentLogger(), manifestPath: dir, checkMs: 50, tickMs: 20 }, ac.signal);
      await sp.start(f.workers);
      await until('one pod and its mirror', () => f.running.size === 1 && f.pods.has('default/web-n1'));
      const [uid, pod] = [...f.running][0]!;
      assert.equal(pod.metadata.name, 'web-n1');
      assert.ok(pod.metadata.annotations!['kubernetes.io/config.seen']);
      const mirror = f.pods.get('default/web-n1')!;
      assert.equal(mirror.metadata.annotations!['kubernetes.io/config.mirror'], uid);
      assert.deepEqual(mirror.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'node-uid', controller: true }]);
      assert.ok(sp.owns(uid) && sp.uidOf('default', 'web-n1') === uid);
      sp.mirrorUpdated(mirror);
      assert.equal(sp.mirrorOf(pod)?.metadata.uid, mirror.metadata.uid);

      // the mirror deleted: made again, the pod untouched
      f.pods.delete('default/web-n1');
      sp.mirrorDeleted(mirror);
      await until('mirror made again', () => f.pods.has('default/web-n1'));
      assert.equal([...f.running.keys()][0], uid);

      // being deleted gracefully: deleted at once and made again
      const m2 = f.pods.get('default/web-n1')!;
      sp.mirrorUpdated({ ...m2, metadata: { ...m2.metadata, deletionTimestamp: new Date().toISOString() } });
      await until('a third mirror', () => f.pods.get('default/web-n1')?.metadata.uid !== m2.metadata.uid && f.pods.has('default/web-n1'));

      // an edit: a new uid replaces the old pod
      writeFileSync(join(dir, 'web.yaml'), YAML.replace('10Mi', '20Mi'));
      await until('the edited pod running', () => f.running.size === 1 && !f.running.has(uid));
      assert.deepEqual(f.graces, [30]);
      const m3 = f.pods.get('default/web-n1')!;
      sp.mirrorUpdated(m3);
      const newUID = [...f.running.keys()][0]!;
      await until('the stale mirror replaced', () => f.pods.get('default/web-n1')?.metadata.annotations?.['kubernetes.io/config.mirror'] === newUID);

      // the API away: the pod stays, nothing breaks; removal kills it and, back, deletes the mirror
      f.setDown(true);
      rmSync(join(dir, 'web.yaml'));
      await until('the pod killed', () => f.running.size === 0);
      sp.mirrorUpdated(f.pods.get('default/web-n1')!);
      f.setDown(false);
      await until('the mirror deleted', () => !f.pods.has('default/web-n1'));
    } finally {
      ac.abort();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
