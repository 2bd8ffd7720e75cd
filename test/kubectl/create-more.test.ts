// kubectl create job / cronjob / serviceaccount (protobuf bodies) and kubectl auth can-i
// (a protobuf SelfSubjectAccessReview answered without storage).
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { kubectlSuite, ok, fails, getJson, isGone, rows, apiRequest, writeManifest } from './support.js';

const SSAR_PATH = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';

kubectlSuite('kubectl create job, cronjob, serviceaccount and auth can-i', () => {
  let c: TestCluster;
  before(async () => {
    c = await startTestCluster();
  });
  after(async () => c?.close());

  it('create job --image -- command', async () => {
    assert.equal(ok(await c.kubectl(['create', 'job', 'j1', '--image=busybox:1.36', '--', 'echo', 'hi'])), 'job.batch/j1 created\n');
    const j = await getJson(c, ['job', 'j1']);
    const ctr = j.spec.template.spec.containers[0];
    assert.equal(ctr.name, 'j1');
    assert.equal(ctr.image, 'busybox:1.36');
    assert.deepEqual(ctr.command, ['echo', 'hi']);
    assert.equal(j.spec.template.spec.restartPolicy, 'Never');
    assert.equal(j.spec.backoffLimit, 6, 'defaulted after decoding');
    assert.equal(j.spec.completions, 1);
    assert.equal(j.metadata.generation, 1);
    // selector generated from the uid, as upstream's Job strategy does; labels copied up by defaulting
    assert.deepEqual(j.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': j.metadata.uid } });
    assert.equal(j.spec.template.metadata.labels['batch.kubernetes.io/job-name'], 'j1');
    assert.equal(j.metadata.labels['controller-uid'], j.metadata.uid);
    const t = rows(ok(await c.kubectl(['get', 'jobs'])));
    assert.equal(t[0]![0], 'NAME');
    assert.equal(t[1]![0], 'j1');
    assert.equal(fails(await c.kubectl(['create', 'job', 'j1', '--image=busybox'])), 'error: failed to create job: jobs.batch "j1" already exists\n');
  });

  it('create cronjob --image --schedule', async () => {
    assert.equal(ok(await c.kubectl(['create', 'cronjob', 'c1', '--image=busybox:1.36', '--schedule=*/1 * * * *', '--', 'date'])), 'cronjob.batch/c1 created\n');
    const cj = await getJson(c, ['cronjob', 'c1']);
    assert.equal(cj.spec.schedule, '*/1 * * * *');
    assert.equal(cj.spec.concurrencyPolicy, 'Allow');
    assert.equal(cj.spec.successfulJobsHistoryLimit, 3);
    assert.equal(cj.spec.jobTemplate.metadata.name, 'c1');
    const pod = cj.spec.jobTemplate.spec.template.spec;
    assert.equal(pod.containers[0].image, 'busybox:1.36');
    assert.deepEqual(pod.containers[0].command, ['date']);
    assert.equal(pod.restartPolicy, 'OnFailure');
    const t = rows(ok(await c.kubectl(['get', 'cj', 'c1'])));
    assert.deepEqual(t[1]!.slice(0, 2), ['c1', '*/1 * * * *']);
    const dry = parseYaml(ok(await c.kubectl(['create', 'cronjob', 'dry', '--image=nginx', '--schedule=0 0 * * *', '--dry-run=server', '-o', 'yaml'])));
    assert.equal(dry.spec.schedule, '0 0 * * *');
    assert.ok(await isGone(c, ['cronjob', 'dry']));
  });

  it('create job --from=cronjob sends an owner reference in protobuf', async () => {
    assert.equal(ok(await c.kubectl(['create', 'job', 'manual-1', '--from=cronjob/c1'])), 'job.batch/manual-1 created\n');
    const j = await getJson(c, ['job', 'manual-1']);
    const cj = await getJson(c, ['cronjob', 'c1']);
    assert.equal(j.metadata.annotations?.['cronjob.kubernetes.io/instantiate'], 'manual');
    assert.deepEqual(
      j.metadata.ownerReferences.map((o: { kind: string; name: string; uid: string; controller: boolean }) => [o.kind, o.name, o.uid, o.controller]),
      [['CronJob', 'c1', cj.metadata.uid, true]],
    );
    assert.equal(j.spec.template.spec.containers[0].image, 'busybox:1.36');
  });

  it('create serviceaccount', async () => {
    assert.equal(ok(await c.kubectl(['create', 'serviceaccount', 'sa1'])), 'serviceaccount/sa1 created\n');
    assert.equal(ok(await c.kubectl(['create', 'namespace', 'team-b'])), 'namespace/team-b created\n');
    assert.equal(ok(await c.kubectl(['create', 'sa', 'builder', '-n', 'team-b'])), 'serviceaccount/builder created\n');
    const sa = await getJson(c, ['serviceaccount', 'builder', '-n', 'team-b']);
    assert.equal(sa.kind, 'ServiceAccount');
    assert.equal(sa.metadata.name, 'builder');
    assert.equal(sa.metadata.namespace, 'team-b');
    assert.ok(sa.metadata.uid);
    const t = rows(ok(await c.kubectl(['get', 'sa', 'sa1'])));
    assert.deepEqual(t[1]!.slice(0, 2), ['sa1', '0']);
    assert.equal(fails(await c.kubectl(['create', 'serviceaccount', 'sa1'])), 'error: failed to create serviceaccount: serviceaccounts "sa1" already exists\n');
  });

  it('auth can-i answers yes for the cluster admin', async () => {
    assert.equal(ok(await c.kubectl(['auth', 'can-i', 'create', 'pods'])), 'yes\n');
    assert.equal(ok(await c.kubectl(['auth', 'can-i', '*', '*'])), 'yes\n');
    assert.equal(ok(await c.kubectl(['auth', 'can-i', 'delete', 'deployments.apps', '-n', 'kube-system'])), 'yes\n');
    assert.equal(ok(await c.kubectl(['auth', 'can-i', 'get', '/healthz'])), 'yes\n');
    assert.equal(ok(await c.kubectl(['auth', 'can-i', 'list', 'secrets', '-A', '-q'])), '');
  });

  it('selfsubjectaccessreviews: discovery, JSON create, create-only', async () => {
    const names = ok(await c.kubectl(['api-resources', '--api-group=authorization.k8s.io', '-o', 'wide']));
    assert.match(names, /^selfsubjectaccessreviews\s+authorization\.k8s\.io\/v1\s+false\s+SelfSubjectAccessReview\s+\[?create\]?/m);
    const legacy = await apiRequest(c, 'GET', '/apis/authorization.k8s.io/v1');
    assert.equal(legacy.status, 200);
    assert.deepEqual(legacy.body.resources.map((r: { name: string; verbs: string[] }) => [r.name, r.verbs]), [['selfsubjectaccessreviews', ['create']]]);

    const file = writeManifest(
      c,
      'ssar.yaml',
      'apiVersion: authorization.k8s.io/v1\nkind: SelfSubjectAccessReview\nspec:\n  resourceAttributes:\n    verb: watch\n    resource: pods\n    namespace: default\n',
    );
    const out = JSON.parse(ok(await c.kubectl(['create', '-f', file, '-o', 'json'])));
    assert.equal(out.kind, 'SelfSubjectAccessReview');
    assert.deepEqual(out.spec, { resourceAttributes: { verb: 'watch', resource: 'pods', namespace: 'default' } });
    assert.equal(out.status.allowed, true);
    assert.equal(typeof out.status.reason, 'string');

    const list = await apiRequest(c, 'GET', SSAR_PATH);
    assert.equal(list.status, 405);
    const nsScoped = await apiRequest(c, 'POST', `/apis/authorization.k8s.io/v1/namespaces/default/selfsubjectaccessreviews`, { spec: {} });
    assert.equal(nsScoped.status, 404);
    const empty = await apiRequest(c, 'POST', SSAR_PATH, { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: {} });
    assert.equal(empty.status, 422, JSON.stringify(empty.body));
    assert.match(empty.body.message, /exactly one of nonResourceAttributes or resourceAttributes must be specified/);
    const wrongKind = await apiRequest(c, 'POST', SSAR_PATH, { apiVersion: 'authorization.k8s.io/v1', kind: 'Pod', spec: {} });
    assert.equal(wrongKind.status, 400);
  });
});
