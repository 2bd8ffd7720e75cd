// The API through @kubernetes/client-node 1.x: CRUD, patch types, watch resume and 410.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { randomSuffix } from '../../src/apiserver/registry.js';

function errBody(err: unknown): { code: number; body: any } {
  const e = err as { code?: number; body?: unknown };
  const body = typeof e.body === 'string' ? JSON.parse(e.body) : e.body;
  return { code: e.code ?? 0, body };
}

async function expectApiError(p: Promise<unknown>, code: number): Promise<any> {
  try {
    await p;
  } catch (err) {
    const { code: c, body } = errBody(err);
    assert.equal(c, code, `expected HTTP ${code}, got ${c}: ${JSON.stringify(body)}`);
    assert.equal(body.kind, 'Status');
    return body;
  }
  assert.fail(`expected HTTP ${code}, but the call succeeded`);
}

const pod = (name: string, labels: Record<string, string> = {}): k8s.V1Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels },
  spec: { containers: [{ name: 'main', image: 'busybox', ports: [{ containerPort: 8080 }] }] },
});

describe('client-node against kubelite', () => {
  let c: TestCluster;
  let core: k8s.CoreV1Api;
  let apps: k8s.AppsV1Api;
  let kc: k8s.KubeConfig;

  before(async () => {
    c = await startTestCluster();
    kc = new k8s.KubeConfig();
    kc.loadFromFile(c.kubeconfigPath);
    core = kc.makeApiClient(k8s.CoreV1Api);
    apps = kc.makeApiClient(k8s.AppsV1Api);
  });
  after(async () => c?.close());

  it('has the system namespaces', async () => {
    const list = await core.listNamespace();
    const names = list.items.map((n) => n.metadata?.name).sort();
    for (const n of ['default', 'kube-node-lease', 'kube-public', 'kube-system']) assert.ok(names.includes(n), n);
    assert.equal(list.items.find((n) => n.metadata?.name === 'default')?.status?.phase, 'Active');
  });

  it('creates, reads, lists, replaces and deletes a pod', async () => {
    const created = await core.createNamespacedPod({ namespace: 'default', body: pod('crud-1', { app: 'web', tier: 'fe' }) });
    assert.ok(created.metadata?.uid);
    assert.ok(created.metadata?.resourceVersion);
    assert.ok(created.metadata?.creationTimestamp);
    assert.equal(created.status?.phase, 'Pending');
    assert.equal(created.spec?.restartPolicy, 'Always');
    assert.equal(created.spec?.containers[0]!.ports![0]!.protocol, 'TCP');
    assert.equal(created.spec?.containers[0]!.imagePullPolicy, 'Always');

    const got = await core.readNamespacedPod({ name: 'crud-1', namespace: 'default' });
    assert.equal(got.metadata?.uid, created.metadata?.uid);

    await core.createNamespacedPod({ namespace: 'default', body: pod('crud-2', { app: 'db' }) });
    const sel = await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app in (web),tier!=be' });
    assert.deepEqual(sel.items.map((p) => p.metadata?.name), ['crud-1']);
    const fsel = await core.listNamespacedPod({ namespace: 'default', fieldSelector: 'metadata.name=crud-2' });
    assert.deepEqual(fsel.items.map((p) => p.metadata?.name), ['crud-2']);

    const dup = await expectApiError(core.createNamespacedPod({ namespace: 'default', body: pod('crud-1') }), 409);
    assert.equal(dup.reason, 'AlreadyExists');

    // replace with the current RV works; with the old one conflicts
    const upd = structuredClone(got);
    upd.metadata!.labels = { ...upd.metadata!.labels, extra: 'yes' };
    const replaced = await core.replaceNamespacedPod({ name: 'crud-1', namespace: 'default', body: upd });
    assert.equal(replaced.metadata?.labels?.extra, 'yes');
    assert.notEqual(replaced.metadata?.resourceVersion, got.metadata?.resourceVersion);
    const stale = await expectApiError(core.replaceNamespacedPod({ name: 'crud-1', namespace: 'default', body: upd }), 409);
    assert.equal(stale.reason, 'Conflict');
    assert.match(stale.message, /the object has been modified/);

    // an unbound pod goes at once
    await core.deleteNamespacedPod({ name: 'crud-1', namespace: 'default' });
    await expectApiError(core.readNamespacedPod({ name: 'crud-1', namespace: 'default' }), 404);
  });

  it('generates names and paginates with limit/continue', async () => {
    for (let i = 0; i < 5; i++) {
      const cm = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { generateName: 'page-', labels: { page: 'yes' } }, data: { i: String(i) } } });
      assert.match(cm.metadata!.name!, /^page-[a-z0-9]{5}$/);
    }
    const seen: string[] = [];
    let cont: string | undefined;
    do {
      const l: k8s.V1ConfigMapList = await core.listNamespacedConfigMap({ namespace: 'default', labelSelector: 'page=yes', limit: 2, _continue: cont });
      assert.ok(l.items.length <= 2);
      seen.push(...l.items.map((x) => x.metadata!.name!));
      cont = l.metadata?._continue;
    } while (cont);
    assert.equal(seen.length, 5);
    assert.deepEqual([...seen].sort(), seen, 'lists come sorted by name');
  });

  it('draws a generated name again when it is taken (up to 7 times), then answers AlreadyExists', async () => {
    const reg = c.api.get('', 'configmaps')!;
    const drawn = ['aaaaa', 'aaaaa', 'aaaaa', 'bbbbb'];
    reg.nameSuffix = () => drawn.shift() ?? 'aaaaa';
    try {
      const first = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { generateName: 'dup-' } } });
      assert.equal(first.metadata!.name, 'dup-aaaaa');
      const second = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { generateName: 'dup-' } } });
      assert.equal(second.metadata!.name, 'dup-bbbbb', 'two collisions, then a free name');
      let calls = 0;
      reg.nameSuffix = () => (calls++, 'aaaaa');
      await assert.rejects(
        core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { generateName: 'dup-' } } }),
        (err: { code?: number; body?: string }) => err.code === 409 && /AlreadyExists/.test(String(err.body)),
      );
      assert.equal(calls, 8, 'the first draw and 7 retries');
      // an explicit name is never changed
      await assert.rejects(core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'dup-aaaaa' } } }), (err: { code?: number }) => err.code === 409);
    } finally {
      reg.nameSuffix = randomSuffix;
    }
  });

  it('applies all patch types', async () => {
    await core.createNamespacedPod({ namespace: 'default', body: pod('patchme', { app: 'p' }) });
    // client-node's default is JSON patch
    const j = await core.patchNamespacedPod({ name: 'patchme', namespace: 'default', body: [{ op: 'add', path: '/metadata/labels/json', value: '1' }] });
    assert.equal(j.metadata?.labels?.json, '1');
    const merge = await core.patchNamespacedPod(
      { name: 'patchme', namespace: 'default', body: { metadata: { labels: { merge: '1', json: null } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    assert.equal(merge.metadata?.labels?.merge, '1');
    assert.equal(merge.metadata?.labels?.json, undefined);
    const smp = await core.patchNamespacedPod(
      { name: 'patchme', namespace: 'default', body: { spec: { containers: [{ name: 'main', image: 'busybox:1.36' }] } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch),
    );
    assert.equal(smp.spec?.containers.length, 1);
    assert.equal(smp.spec?.containers[0]!.image, 'busybox:1.36');
    assert.equal(smp.spec?.containers[0]!.ports?.[0]?.containerPort, 8080, 'strategic merge keeps unmentioned fields');
    const ssa = await core.patchNamespacedConfigMap(
      { name: 'ssa-cm', namespace: 'default', body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ssa-cm' }, data: { a: '1' } }, fieldManager: 'tester' },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply),
    );
    assert.equal(ssa.data?.a, '1');
    assert.ok(ssa.metadata?.managedFields?.some((m) => m.manager === 'tester' && m.operation === 'Apply'));
    const bad = await expectApiError(
      core.patchNamespacedPod({ name: 'patchme', namespace: 'default', body: [{ op: 'test', path: '/metadata/name', value: 'other' }] }),
      422,
    );
    assert.ok(bad.message);
  });

  it('rejects invalid pods with every bad field and stores nothing', async () => {
    const bad: k8s.V1Pod = {
      metadata: { name: 'Bad_Name' },
      spec: {
        containers: [
          { name: 'a', image: '', ports: [{ containerPort: 70000 }] },
          { name: 'a', image: 'x', resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } },
        ],
      },
    };
    const st = await expectApiError(core.createNamespacedPod({ namespace: 'default', body: bad }), 422);
    assert.equal(st.reason, 'Invalid');
    const fields: string[] = st.details.causes.map((c: { field: string }) => c.field);
    for (const f of ['metadata.name', 'spec.containers[0].image', 'spec.containers[0].ports[0].containerPort', 'spec.containers[1].name']) {
      assert.ok(fields.includes(f), `${f} in ${fields.join(', ')}`);
    }
    assert.ok(fields.some((f) => f.startsWith('spec.containers[1].resources')), fields.join(', '));
    await expectApiError(core.readNamespacedPod({ name: 'Bad_Name', namespace: 'default' }), 404);
  });

  it('refuses objects in a namespace that does not exist', async () => {
    const st = await expectApiError(core.createNamespacedPod({ namespace: 'nope', body: pod('x') }), 404);
    assert.match(st.message, /namespaces "nope" not found/);
  });

  it('bumps generation on spec changes only and serves the scale subresource', async () => {
    const d = await apps.createNamespacedDeployment({
      namespace: 'default',
      body: {
        metadata: { name: 'gen' },
        spec: { replicas: 1, selector: { matchLabels: { app: 'gen' } }, template: { metadata: { labels: { app: 'gen' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
      },
    });
    assert.equal(d.metadata?.generation, 1);
    const l = await apps.patchNamespacedDeployment(
      { name: 'gen', namespace: 'default', body: { metadata: { labels: { x: 'y' } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    assert.equal(l.metadata?.generation, 1);
    const s = await apps.patchNamespacedDeploymentScale(
      { name: 'gen', namespace: 'default', body: { spec: { replicas: 3 } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    assert.equal(s.spec?.replicas, 3);
    assert.equal(s.status?.selector, 'app=gen');
    const after = await apps.readNamespacedDeployment({ name: 'gen', namespace: 'default' });
    assert.equal(after.spec?.replicas, 3);
    assert.equal(after.metadata?.generation, 2);
  });

  it('watches from a resourceVersion, resumes, and gets 410 after compaction', async () => {
    const first = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'w-1' }, data: { v: '1' } } });
    const rv0 = first.metadata!.resourceVersion!;
    const watch = new k8s.Watch(kc);
    const events: string[] = [];
    let lastRv = rv0;
    const done = new Promise<void>((resolve, reject) => {
      void watch
        .watch(
          '/api/v1/namespaces/default/configmaps',
          { resourceVersion: rv0, fieldSelector: 'metadata.name=w-1' },
          (type, obj) => {
            events.push(`${type}:${obj.data?.v ?? ''}`);
            lastRv = obj.metadata.resourceVersion;
            if (type === 'DELETED') resolve();
          },
          (err) => (err ? reject(err) : undefined),
        )
        .then((ac) => setTimeout(() => ac.abort(), 10_000).unref());
    });
    await core.patchNamespacedConfigMap({ name: 'w-1', namespace: 'default', body: [{ op: 'replace', path: '/data/v', value: '2' }] });
    await core.deleteNamespacedConfigMap({ name: 'w-1', namespace: 'default' });
    await done;
    assert.deepEqual(events, ['MODIFIED:2', 'DELETED:2']);

    // resume from the first revision replays exactly the same events
    const replay: string[] = [];
    await new Promise<void>((resolve, reject) => {
      void watch.watch(
        '/api/v1/namespaces/default/configmaps',
        { resourceVersion: rv0, fieldSelector: 'metadata.name=w-1' },
        (type, obj) => {
          replay.push(`${type}:${obj.data?.v ?? ''}`);
          if (type === 'DELETED') resolve();
        },
        (err) => (err ? reject(err) : undefined),
      );
    });
    assert.deepEqual(replay, events);
    assert.ok(Number(lastRv) > Number(rv0));

    // compact everything, then ask for the old revision from the store's point of view
    const cur = await c.store.currentRevision();
    await c.store.compact(cur);
    const got = await new Promise<{ type: string; obj: any }>((resolve) => {
      void watch.watch(
        '/api/v1/namespaces/default/configmaps',
        { resourceVersion: '1' },
        (type, obj) => resolve({ type, obj }),
        () => undefined,
      );
    });
    assert.equal(got.type, 'ERROR');
    assert.equal(got.obj.code, 410);
    assert.equal(got.obj.reason, 'Expired');

    // a list taken after compaction gives a revision that can be watched (no relist loop)
    await core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'bump' } } });
    await c.store.compact(await c.store.currentRevision());
    const cms = await core.listNamespacedConfigMap({ namespace: 'default' });
    assert.ok(Number(cms.metadata!.resourceVersion) >= (await c.store.compactedRevision()));
    const next = await new Promise<{ type: string; obj: any }>((resolve) => {
      void watch.watch(
        '/api/v1/namespaces/default/configmaps',
        { resourceVersion: cms.metadata!.resourceVersion },
        (type, obj) => resolve({ type, obj }),
        () => undefined,
      );
      setTimeout(() => void core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'after-compaction' } } }), 100);
    });
    assert.equal(next.type, 'ADDED');
    assert.equal(next.obj.metadata.name, 'after-compaction');
  });
});
