// Static pods with real containerd: manifests in --pod-manifest-path and from --manifest-url run
// on the node, each shown in the API by a mirror pod the agent keeps.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError } from '../../src/api/errors.js';
import { BUSYBOX_IMAGE } from '../../src/cri/images/build.js';
import { LABEL_POD_UID } from '../../src/kubelet/types.js';
import { allRunning, podPath, sleep, startNodeCluster, statuses, until, type NodeCluster, type Pod } from './node-cluster.js';

const manifest = (name: string, env: string) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels: {app: ${name}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: ${BUSYBOX_IMAGE}
    command: [sh, -c, 'trap "exit 0" TERM; while true; do sleep 0.2; done']
    env: [{name: VERSION, value: "${env}"}]
`;

let n: NodeCluster;
let dir: string;
let http: Server;
let served = '';
let url: string;

const get = (name: string) => n.client.json<Pod>('GET', podPath(name));
const gone = async (name: string) => {
  try {
    await get(name);
    return undefined;
  } catch (err) {
    return err instanceof ApiError && err.code === 404 ? true : undefined;
  }
};
const mirrorHash = (p: Pod) => p.metadata.annotations?.['kubernetes.io/config.mirror'];

describe('static pods (real containerd)', { timeout: 240_000 }, () => {
  before(async () => {
    http = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'application/yaml' }).end(served));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
    const a = http.address();
    url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/pods.yaml`;
    dir = mkdtempSync('/tmp/kubelite-manifests-');
    n = await startNodeCluster('st', { podManifestPath: dir, manifestUrl: url, manifestCheckMs: 500 });
  });

  after(async () => {
    served = '';
    await n?.teardown();
    http?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a dropped manifest and shows it as a mirror pod', async () => {
    writeFileSync(join(dir, 'web.yaml'), manifest('web', 'one'));
    const name = `web-${n.nodeName}`;
    const m = await until('the mirror pod Running', async () => {
      const p = await get(name);
      return allRunning(p) ? p : undefined;
    });
    const hash = m.metadata.annotations!['kubernetes.io/config.hash']!;
    assert.match(hash, /^[0-9a-f]{32}$/);
    assert.equal(mirrorHash(m), hash);
    assert.equal(m.metadata.annotations!['kubernetes.io/config.source'], 'file');
    assert.ok(m.metadata.annotations!['kubernetes.io/config.seen']);
    assert.notEqual(m.metadata.uid, hash, 'the mirror has its own uid');
    assert.equal(m.spec.nodeName, n.nodeName);
    const node = await n.client.json<Pod>('GET', `/api/v1/nodes/${n.nodeName}`);
    assert.deepEqual(m.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Node', name: n.nodeName, uid: node.metadata.uid, controller: true }]);
    const sandboxes = await n.agent.cri.listPodSandbox({ labelSelector: { [LABEL_POD_UID]: hash } });
    assert.equal(sandboxes.length, 1, 'the runtime pod carries the static uid');
    // kubectl reaches the static pod's container through its mirror's name
    const ex = await n.c.kubectl(['exec', name, '--', 'sh', '-c', 'echo $VERSION']);
    assert.equal(ex.stdout.trim(), 'one', ex.stderr);
    const events = await n.client.json<{ items: { reason: string; involvedObject: { name: string } }[] }>('GET', '/api/v1/namespaces/default/events');
    assert.ok(events.items.some((e) => e.reason === 'Started' && e.involvedObject.name === name), 'the kubelet records events for static pods');

    // the API keeps mirror pods what they are
    await assert.rejects(n.client.json('PATCH', podPath(name), { metadata: { annotations: { 'kubernetes.io/config.mirror': 'other' } } }, 'application/merge-patch+json'), (err: unknown) => err instanceof ApiError && err.code === 422 && /may not remove or update mirror pod annotation/.test(err.message));
    await assert.rejects(n.client.json('POST', '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'fake-mirror', annotations: { 'kubernetes.io/config.mirror': 'x' } }, spec: { containers: [{ name: 'c', image: BUSYBOX_IMAGE }] } }), (err: unknown) => err instanceof ApiError && err.code === 422 && /must set spec.nodeName if mirror pod annotation is set/.test(err.message));
  });

  it('keeps the pod running when its mirror is deleted, and makes the mirror again', async () => {
    const name = `web-${n.nodeName}`;
    const before = await get(name);
    const cid = statuses(before)[0]!.containerID;
    await n.client.json('DELETE', podPath(name)); // graceful: the kubelet kills nothing
    const again = await until('a new mirror', async () => {
      const p = await get(name);
      return p.metadata.uid !== before.metadata.uid && !p.metadata.deletionTimestamp && allRunning(p) ? p : undefined;
    });
    assert.equal(statuses(again)[0]!.containerID, cid, 'same container');
    assert.equal(statuses(again)[0]!.restartCount, 0);
    const st = await n.agent.cri.containerStatus(cid!.replace('containerd://', ''));
    assert.equal(st.status?.state, 'CONTAINER_RUNNING');
  });

  it('adopts the static pod after an agent restart: same container, same mirror, same start time', async () => {
    const name = `web-${n.nodeName}`;
    const before = await get(name);
    await n.restartAgent();
    await sleep(3000); // a few syncs of the new agent
    const after = await until('the mirror Running', async () => {
      const p = await get(name);
      return allRunning(p) ? p : undefined;
    });
    assert.equal(after.metadata.uid, before.metadata.uid, 'the mirror is kept');
    assert.equal(statuses(after)[0]!.containerID, statuses(before)[0]!.containerID);
    assert.equal(statuses(after)[0]!.restartCount, 0);
    assert.equal(after.status.startTime, before.status.startTime);
  });

  it('restarts the pod with the new spec when the manifest changes', async () => {
    const name = `web-${n.nodeName}`;
    const old = await get(name);
    writeFileSync(join(dir, 'web.yaml'), manifest('web', 'two'));
    const p = await until('the mirror of the edited pod Running', async () => {
      const x = await get(name);
      return mirrorHash(x) !== mirrorHash(old) && allRunning(x) ? x : undefined;
    });
    const loc = await until('the new container', async () => n.agent.lookup.findContainer('default', name, 'main'));
    const r = await n.agent.cri.execSync(loc.containerId, ['sh', '-c', 'echo $VERSION'], 10);
    assert.equal(r.stdout.toString().trim(), 'two');
    assert.notEqual(statuses(p)[0]!.containerID, statuses(old)[0]!.containerID);
    await until('the old runtime pod removed', async () => ((await n.agent.cri.listPodSandbox({ labelSelector: { [LABEL_POD_UID]: mirrorHash(old)! } })).length === 0 ? true : undefined));
  });

  it('removes the pod and its mirror when the manifest is removed', async () => {
    const name = `web-${n.nodeName}`;
    const hash = mirrorHash(await get(name))!;
    rmSync(join(dir, 'web.yaml'));
    await until('the mirror gone', () => gone(name));
    await until('the runtime pod gone', async () => ((await n.agent.cri.listPodSandbox({ labelSelector: { [LABEL_POD_UID]: hash } })).length === 0 ? true : undefined));
  });

  it('runs pods served by --manifest-url', async () => {
    served = manifest('from-url', 'http');
    const name = `from-url-${n.nodeName}`;
    const m = await until('the URL pod Running', async () => {
      const p = await get(name);
      return allRunning(p) ? p : undefined;
    });
    assert.equal(m.metadata.annotations!['kubernetes.io/config.source'], 'http');
    const tols = (m.spec.tolerations ?? []) as { key?: string; operator?: string; effect?: string }[];
    assert.ok(!tols.some((t) => !t.key && t.operator === 'Exists' && t.effect === 'NoExecute'), 'only file pods tolerate every NoExecute taint');
    served = JSON.stringify({ apiVersion: 'v1', kind: 'PodList', items: [] });
    await until('the URL pod gone', () => gone(name));
  });

  it('runs and removes static pods while the API server is away', async () => {
    await n.c.stop(); // last test: the API server does not come back
    writeFileSync(join(dir, 'offline.yaml'), manifest('offline', 'alone'));
    const name = `offline-${n.nodeName}`;
    const running = async () => {
      const cs = await n.agent.cri.listContainers({ labelSelector: { 'io.kubernetes.pod.name': name } });
      return cs.some((c) => c.state === 'CONTAINER_RUNNING') ? true : undefined;
    };
    await until('the static pod running without the API', running);
    rmSync(join(dir, 'offline.yaml'));
    await until('the static pod gone', async () => ((await n.agent.cri.listPodSandbox({ labelSelector: { 'io.kubernetes.pod.name': name } })).length === 0 ? true : undefined));
  });
});
