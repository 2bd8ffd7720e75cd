// Changing live objects: label, annotate, edit (scripted EDITOR), replace, patch (json,
// merge, strategic) and scale.
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { kubectlSuite, ok, fails, getJson, rows, seedPath, writeScript } from './support.js';

kubectlSuite('kubectl label, annotate, edit, replace, patch, scale', () => {
  let c: TestCluster;
  before(async () => {
    c = await startTestCluster();
    for (const f of ['000-pod-tomcat.yaml', '004-volume-pod.yaml', '000-deployment-test.yaml', '004-cm-appvars.yaml']) ok(await c.kubectl(['apply', '-f', seedPath(f)]));
  });
  after(async () => c?.close());

  const labels = async (kindName: string[]) => (await getJson(c, kindName)).metadata.labels ?? {};

  it('label adds, refuses to overwrite without --overwrite, overwrites and removes', async () => {
    assert.equal(ok(await c.kubectl(['label', 'pod', 'pod-tomcat', 'tier=web'])), 'pod/pod-tomcat labeled\n');
    assert.equal(fails(await c.kubectl(['label', 'pod', 'pod-tomcat', 'tier=db'])), "error: 'tier' already has a value (web), and --overwrite is false\n");
    assert.equal((await labels(['pod', 'pod-tomcat'])).tier, 'web');
    assert.equal(ok(await c.kubectl(['label', 'pod', 'pod-tomcat', 'tier=db', '--overwrite'])), 'pod/pod-tomcat labeled\n');
    assert.equal((await labels(['pod', 'pod-tomcat'])).tier, 'db');
    assert.equal(ok(await c.kubectl(['label', 'pod', 'pod-tomcat', 'tier-'])), 'pod/pod-tomcat unlabeled\n');
    assert.deepEqual(await labels(['pod', 'pod-tomcat']), { app: 'tomcat', name: 'test' });
    assert.equal(ok(await c.kubectl(['label', 'pod', 'pod-tomcat', 'app=tomcat', '--overwrite'])), 'pod/pod-tomcat not labeled\n');
    // several objects by selector; a bad label value is rejected by the server
    assert.equal(ok(await c.kubectl(['label', 'pods', '--all', 'env=test'])), 'pod/pod-tomcat labeled\npod/volume-pod labeled\n');
    // kubectl checks label syntax itself
    const bad = fails(await c.kubectl(['label', 'pod', 'volume-pod', 'bad=-nope-']));
    assert.match(bad, /^error: invalid label value: "bad=-nope-": a valid label must be an empty string or consist of alphanumeric characters/);
    assert.equal((await labels(['pod', 'volume-pod'])).bad, undefined);
  });

  it('annotate adds and removes annotations', async () => {
    assert.equal(ok(await c.kubectl(['annotate', 'deployment', 'test', 'owner=team-a', 'kubernetes.io/change-cause=first'])), 'deployment.apps/test annotated\n');
    const a = (await getJson(c, ['deployment', 'test'])).metadata.annotations;
    assert.equal(a.owner, 'team-a');
    assert.equal(a['kubernetes.io/change-cause'], 'first');
    assert.equal(fails(await c.kubectl(['annotate', 'deployment', 'test', 'owner=team-b'])), "error: --overwrite is false but found the following declared annotation(s): 'owner' already has a value (team-a)\n");
    assert.equal(ok(await c.kubectl(['annotate', 'deployment', 'test', 'owner-'])), 'deployment.apps/test annotated\n');
    assert.equal((await getJson(c, ['deployment', 'test'])).metadata.annotations.owner, undefined);
    // as upstream, annotation changes bump a Deployment's generation (they are copied to its ReplicaSets)
    assert.equal((await getJson(c, ['deployment', 'test'])).metadata.generation, 3);
    ok(await c.kubectl(['label', 'deployment', 'test', 'labelled=yes']));
    assert.equal((await getJson(c, ['deployment', 'test'])).metadata.generation, 3, 'label changes keep the generation');
  });

  it('edit applies what a scripted EDITOR changed', async () => {
    const editor = writeScript(c, 'edit-ok.sh', `sed -i -e 's/^    app: tomcat$/    app: tomcat-edited/' -e 's#image: test/tomcat-8.5-jre8:v1#image: tomcat:9#' "$1"`);
    const r = await c.kubectl(['edit', 'pod', 'pod-tomcat'], { env: { EDITOR: editor, TMPDIR: c.dir } });
    assert.equal(ok(r), 'pod/pod-tomcat edited\n');
    const p = await getJson(c, ['pod', 'pod-tomcat']);
    assert.equal(p.metadata.labels.app, 'tomcat-edited');
    assert.equal(p.spec.containers[0].image, 'tomcat:9');

    const scale = writeScript(c, 'edit-replicas.sh', `sed -i 's/^  replicas: 2$/  replicas: 3/' "$1"`);
    assert.equal(ok(await c.kubectl(['edit', 'deployment', 'test'], { env: { EDITOR: scale, TMPDIR: c.dir } })), 'deployment.apps/test edited\n');
    assert.equal((await getJson(c, ['deployment', 'test'])).spec.replicas, 3);

    const nothing = await c.kubectl(['edit', 'configmap', 'cm-appvars'], { env: { EDITOR: writeScript(c, 'edit-none.sh', 'true'), TMPDIR: c.dir } });
    assert.equal(ok(nothing), '');
    assert.equal(nothing.stderr, 'Edit cancelled, no changes made.\n');
  });

  it('edit with an invalid value is cancelled and changes nothing', async () => {
    const before = await getJson(c, ['pod', 'pod-tomcat']);
    const editor = writeScript(c, 'edit-bad.sh', `sed -i -e 's#image: tomcat:9#image: ""#' -e 's/^    app: tomcat-edited$/    app: lost/' "$1"`);
    const r = await c.kubectl(['edit', 'pod', 'pod-tomcat'], { env: { EDITOR: editor, TMPDIR: c.dir } });
    const err = fails(r);
    assert.match(err, /^error: pods "pod-tomcat" is invalid$/m);
    assert.match(err, /^error: Edit cancelled, no valid changes were saved\.$/m);
    const copy = /A copy of your changes has been stored to "([^"]+)"/.exec(err)?.[1];
    assert.ok(copy?.startsWith(c.dir), err);
    // kubectl writes the server's causes into the header of the file it re-opened
    const header = readFileSync(copy!, 'utf8');
    assert.match(header, /^# pods "pod-tomcat" was not valid:\n# \* spec\.containers\[0\]\.image: Required value$/m);
    const after = await getJson(c, ['pod', 'pod-tomcat']);
    assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion);
    assert.equal(after.metadata.labels.app, 'tomcat-edited');

    // an unknown field is a strict decoding error
    const unknown = writeScript(c, 'edit-unknown.sh', `sed -i 's/^  replicas: 3$/  replicas: 3\\n  replicaz: 4/' "$1"`);
    const u = fails(await c.kubectl(['edit', 'deployment', 'test'], { env: { EDITOR: unknown, TMPDIR: c.dir } }));
    assert.match(u, /strict decoding error: unknown field "spec\.replicaz"/);
    assert.equal((await getJson(c, ['deployment', 'test'])).spec.replicaz, undefined);
  });

  it('replace -f swaps the object and refuses a stale resourceVersion', async () => {
    const cm = await getJson(c, ['configmap', 'cm-appvars']);
    const changed = { ...cm, data: { apploglevel: 'debug' } };
    assert.equal(ok(await c.kubectl(['replace', '-f', '-'], { input: JSON.stringify(changed) })), 'configmap/cm-appvars replaced\n');
    assert.deepEqual((await getJson(c, ['configmap', 'cm-appvars'])).data, { apploglevel: 'debug' });
    // same resourceVersion again: the object has moved on
    const stale = fails(await c.kubectl(['replace', '-f', '-'], { input: JSON.stringify({ ...cm, data: { x: '1' } }) }));
    assert.equal(
      stale,
      'Error from server (Conflict): error when replacing "STDIN": Operation cannot be fulfilled on configmaps "cm-appvars": the object has been modified; please apply your changes to the latest version and try again\n',
    );
    // a file without resourceVersion replaces the current version
    assert.equal(ok(await c.kubectl(['replace', '-f', seedPath('004-cm-appvars.yaml')])), 'configmap/cm-appvars replaced\n');
    assert.deepEqual((await getJson(c, ['configmap', 'cm-appvars'])).data, { apploglevel: 'info', appdatadir: '/var/data' });
    assert.match(fails(await c.kubectl(['replace', '-f', '-'], { input: JSON.stringify({ ...changed, metadata: { name: 'absent' } }) })), /^Error from server \(NotFound\): error when replacing "STDIN": configmaps "absent" not found$/m);
  });

  it('replace with the same spec (re-encoded, or missing defaulted fields) keeps the generation', async () => {
    // (no last-applied annotation: kubectl replace would rewrite it, and annotation changes bump a Deployment)
    ok(await c.kubectl(['create', 'deployment', 'plain', '--image=nginx', '--replicas=2']));
    const d = await getJson(c, ['deployment', 'plain']);
    const gen = d.metadata.generation;
    assert.equal(ok(await c.kubectl(['replace', '-f', '-'], { input: JSON.stringify(d) })), 'deployment.apps/plain replaced\n');
    assert.equal((await getJson(c, ['deployment', 'plain'])).metadata.generation, gen, 'kubectl re-encodes with sorted keys: no spec change');
    const bare = await getJson(c, ['deployment', 'plain']);
    delete bare.spec.progressDeadlineSeconds;
    delete bare.spec.revisionHistoryLimit;
    delete bare.spec.strategy;
    delete bare.spec.template.spec.dnsPolicy;
    ok(await c.kubectl(['replace', '-f', '-'], { input: JSON.stringify(bare) }));
    const after = await getJson(c, ['deployment', 'plain']);
    assert.equal(after.metadata.generation, gen, 'defaults fill the same values back');
    assert.equal(after.spec.progressDeadlineSeconds, 600);
    assert.equal(after.spec.strategy.type, 'RollingUpdate');
    const changed = { ...after, spec: { ...after.spec, minReadySeconds: 5 } };
    ok(await c.kubectl(['replace', '-f', '-'], { input: JSON.stringify(changed) }));
    assert.equal((await getJson(c, ['deployment', 'plain'])).metadata.generation, gen + 1);
  });

  it('patch --type=json, --type=merge and strategic (default)', async () => {
    const pj = await c.kubectl(['patch', 'pod', 'volume-pod', '--type=json', '-p', '[{"op":"add","path":"/metadata/labels/j","value":"1"},{"op":"replace","path":"/spec/containers/1/image","value":"busybox:1.36"}]']);
    assert.equal(ok(pj), 'pod/volume-pod patched\n');
    let p = await getJson(c, ['pod', 'volume-pod']);
    assert.equal(p.metadata.labels.j, '1');
    assert.equal(p.spec.containers[1].image, 'busybox:1.36');
    const failed = fails(await c.kubectl(['patch', 'pod', 'volume-pod', '--type=json', '-p', '[{"op":"test","path":"/metadata/labels/j","value":"2"}]']));
    assert.equal(failed, 'The request is invalid: the server rejected our request due to an error in our request\n');

    assert.equal(ok(await c.kubectl(['patch', 'pod', 'volume-pod', '--type=merge', '-p', '{"metadata":{"labels":{"m":"1","j":null}}}'])), 'pod/volume-pod patched\n');
    p = await getJson(c, ['pod', 'volume-pod']);
    assert.equal(p.metadata.labels.m, '1');
    assert.equal(p.metadata.labels.j, undefined);

    // strategic merge: containers merge by name, the other container stays
    assert.equal(ok(await c.kubectl(['patch', 'pod', 'volume-pod', '-p', '{"spec":{"containers":[{"name":"tomcat","image":"tomcat:10"}]}}'])), 'pod/volume-pod patched\n');
    p = await getJson(c, ['pod', 'volume-pod']);
    assert.deepEqual(
      p.spec.containers.map((x: { name: string; image: string }) => `${x.name}=${x.image}`),
      ['tomcat=tomcat:10', 'busybox=busybox:1.36'],
    );
    assert.equal(p.spec.containers[0].volumeMounts[0].mountPath, '/usr/local/tomcat/logs');
    assert.equal(ok(await c.kubectl(['patch', 'pod', 'volume-pod', '--type=strategic', '-p', '{"spec":{"containers":[{"name":"tomcat","image":"tomcat:10"}]}}'])), 'pod/volume-pod patched (no change)\n');
    // a merge patch replaces the whole list: a pod may not lose a container
    const merge = fails(await c.kubectl(['patch', 'pod', 'volume-pod', '--type=merge', '-p', '{"spec":{"containers":[{"name":"tomcat","image":"tomcat:11"}]}}']));
    assert.equal(merge, 'The Pod "volume-pod" is invalid: spec.containers: Forbidden: pod updates may not add or remove containers\n');
    // strategic list directives on a deployment
    ok(await c.kubectl(['patch', 'deployment', 'test', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"side","image":"busybox"}]}}}}']));
    let d = await getJson(c, ['deployment', 'test']);
    assert.deepEqual(
      d.spec.template.spec.containers.map((x: { name: string }) => x.name),
      ['side', 'test'],
    );
    ok(await c.kubectl(['patch', 'deployment', 'test', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"side","$patch":"delete"}]}}}}']));
    d = await getJson(c, ['deployment', 'test']);
    assert.deepEqual(
      d.spec.template.spec.containers.map((x: { name: string }) => x.name),
      ['test'],
    );
    assert.match(fails(await c.kubectl(['patch', 'pod', 'nope', '-p', '{}'])), /^Error from server \(NotFound\): pods "nope" not found$/m);
  });

  it('scale deploy test --replicas=5', async () => {
    const gen = (await getJson(c, ['deployment', 'test'])).metadata.generation;
    assert.equal(ok(await c.kubectl(['scale', 'deploy', 'test', '--replicas=5'])), 'deployment.apps/test scaled\n');
    const t = rows(ok(await c.kubectl(['get', 'deploy', 'test'])));
    assert.deepEqual(t[1]!.slice(0, 4), ['test', '0/5', '0', '0']);
    const d = await getJson(c, ['deployment', 'test']);
    assert.equal(d.spec.replicas, 5);
    assert.equal(d.metadata.generation, gen + 1);
    assert.equal(fails(await c.kubectl(['scale', 'deploy', 'test', '--current-replicas=2', '--replicas=3'])), 'error: Expected replicas to be 2, was 5\n');
    assert.equal(ok(await c.kubectl(['scale', 'deploy/test', '--current-replicas=5', '--replicas=1'])), 'deployment.apps/test scaled\n');
    assert.equal((await getJson(c, ['deployment', 'test'])).spec.replicas, 1);
    assert.match(fails(await c.kubectl(['scale', 'deploy', 'test', '--replicas=-1'])), /The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0/);
  });
});
