// The seeds' Deployment through the real kubectl with the controllers and simulated nodes:
// apply, get deploy,rs -l, a deleted pod coming back under a new name, rollout status,
// set image, rollout history and undo, scale, and delete --cascade=foreground.
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { startSim, type RunningSim } from '../../src/sim/index.js';
import { getJson, kubectlSuite, ok, poll, seedPath } from './support.js';

interface Item {
  metadata: { name: string; deletionTimestamp?: string; annotations?: Record<string, string> };
  spec: { containers: { image: string }[] };
  status?: { phase?: string };
}

kubectlSuite('kubectl with the controllers', () => {
  let c: TestCluster;
  let sim: RunningSim;
  const ac = new AbortController();
  const livePods = async (sel: string) => (await getJson<{ items: Item[] }>(c, ['pods', '-l', sel])).items.filter((p) => !p.metadata.deletionTimestamp);

  before(async () => {
    c = await startTestCluster({ scheduler: true, controllers: true });
    sim = await startSim({ rest: { server: c.url, token: c.adminToken, caPem: c.caPem }, nodes: 2, namePrefix: 'worker-' }, ac.signal);
  });
  after(async () => {
    ac.abort();
    await sim?.stop();
    await c?.close();
  });

  it('applies the seed Deployment: get deploy,rs -l app=test shows 2/2 ready', async () => {
    assert.match(ok(await c.kubectl(['apply', '-f', seedPath('000-deployment-test.yaml')])), /deployment.apps\/test created/);
    const out = await poll('deploy and rs ready', async () => {
      const r = ok(await c.kubectl(['get', 'deploy,rs', '-l', 'app=test']));
      return /deployment\.apps\/test\s+2\/2\s+2\s+2\s/.test(r) && /replicaset\.apps\/test-[a-z0-9]+\s+2\s+2\s+2\s/.test(r) ? r : '';
    }, 20_000);
    assert.match(out, /NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE/);
    assert.match(out, /NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE/);
    assert.match(ok(await c.kubectl(['rollout', 'status', 'deploy/test', '--timeout=20s'], { timeoutMs: 25_000 })), /deployment "test" successfully rolled out/);
  });

  it('a deleted pod is replaced by one with a new name', async () => {
    const before = await livePods('app=test');
    assert.equal(before.length, 2);
    const victim = before[0]!.metadata.name;
    assert.match(ok(await c.kubectl(['delete', 'pod', victim])), new RegExp(`pod "${victim}" deleted`));
    const after = await poll('replacement running', async () => {
      const p = await livePods('app=test');
      return p.length === 2 && p.every((x) => x.status?.phase === 'Running') && !p.some((x) => x.metadata.name === victim) ? p : undefined;
    }, 20_000);
    assert.equal(after.filter((p) => !before.some((b) => b.metadata.name === p.metadata.name)).length, 1);
  });

  it('set image rolls out; rollout history lists both revisions; undo goes back', async () => {
    ok(await c.kubectl(['annotate', 'deploy/test', 'kubernetes.io/change-cause=first']));
    ok(await c.kubectl(['set', 'image', 'deploy/test', 'test=nginx:1.27']));
    ok(await c.kubectl(['annotate', 'deploy/test', 'kubernetes.io/change-cause=upgrade to 1.27', '--overwrite']));
    assert.match(ok(await c.kubectl(['rollout', 'status', 'deploy/test', '--timeout=30s'], { timeoutMs: 35_000 })), /successfully rolled out/);
    await poll('only new pods', async () => (await livePods('app=test')).every((p) => p.spec.containers[0]!.image === 'nginx:1.27'), 20_000);
    const hist = ok(await c.kubectl(['rollout', 'history', 'deploy/test']));
    assert.match(hist, /REVISION\s+CHANGE-CAUSE/);
    assert.match(hist, /\n1\s+/);
    assert.match(hist, /\n2\s+upgrade to 1\.27/);
    assert.match(ok(await c.kubectl(['rollout', 'history', 'deploy/test', '--revision=2'])), /Image:\s+nginx:1\.27/);
    assert.match(ok(await c.kubectl(['rollout', 'undo', 'deploy/test'])), /deployment.apps\/test rolled back/);
    assert.match(ok(await c.kubectl(['rollout', 'status', 'deploy/test', '--timeout=30s'], { timeoutMs: 35_000 })), /successfully rolled out/);
    await poll('old image back', async () => (await livePods('app=test')).every((p) => p.spec.containers[0]!.image === 'nginx'), 20_000);
    const after = ok(await c.kubectl(['rollout', 'history', 'deploy/test']));
    assert.match(after, /\n2\s+/);
    assert.match(after, /\n3\s+/);
    assert.doesNotMatch(after, /\n1\s+/, 'revision 1 became revision 3');
  });

  it('rollout restart, pause and resume', async () => {
    assert.match(ok(await c.kubectl(['rollout', 'restart', 'deploy/test'])), /restarted/);
    assert.match(ok(await c.kubectl(['rollout', 'status', 'deploy/test', '--timeout=30s'], { timeoutMs: 35_000 })), /successfully rolled out/);
    assert.match(ok(await c.kubectl(['rollout', 'pause', 'deploy/test'])), /paused/);
    assert.match(ok(await c.kubectl(['rollout', 'resume', 'deploy/test'])), /resumed/);
  });

  it('scale deploy test --replicas=4', async () => {
    assert.match(ok(await c.kubectl(['scale', 'deploy', 'test', '--replicas=4'])), /deployment.apps\/test scaled/);
    await poll('4/4', async () => /test\s+4\/4\s+4\s+4/.test(ok(await c.kubectl(['get', 'deploy', 'test']))), 20_000);
    assert.equal((await livePods('app=test')).length, 4);
  });

  it('delete --cascade=foreground waits for the pods', async () => {
    assert.match(ok(await c.kubectl(['delete', 'deploy', 'test', '--cascade=foreground', '--timeout=30s'], { timeoutMs: 35_000 })), /deployment.apps "test" deleted/);
    await poll('everything gone', async () => {
      const r = ok(await c.kubectl(['get', 'deploy,rs,pods', '-l', 'app=test', '-o', 'name']));
      return r.trim() === '';
    }, 20_000);
  });
});
