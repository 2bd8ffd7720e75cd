// kubectl create (-f and the generators, which send protobuf bodies) and kubectl run.
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { kubectlSuite, ok, fails, getJson, isGone, rows, seedPath } from './support.js';

kubectlSuite('kubectl create and run', () => {
  let c: TestCluster;
  before(async () => {
    c = await startTestCluster();
  });
  after(async () => c?.close());

  it('create -f makes the object once', async () => {
    assert.equal(ok(await c.kubectl(['create', '-f', seedPath('000-pod-tomcat.yaml')])), 'pod/pod-tomcat created\n');
    const again = fails(await c.kubectl(['create', '-f', seedPath('000-pod-tomcat.yaml')]));
    assert.match(again, /^Error from server \(AlreadyExists\): error when creating ".*000-pod-tomcat\.yaml": pods "pod-tomcat" already exists$/m);
    const p = await getJson(c, ['pod', 'pod-tomcat']);
    assert.equal(p.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'], undefined);
    assert.equal(p.spec.containers[0].ports[0].protocol, 'TCP');
    assert.equal(p.spec.restartPolicy, 'Always');
    assert.equal(p.status.phase, 'Pending');
    assert.equal(p.status.qosClass, 'BestEffort');
  });

  it('create namespace', async () => {
    assert.equal(ok(await c.kubectl(['create', 'namespace', 'team-a'])), 'namespace/team-a created\n');
    assert.equal(fails(await c.kubectl(['create', 'namespace', 'team-a'])), 'Error from server (AlreadyExists): namespaces "team-a" already exists\n');
    const ns = await getJson(c, ['namespace', 'team-a']);
    assert.equal(ns.status.phase, 'Active');
    assert.deepEqual(ns.spec.finalizers, ['kubernetes']);
    assert.equal(ns.metadata.labels?.['kubernetes.io/metadata.name'], 'team-a');
  });

  it('create configmap --from-literal', async () => {
    assert.equal(ok(await c.kubectl(['create', 'configmap', 'settings', '-n', 'team-a', '--from-literal=level=debug', '--from-literal=path=/var/data'])), 'configmap/settings created\n');
    const cm = await getJson(c, ['configmap', 'settings', '-n', 'team-a']);
    assert.deepEqual(cm.data, { level: 'debug', path: '/var/data' });
    const t = rows(ok(await c.kubectl(['get', 'configmap', 'settings', '-n', 'team-a'])));
    assert.deepEqual(t[1]!.slice(0, 2), ['settings', '2']);
  });

  it('create secret generic --from-literal', async () => {
    assert.equal(ok(await c.kubectl(['create', 'secret', 'generic', 'creds', '--from-literal=user=admin', '--from-literal=password=s3cr3t'])), 'secret/creds created\n');
    const s = await getJson(c, ['secret', 'creds']);
    assert.equal(s.type, 'Opaque');
    assert.equal(Buffer.from(s.data.user, 'base64').toString(), 'admin');
    assert.equal(Buffer.from(s.data.password, 'base64').toString(), 's3cr3t');
    const t = rows(ok(await c.kubectl(['get', 'secret', 'creds'])));
    assert.deepEqual(t[0], ['NAME', 'TYPE', 'DATA', 'AGE']);
    assert.deepEqual(t[1]!.slice(0, 3), ['creds', 'Opaque', '2']);
  });

  it('create deployment --image --replicas', async () => {
    assert.equal(ok(await c.kubectl(['create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=3', '--port=80'])), 'deployment.apps/web created\n');
    const d = await getJson(c, ['deployment', 'web']);
    assert.equal(d.spec.replicas, 3);
    assert.deepEqual(d.spec.selector, { matchLabels: { app: 'web' } });
    assert.deepEqual(d.spec.template.metadata.labels, { app: 'web' });
    assert.equal(d.spec.template.spec.containers[0].name, 'nginx');
    assert.equal(d.spec.template.spec.containers[0].image, 'nginx:1.27');
    assert.deepEqual(d.spec.template.spec.containers[0].ports, [{ containerPort: 80, protocol: 'TCP' }]);
    assert.equal(d.spec.strategy.type, 'RollingUpdate');
    assert.equal(d.metadata.generation, 1);
    const t = rows(ok(await c.kubectl(['get', 'deploy', 'web'])));
    assert.deepEqual(t[1]!.slice(0, 4), ['web', '0/3', '0', '0']);
    const dry = parseYaml(ok(await c.kubectl(['create', 'deployment', 'dry', '--image=nginx', '--dry-run=server', '-o', 'yaml'])));
    assert.equal(dry.kind, 'Deployment');
    assert.equal(dry.spec.revisionHistoryLimit, 10, 'server dry run returns the defaulted object');
    assert.ok(await isGone(c, ['deployment', 'dry']));
    assert.equal(fails(await c.kubectl(['create', 'deployment', 'web', '--image=nginx'])), 'error: failed to create deployment: deployments.apps "web" already exists\n');
  });

  it('run NAME --image --port makes a Pending pod (there is no node)', async () => {
    assert.equal(ok(await c.kubectl(['run', 'nginx', '--image=nginx', '--port=8080', '--env=MODE=test', '--labels=app=front,tier=web', '--', 'nginx', '-g', 'daemon off;'])), 'pod/nginx created\n');
    const p = await getJson(c, ['pod', 'nginx']);
    assert.deepEqual(p.metadata.labels, { app: 'front', tier: 'web' });
    const ctr = p.spec.containers[0];
    assert.equal(ctr.name, 'nginx');
    assert.deepEqual(ctr.ports, [{ containerPort: 8080, protocol: 'TCP' }]);
    assert.deepEqual(ctr.env, [{ name: 'MODE', value: 'test' }]);
    assert.deepEqual(ctr.args, ['nginx', '-g', 'daemon off;']);
    assert.equal(p.spec.dnsPolicy, 'ClusterFirst');
    assert.equal(p.spec.restartPolicy, 'Always');
    assert.equal(p.spec.nodeName, undefined);
    const t = rows(ok(await c.kubectl(['get', 'pod', 'nginx'])));
    assert.deepEqual(t[1]!.slice(0, 4), ['nginx', '0/1', 'Pending', '0']);
    assert.equal(ok(await c.kubectl(['run', 'plain', '--image=busybox', '--restart=Never'])), 'pod/plain created\n');
    const plain = await getJson(c, ['pod', 'plain']);
    assert.deepEqual(plain.metadata.labels, { run: 'plain' });
    assert.equal(plain.spec.restartPolicy, 'Never');
    assert.equal(fails(await c.kubectl(['run', 'plain', '--image=busybox'])), 'Error from server (AlreadyExists): pods "plain" already exists\n');
  });

  it('run --dry-run=server -o yaml shows the defaulted pod and stores nothing', async () => {
    const r = await c.kubectl(['run', 'ghost', '--image=busybox', '--dry-run=server', '-o', 'yaml']);
    const p = parseYaml(ok(r));
    assert.equal(p.kind, 'Pod');
    assert.equal(p.metadata.name, 'ghost');
    assert.equal(p.metadata.namespace, 'default');
    assert.ok(p.metadata.uid, 'the server fills uid');
    assert.equal(p.metadata.resourceVersion, undefined, 'a dry run has no resourceVersion');
    assert.equal(p.spec.containers[0].imagePullPolicy, 'Always');
    assert.equal(p.spec.containers[0].terminationMessagePath, '/dev/termination-log');
    assert.equal(p.spec.terminationGracePeriodSeconds, 30);
    assert.equal(p.spec.schedulerName, 'default-scheduler');
    assert.equal(p.status.phase, 'Pending');
    assert.ok(await isGone(c, ['pod', 'ghost']));
    const client = parseYaml(ok(await c.kubectl(['run', 'ghost', '--image=busybox', '--dry-run=client', '-o', 'yaml'])));
    assert.equal(client.metadata.uid, undefined);
  });
});
