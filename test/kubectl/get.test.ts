// kubectl get: tables (default and wide), yaml/json/name output, label and field
// selectors, --show-labels, -A, several kinds at once, chunking and errors.
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { kubectlSuite, ok, fails, bindPod, podYaml, rows, seedPath } from './support.js';

const REPLICASET = `apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: test-7d4b9
  labels: {app: test}
spec:
  replicas: 2
  selector:
    matchLabels: {app: test, pod-template-hash: 7d4b9}
  template:
    metadata:
      labels: {app: test, pod-template-hash: 7d4b9}
    spec:
      containers:
      - name: test
        image: nginx
`;

kubectlSuite('kubectl get', () => {
  let c: TestCluster;
  before(async () => {
    c = await startTestCluster();
    const docs = [
      podYaml('web-1', { labels: { app: 'web', tier: 'fe' } }),
      podYaml('web-2', { labels: { app: 'web', tier: 'fe' } }),
      podYaml('web-3', { labels: { app: 'web' } }),
      podYaml('db-1', { labels: { app: 'db' }, image: 'postgres:16' }),
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: other\n',
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: chunk\n',
      podYaml('far', { namespace: 'other', labels: { app: 'web' } }),
      ...[1, 2, 3, 4, 5].map((i) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\n  namespace: chunk\ndata:\n  i: "${i}"\n`),
      REPLICASET,
    ];
    ok(await c.kubectl(['apply', '-f', '-'], { input: docs.join('---\n') }));
    ok(await c.kubectl(['apply', '-f', seedPath('000-deployment-test.yaml')]));
    await bindPod(c, 'default', 'web-1', 'node-a');
  });
  after(async () => c?.close());

  it('prints the pod table sorted by name', async () => {
    const t = rows(ok(await c.kubectl(['get', 'pods'])));
    assert.deepEqual(t[0], ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    assert.deepEqual(
      t.slice(1).map((r) => r[0]),
      ['db-1', 'web-1', 'web-2', 'web-3'],
    );
    for (const r of t.slice(1)) {
      assert.deepEqual(r.slice(1, 4), ['0/1', 'Pending', '0'], r.join(' '));
      assert.match(r[4]!, /^\d+s$/, 'age of a fresh pod is in seconds');
    }
    const one = rows(ok(await c.kubectl(['get', 'pod', 'db-1'])));
    assert.equal(one.length, 2);
    assert.equal(one[1]![0], 'db-1');
  });

  it('prints the wide columns with -o wide', async () => {
    const t = rows(ok(await c.kubectl(['get', 'pods', '-o', 'wide'])));
    assert.deepEqual(t[0], ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
    const web1 = t.find((r) => r[0] === 'web-1')!;
    assert.deepEqual(web1.slice(5), ['<none>', 'node-a', '<none>', '<none>']);
    const web2 = t.find((r) => r[0] === 'web-2')!;
    assert.deepEqual(web2.slice(5), ['<none>', '<none>', '<none>', '<none>']);
    const d = rows(ok(await c.kubectl(['get', 'deploy', '-o', 'wide'])));
    assert.deepEqual(d[0], ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
    assert.deepEqual([d[1]![0], d[1]![1], ...d[1]!.slice(5)], ['test', '0/2', 'test', 'nginx', 'app=test']);
  });

  it('prints yaml, json and names', async () => {
    const y = parseYaml(ok(await c.kubectl(['get', 'pod', 'db-1', '-o', 'yaml'])));
    assert.equal(y.kind, 'Pod');
    assert.equal(y.apiVersion, 'v1');
    assert.equal(y.metadata.name, 'db-1');
    assert.equal(y.metadata.managedFields, undefined, 'kubectl hides managedFields');
    assert.equal(y.spec.containers[0].image, 'postgres:16');
    assert.equal(y.status.phase, 'Pending');

    const list = parseYaml(ok(await c.kubectl(['get', 'pods', '-o', 'yaml'])));
    assert.equal(list.kind, 'List');
    assert.equal(list.items.length, 4);

    const j = JSON.parse(ok(await c.kubectl(['get', 'pods', '-l', 'app=web', '-o', 'json'])));
    assert.equal(j.kind, 'List');
    assert.deepEqual(
      j.items.map((p: { kind: string; metadata: { name: string } }) => `${p.kind}/${p.metadata.name}`),
      ['Pod/web-1', 'Pod/web-2', 'Pod/web-3'],
    );
    assert.equal(j.items[0].spec.nodeName, 'node-a');

    assert.equal(ok(await c.kubectl(['get', 'pods', '-o', 'name'])), 'pod/db-1\npod/web-1\npod/web-2\npod/web-3\n');
    assert.equal(ok(await c.kubectl(['get', 'pods', 'web-2', '-o', 'jsonpath={.metadata.labels.tier}'])), 'fe');
    assert.equal(
      ok(await c.kubectl(['get', 'pods', '-o', 'custom-columns=N:.metadata.name,IMG:.spec.containers[0].image', '-l', 'app=db'])),
      'N      IMG\ndb-1   postgres:16\n',
    );
  });

  it('filters by label selector and shows labels', async () => {
    const names = async (sel: string) => ok(await c.kubectl(['get', 'pods', '-l', sel, '-o', 'name'])).trim().split('\n').filter(Boolean);
    assert.deepEqual(await names('app=web'), ['pod/web-1', 'pod/web-2', 'pod/web-3']);
    assert.deepEqual(await names('app=web,tier=fe'), ['pod/web-1', 'pod/web-2']);
    assert.deepEqual(await names('app in (db,nothing)'), ['pod/db-1']);
    assert.deepEqual(await names('app!=web'), ['pod/db-1']);
    assert.deepEqual(await names('!tier'), ['pod/db-1', 'pod/web-3']);
    assert.deepEqual(await names('app=none'), []);
    const none = await c.kubectl(['get', 'pods', '-l', 'app=none']);
    assert.equal(ok(none), '');
    assert.equal(none.stderr, 'No resources found in default namespace.\n');

    const t = rows(ok(await c.kubectl(['get', 'pods', '-l', 'app=web', '--show-labels'])));
    assert.equal(t[0]!.at(-1), 'LABELS');
    assert.deepEqual(
      t.slice(1).map((r) => [r[0], r.at(-1)]),
      [
        ['web-1', 'app=web,tier=fe'],
        ['web-2', 'app=web,tier=fe'],
        ['web-3', 'app=web'],
      ],
    );
    const L = rows(ok(await c.kubectl(['get', 'pods', '-L', 'tier', '-l', 'app'])));
    assert.equal(L[0]!.at(-1), 'TIER');
    assert.equal(L.find((r) => r[0] === 'web-1')!.at(-1), 'fe');
  });

  it('lists across namespaces with -A', async () => {
    const t = rows(ok(await c.kubectl(['get', 'pods', '-A', '-l', 'app=web'])));
    assert.deepEqual(t[0], ['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    assert.deepEqual(
      t.slice(1).map((r) => `${r[0]}/${r[1]}`),
      ['default/web-1', 'default/web-2', 'default/web-3', 'other/far'],
    );
    const ns = rows(ok(await c.kubectl(['get', 'namespaces'])));
    assert.deepEqual(ns[0], ['NAME', 'STATUS', 'AGE']);
    for (const n of ['chunk', 'default', 'kube-node-lease', 'kube-public', 'kube-system', 'other']) {
      assert.deepEqual(ns.find((r) => r[0] === n)?.slice(0, 2), [n, 'Active'], n);
    }
  });

  it('gets several kinds at once: deploy,rs -l app=test', async () => {
    const out = ok(await c.kubectl(['get', 'deploy,rs', '-l', 'app=test']));
    const [deploy, rs] = out.trim().split('\n\n').map(rows);
    assert.deepEqual(deploy![0], ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE']);
    assert.deepEqual(deploy![1]!.slice(0, 4), ['deployment.apps/test', '0/2', '0', '0']);
    assert.deepEqual(rs![0], ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE']);
    assert.deepEqual(rs![1]!.slice(0, 4), ['replicaset.apps/test-7d4b9', '2', '0', '0']);
    assert.equal(ok(await c.kubectl(['get', 'deploy,rs', '-l', 'app=test', '-o', 'name'])), 'deployment.apps/test\nreplicaset.apps/test-7d4b9\n');
  });

  it('filters by field selector', async () => {
    const names = async (sel: string) => ok(await c.kubectl(['get', 'pods', '--field-selector', sel, '-o', 'name'])).trim().split('\n').filter(Boolean);
    assert.deepEqual(await names('metadata.name=web-2'), ['pod/web-2']);
    assert.deepEqual(await names('spec.nodeName=node-a'), ['pod/web-1']);
    assert.deepEqual(await names('status.phase=Pending,metadata.name!=web-1'), ['pod/db-1', 'pod/web-2', 'pod/web-3']);
    assert.deepEqual(await names('status.phase=Running'), []);
    assert.deepEqual(
      ok(await c.kubectl(['get', 'pods', '-A', '--field-selector', 'metadata.namespace=other', '-o', 'name'])).trim(),
      'pod/far',
    );
    const err = fails(await c.kubectl(['get', 'pods', '--field-selector', 'spec.foo=x']));
    assert.match(err, /^Error from server \(BadRequest\): .*field label not supported: spec\.foo/);
  });

  it('pages with --chunk-size=2 and prints one table', async () => {
    const r = await c.kubectl(['get', 'configmaps', '-n', 'chunk', '--chunk-size=2', '-v=6']);
    const t = rows(ok(r));
    assert.deepEqual(t[0], ['NAME', 'DATA', 'AGE']);
    assert.deepEqual(
      t.slice(1).map((x) => x[0]),
      ['cm-1', 'cm-2', 'cm-3', 'cm-4', 'cm-5'],
    );
    const gets = r.stderr.split('\n').filter((l) => /GET https:\S+\/namespaces\/chunk\/configmaps\?/.test(l));
    assert.equal(gets.length, 3, gets.join('\n'));
    assert.match(gets[0]!, /\?limit=2 200 OK/);
    assert.match(gets[1]!, /continue=[^&\s]+&limit=2 200 OK/);
    const names = ok(await c.kubectl(['get', 'configmaps', '-n', 'chunk', '--chunk-size=2', '-o', 'name']));
    assert.equal(names, ['cm-1', 'cm-2', 'cm-3', 'cm-4', 'cm-5'].map((n) => `configmap/${n}\n`).join(''));
  });

  it('reports missing objects and empty namespaces', async () => {
    const err = fails(await c.kubectl(['get', 'pod', 'nope']));
    assert.equal(err, 'Error from server (NotFound): pods "nope" not found\n');
    const ign = await c.kubectl(['get', 'pod', 'nope', '--ignore-not-found']);
    assert.equal(ok(ign), '');
    assert.equal(ign.stderr, '');
    const empty = await c.kubectl(['get', 'pods', '-n', 'chunk']);
    assert.equal(ok(empty), '');
    assert.equal(empty.stderr, 'No resources found in chunk namespace.\n');
    const deploy = fails(await c.kubectl(['get', 'deployment', 'nope']));
    assert.equal(deploy, 'Error from server (NotFound): deployments.apps "nope" not found\n');
    assert.match(fails(await c.kubectl(['get', 'widgets'])), /the server doesn't have a resource type "widgets"/);
  });

  it('lists the "all" category', async () => {
    const out = ok(await c.kubectl(['get', 'all', '-o', 'name']));
    for (const n of ['pod/web-1', 'deployment.apps/test', 'replicaset.apps/test-7d4b9']) assert.ok(out.includes(`${n}\n`), `${n} in\n${out}`);
  });
});
