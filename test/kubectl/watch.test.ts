// kubectl get -w: a long-running kubectl child sees changes made by other commands.
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { kubectlSuite, ok, podYaml, rows, spawnKubectl, seedPath } from './support.js';

/** The -v=6 log line of kubectl's watch request. */
const WATCHING = /GET https:\S+[?&]watch=true 200 OK/;

kubectlSuite('kubectl get -w', () => {
  let c: TestCluster;
  before(async () => {
    c = await startTestCluster();
    ok(await c.kubectl(['apply', '-f', '-'], { input: [podYaml('w-1', { labels: { app: 'w' } }), podYaml('w-2', { labels: { app: 'w' } })].join('---\n') }));
  });
  after(async () => c?.close());

  it('get pods -w prints the list, then a line per change', async () => {
    const w = spawnKubectl(c, ['get', 'pods', '-w', '-v=6']);
    try {
      await w.waitFor(/^w-2 .*\n/m);
      await w.waitForStderr(WATCHING);
      const initial = rows(w.stdout);
      assert.deepEqual(initial[0], ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
      assert.deepEqual(
        initial.slice(1).map((r) => r[0]),
        ['w-1', 'w-2'],
      );
      ok(await c.kubectl(['apply', '-f', '-'], { input: podYaml('w-3', { image: 'nginx' }) }));
      await w.waitFor(/^w-3 +0\/1 +Pending +0 +\d+s\n/m);
      ok(await c.kubectl(['label', 'pod', 'w-1', 'seen=yes']));
      await w.waitFor(/^w-1 .*\n(.*\n)*w-3 .*\n(.*\n)*w-1 +0\/1 +Pending/m);
      ok(await c.kubectl(['delete', 'pod', 'w-3']));
      // an unbound pod goes at once: its DELETED event prints one more line
      await w.waitFor(/^w-1 +0\/1 +Pending .*\nw-3 .*\n/m);
      assert.equal(rows(w.stdout).filter((r) => r[0] === 'NAME').length, 1, 'one header');
      assert.doesNotMatch(w.stderr, /^(E\d{4}|error)/m);
    } finally {
      await w.kill();
    }
  });

  it('get pod NAME -w prints the pod once, then only its changes', async () => {
    const w = spawnKubectl(c, ['get', 'pod', 'w-2', '-w', '-v=6']);
    try {
      await w.waitFor(/^w-2 .*\n/m);
      // a change between kubectl's GET and its watch would be folded into the swallowed first event
      await w.waitForStderr(WATCHING);
      ok(await c.kubectl(['label', 'pod', 'w-1', 'other=change']));
      ok(await c.kubectl(['annotate', 'pod', 'w-2', 'note=hello']));
      await w.waitFor(/^w-2 .*\nw-2 .*\n/m);
      const r = rows(w.stdout);
      assert.deepEqual(
        r.map((x) => x[0]),
        ['NAME', 'w-2', 'w-2'],
        `the synthetic ADDED of the watch is not printed twice, other pods never appear:\n${w.stdout}`,
      );
    } finally {
      await w.kill();
    }
  });

  it('--output-watch-events names the event types', async () => {
    const w = spawnKubectl(c, ['get', 'pods', '-l', 'app=w', '-w', '--output-watch-events', '-v=6']);
    try {
      await w.waitFor(/^ADDED +w-2 /m);
      await w.waitForStderr(WATCHING);
      assert.deepEqual(rows(w.stdout)[0], ['EVENT', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
      ok(await c.kubectl(['apply', '-f', '-'], { input: podYaml('w-4', { labels: { app: 'w' } }) }));
      await w.waitFor(/^ADDED +w-4 /m);
      ok(await c.kubectl(['label', 'pod', 'w-4', 'x=1']));
      await w.waitFor(/^MODIFIED +w-4 /m);
      // leaving the selector is a DELETED for this watch
      ok(await c.kubectl(['label', 'pod', 'w-4', 'app=gone', '--overwrite']));
      await w.waitFor(/^DELETED +w-4 /m);
      ok(await c.kubectl(['delete', 'pod', 'w-4']));
      ok(await c.kubectl(['label', 'pod', 'w-1', 'after=1']));
      await w.waitFor(/^MODIFIED +w-1 /m);
      assert.equal(w.stdout.match(/ w-4 /g)?.length, 3, w.stdout);
    } finally {
      await w.kill();
    }
  });

  it('get deploy -w shows a scale', async () => {
    ok(await c.kubectl(['apply', '-f', seedPath('000-deployment-test.yaml')]));
    const w = spawnKubectl(c, ['get', 'deploy', 'test', '-w', '-v=6']);
    try {
      await w.waitFor(/^test +0\/2 /m);
      await w.waitForStderr(WATCHING);
      ok(await c.kubectl(['scale', 'deploy', 'test', '--replicas=4']));
      await w.waitFor(/^test +0\/4 /m);
    } finally {
      await w.kill();
    }
  });
});
