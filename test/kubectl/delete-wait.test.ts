// kubectl delete (by name, -f, -l, force, dry run), graceful deletion of bound pods,
// namespace deletion, and kubectl wait --for=delete.
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { kubectlSuite, ok, fails, getJson, isGone, bindPod, podYaml, rows, seedPath, spawnKubectl } from './support.js';

/** The -v=6 log line of the informer watch kubectl wait / delete open. */
const WATCH_STARTED = /GET https:\S+\?allowWatchBookmarks=true&fieldSelector=metadata\.name%3D\S+&watch=true 200 OK/;

const FORCE_WARNING = 'Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.\n';

kubectlSuite('kubectl delete and wait', () => {
  let c: TestCluster;
  const pod = async (name: string, labels: Record<string, string> = {}) => ok(await c.kubectl(['apply', '-f', '-'], { input: podYaml(name, { labels }) }));
  before(async () => {
    c = await startTestCluster();
  });
  after(async () => c?.close());

  it('deletes a pod by name', async () => {
    await pod('del-1');
    const r = await c.kubectl(['delete', 'pods', 'del-1']);
    assert.equal(ok(r), 'pod "del-1" deleted\n');
    assert.equal(r.stderr, '');
    assert.ok(await isGone(c, ['pod', 'del-1']));
    assert.equal(fails(await c.kubectl(['delete', 'pod', 'del-1'])), 'Error from server (NotFound): pods "del-1" not found\n');
    assert.equal(ok(await c.kubectl(['delete', 'pod', 'del-1', '--ignore-not-found'])), '');
  });

  it('deletes what a file describes', async () => {
    for (const f of ['004-cm-appvars.yaml', '000-deployment-test.yaml', '003-lumpy-koala.yaml']) ok(await c.kubectl(['apply', '-f', seedPath(f)]));
    assert.equal(ok(await c.kubectl(['delete', '-f', seedPath('004-cm-appvars.yaml')])), 'configmap "cm-appvars" deleted\n');
    assert.equal(ok(await c.kubectl(['delete', '-f', seedPath('000-deployment-test.yaml')])), 'deployment.apps "test" deleted\n');
    assert.equal(ok(await c.kubectl(['delete', '-f', seedPath('003-lumpy-koala.yaml')])), 'pod "lumpy-koala" deleted\n');
    assert.ok(await isGone(c, ['configmap', 'cm-appvars']));
    assert.ok(await isGone(c, ['deployment', 'test']));
    assert.ok(await isGone(c, ['pod', 'lumpy-koala']));
    assert.match(fails(await c.kubectl(['delete', '-f', seedPath('004-cm-appvars.yaml')])), /^Error from server \(NotFound\): error when deleting ".*004-cm-appvars\.yaml": configmaps "cm-appvars" not found$/m);
  });

  it('deletes by label selector', async () => {
    await pod('sel-1', { app: 'sel' });
    await pod('sel-2', { app: 'sel' });
    await pod('keep', { app: 'keep' });
    assert.equal(ok(await c.kubectl(['delete', 'pods', '-l', 'app=sel'])), 'pod "sel-1" deleted\npod "sel-2" deleted\n');
    assert.equal(ok(await c.kubectl(['get', 'pods', '-o', 'name'])), 'pod/keep\n');
    assert.equal(ok(await c.kubectl(['delete', 'pods', '-l', 'app=sel'])), 'No resources found\n');
  });

  it('force-deletes with --grace-period=0 --force', async () => {
    await pod('forced');
    const r = await c.kubectl(['delete', 'pod', 'forced', '--grace-period=0', '--force']);
    assert.equal(ok(r), 'pod "forced" force deleted\n');
    assert.equal(r.stderr, FORCE_WARNING);
    assert.ok(await isGone(c, ['pod', 'forced']));
  });

  it('leaves objects alone on --dry-run=server', async () => {
    await pod('dry');
    assert.equal(ok(await c.kubectl(['delete', 'pod', 'dry', '--dry-run=server'])), 'pod "dry" deleted (server dry run)\n');
    assert.equal((await getJson(c, ['pod', 'dry'])).metadata.deletionTimestamp, undefined);
    ok(await c.kubectl(['delete', 'pod', 'dry']));
  });

  it('keeps a pod bound to a node Terminating until a forced delete', async () => {
    await pod('bound');
    await bindPod(c, 'default', 'bound', 'node-a');
    assert.equal(ok(await c.kubectl(['delete', 'pod', 'bound', '--wait=false'])), 'pod "bound" deleted\n');
    const p = await getJson(c, ['pod', 'bound']);
    assert.ok(p.metadata.deletionTimestamp, 'deletionTimestamp set');
    assert.equal(p.metadata.deletionGracePeriodSeconds, 30);
    const t = rows(ok(await c.kubectl(['get', 'pod', 'bound'])));
    assert.deepEqual(t[1]!.slice(0, 3), ['bound', '0/1', 'Terminating']);
    assert.deepEqual(rows(ok(await c.kubectl(['get', 'pod', 'bound', '-o', 'wide'])))[1]!.slice(5, 7), ['<none>', 'node-a']);

    // kubectl delete waits for the pod to disappear: with no node agent it does not
    const waited = await c.kubectl(['delete', 'pod', 'bound', '--timeout=1s']);
    assert.equal(waited.stdout, 'pod "bound" deleted\n');
    // (client-go may log a "very short watch" warning first when its deadline cuts the watch)
    assert.match(fails(waited), /^error: timed out waiting for the condition on pods\/bound\n$/m);
    assert.deepEqual(rows(ok(await c.kubectl(['get', 'pod', 'bound'])))[1]!.slice(0, 3), ['bound', '0/1', 'Terminating']);

    // a watcher waiting for the deletion is released by the forced delete
    const w = spawnKubectl(c, ['wait', '--for=delete', 'pod/bound', '--timeout=20s', '-v=6']);
    try {
      await w.waitForStderr(WATCH_STARTED);
      assert.equal(w.proc.exitCode, null, `wait returned early: ${w.stdout}${w.stderr}`);
      const r = await c.kubectl(['delete', 'pod', 'bound', '--grace-period=0', '--force']);
      assert.equal(ok(r), 'pod "bound" force deleted\n');
      assert.equal(await w.exited, 0, w.stderr);
      assert.equal(w.stdout, 'pod/bound condition met\n');
    } finally {
      await w.kill();
    }
    assert.ok(await isGone(c, ['pod', 'bound']));
  });

  it('wait --for=delete returns once another command deletes the pod', async () => {
    await pod('waited');
    const started = Date.now();
    const w = spawnKubectl(c, ['wait', '--for=delete', 'pod/waited', '--timeout=20s', '-v=6']);
    try {
      // let kubectl reach its watch, then delete from another command
      await w.waitForStderr(WATCH_STARTED);
      ok(await c.kubectl(['delete', 'pod', 'waited', '--wait=false']));
      assert.equal(await w.exited, 0, w.stderr);
      assert.equal(w.stdout, 'pod/waited condition met\n');
      assert.ok(Date.now() - started < 10_000);
    } finally {
      await w.kill();
    }
    // an object already gone is a success at once
    const r = await c.kubectl(['wait', '--for=delete', 'pod/waited', '--timeout=5s']);
    assert.equal(r.code, 0, r.stderr);
  });

  it('wait --for=condition times out on a Pending pod', async () => {
    await pod('pending');
    const r = await c.kubectl(['wait', '--for=condition=Ready', 'pod/pending', '--timeout=1s']);
    assert.match(fails(r), /^error: timed out waiting for the condition on pods\/pending\n$/m);
    const jp = await c.kubectl(['wait', '--for=jsonpath={.status.phase}=Pending', 'pod/pending', '--timeout=5s']);
    assert.equal(ok(jp), 'pod/pending condition met\n');
  });

  it('deletes a namespace with its contents', async () => {
    ok(await c.kubectl(['create', 'namespace', 'doomed']));
    ok(await c.kubectl(['apply', '-n', 'doomed', '-f', seedPath('004-cm-appvars.yaml')]));
    ok(await c.kubectl(['apply', '-n', 'doomed', '-f', '-'], { input: podYaml('inside') }));
    const r = await c.kubectl(['delete', 'namespace', 'doomed', '--timeout=20s']);
    assert.equal(ok(r), 'namespace "doomed" deleted\n');
    assert.ok(await isGone(c, ['namespace', 'doomed']));
    assert.equal(ok(await c.kubectl(['get', 'pods,configmaps', '-n', 'doomed', '-o', 'name'])), '');
  });
});
