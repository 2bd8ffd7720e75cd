// kubectl describe (with events), get events, explain, api-resources, api-versions, version.
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { kubectlSuite, ok, fails, getJson, rows, seedPath } from './support.js';

function eventYaml(name: string, pod: { name: string; uid: string }, reason: string, message: string, type = 'Normal'): string {
  return `apiVersion: v1
kind: Event
metadata:
  name: ${name}
involvedObject:
  apiVersion: v1
  kind: Pod
  name: ${pod.name}
  namespace: default
  uid: ${pod.uid}
reason: ${reason}
message: ${JSON.stringify(message)}
type: ${type}
source:
  component: default-scheduler
count: 1
firstTimestamp: "${new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z$/, 'Z')}"
lastTimestamp: "${new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z$/, 'Z')}"
`;
}

kubectlSuite('kubectl describe, events, explain and discovery', () => {
  let c: TestCluster;
  let uid = '';
  before(async () => {
    c = await startTestCluster();
    ok(await c.kubectl(['apply', '-f', seedPath('004-volume-pod.yaml')]));
    ok(await c.kubectl(['apply', '-f', seedPath('000-deployment-test.yaml')]));
    uid = (await getJson(c, ['pod', 'volume-pod'])).metadata.uid;
  });
  after(async () => c?.close());

  it('describe pod lists its containers, volumes and events', async () => {
    const pod = { name: 'volume-pod', uid };
    assert.equal(ok(await c.kubectl(['create', '-f', '-'], { input: eventYaml('volume-pod.1', pod, 'Scheduled', 'Successfully assigned default/volume-pod to node-a') })), 'event/volume-pod.1 created\n');
    ok(await c.kubectl(['create', '-f', '-'], { input: eventYaml('volume-pod.2', pod, 'FailedMount', 'MountVolume.SetUp failed for volume "app-logs"', 'Warning') }));
    // an event about another object (same name, other uid) is not shown
    ok(await c.kubectl(['create', '-f', '-'], { input: eventYaml('volume-pod.3', { name: 'volume-pod', uid: '00000000-0000-0000-0000-000000000000' }, 'Stale', 'from an earlier pod') }));

    const out = ok(await c.kubectl(['describe', 'pod', 'volume-pod']));
    assert.match(out, /^Name: +volume-pod$/m);
    assert.match(out, /^Namespace: +default$/m);
    assert.match(out, /^Status: +Pending$/m);
    assert.match(out, /^Containers:\n  tomcat:\n    Image: +tomcat\n    Port: +8080\/TCP$/m);
    assert.match(out, /^  busybox:\n    Image: +busybox$/m);
    assert.match(out, /^Volumes:\n  app-logs:\n    Type: +EmptyDir/m);
    const events = out.slice(out.indexOf('\nEvents:'));
    assert.match(events, /^  Type +Reason +Age +From +Message$/m);
    assert.match(events, /^  Normal +Scheduled +\d+s +default-scheduler +Successfully assigned default\/volume-pod to node-a$/m);
    assert.match(events, /^  Warning +FailedMount +\d+s +default-scheduler +MountVolume\.SetUp failed for volume "app-logs"$/m);
    assert.doesNotMatch(events, /Stale/);
  });

  it('describe deployment and a missing object', async () => {
    const out = ok(await c.kubectl(['describe', 'deployment', 'test']));
    assert.match(out, /^Name: +test$/m);
    assert.match(out, /^Selector: +app=test$/m);
    assert.match(out, /^Replicas: +2 desired \| 0 updated \| 0 total \| 0 available \| 0 unavailable$/m);
    assert.match(out, /^StrategyType: +RollingUpdate$/m);
    assert.match(out, /^RollingUpdateStrategy: +25% max unavailable, 25% max surge$/m);
    assert.equal(fails(await c.kubectl(['describe', 'pod', 'nope'])), 'Error from server (NotFound): pods "nope" not found\n');
  });

  it('get events prints the event table', async () => {
    const t = rows(ok(await c.kubectl(['get', 'events'])));
    assert.deepEqual(t[0], ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
    const reasons = t.slice(1).map((r) => [r[1], r[2], r[3]]);
    assert.deepEqual(
      reasons.sort(),
      [
        ['Normal', 'Scheduled', 'pod/volume-pod'],
        ['Normal', 'Stale', 'pod/volume-pod'],
        ['Warning', 'FailedMount', 'pod/volume-pod'],
      ],
    );
    const sel = ok(await c.kubectl(['get', 'events', '--field-selector', 'type=Warning', '-o', 'name']));
    assert.equal(sel, 'event/volume-pod.2\n');
    const byObj = ok(await c.kubectl(['get', 'events', '--field-selector', `involvedObject.uid=${uid}`, '-o', 'name']));
    assert.equal(byObj, 'event/volume-pod.1\nevent/volume-pod.2\n');
    const forPod = rows(ok(await c.kubectl(['events', '--for', 'pod/volume-pod'])));
    assert.ok(forPod.some((r) => r.includes('FailedMount')), forPod.join('\n'));
  });

  it('explain prints field documentation from the OpenAPI v3 schemas', async () => {
    const probe = ok(await c.kubectl(['explain', 'pod.spec.containers.livenessProbe']));
    assert.match(probe, /^KIND: +Pod$/m);
    assert.match(probe, /^VERSION: +v1$/m);
    assert.match(probe, /^FIELD: +livenessProbe <Probe>$/m);
    assert.match(probe, /^DESCRIPTION:$/m);
    for (const f of ['exec', 'failureThreshold', 'httpGet', 'initialDelaySeconds', 'periodSeconds', 'tcpSocket']) {
      assert.match(probe, new RegExp(`^  ${f}\\t<`, 'm'), f);
    }
    const strat = ok(await c.kubectl(['explain', 'deployment.spec.strategy']));
    assert.match(strat, /^GROUP: +apps$/m);
    assert.match(strat, /^KIND: +Deployment$/m);
    assert.match(strat, /^FIELD: +strategy <DeploymentStrategy>$/m);
    assert.match(strat, /^  rollingUpdate\t<RollingUpdateDeployment>$/m);
    assert.match(strat, /^  type\t<string>$/m);
    const rec = ok(await c.kubectl(['explain', 'pod.spec.containers.ports', '--recursive']));
    assert.match(rec, /containerPort\t<integer> -required-/);
    assert.match(fails(await c.kubectl(['explain', 'pod.spec.nope'])), /field "nope" does not exist/);
  });

  it('api-resources and api-versions list what discovery serves', async () => {
    const t = rows(ok(await c.kubectl(['api-resources'])));
    assert.deepEqual(t[0], ['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND']);
    const find = (name: string) => t.find((r) => r[0] === name);
    assert.deepEqual(find('pods'), ['pods', 'po', 'v1', 'true', 'Pod']);
    assert.deepEqual(find('deployments'), ['deployments', 'deploy', 'apps/v1', 'true', 'Deployment']);
    assert.deepEqual(find('replicasets'), ['replicasets', 'rs', 'apps/v1', 'true', 'ReplicaSet']);
    assert.deepEqual(find('namespaces'), ['namespaces', 'ns', 'v1', 'false', 'Namespace']);
    assert.deepEqual(find('configmaps'), ['configmaps', 'cm', 'v1', 'true', 'ConfigMap']);
    assert.deepEqual(find('events')?.slice(0, 3), ['events', 'ev', 'v1']);
    const names = ok(await c.kubectl(['api-resources', '--namespaced=false', '-o', 'name'])).split('\n');
    assert.ok(names.includes('namespaces') && names.includes('nodes') && !names.includes('pods'), names.join(' '));
    const wide = rows(ok(await c.kubectl(['api-resources', '-o', 'wide', '--api-group=apps'])));
    assert.deepEqual(wide[0], ['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND', 'VERBS', 'CATEGORIES']);
    assert.match(wide.find((r) => r[0] === 'deployments')!.join(' '), /create,delete,deletecollection,get,list,patch,update,watch\]? \[?all/);

    const versions = ok(await c.kubectl(['api-versions'])).trim().split('\n');
    for (const v of ['apps/v1', 'autoscaling/v1', 'batch/v1', 'v1']) assert.ok(versions.includes(v), `${v} in ${versions.join(' ')}`);
  });

  it('version reports a v1.32 server', async () => {
    const out = ok(await c.kubectl(['version']));
    assert.match(out, /^Client Version: v1\.32\./m);
    assert.match(out, /^Server Version: v1\.32\.\d+/m);
    const j = JSON.parse(ok(await c.kubectl(['version', '-o', 'json'])));
    assert.equal(j.serverVersion.major, '1');
    assert.equal(j.serverVersion.minor, '32');
    assert.match(j.serverVersion.gitVersion, /^v1\.32\.\d+/);
  });
});
