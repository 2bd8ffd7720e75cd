// What a kubectl user sees of scheduling: nodes from kubelite sim, pods placed with
// `get -o wide`, and FailedScheduling / Scheduled events in `describe pod`.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, kubectlPath, KUBECTL_MISSING, type TestCluster } from '../helpers/cluster.js';
import { startSim, type RunningSim } from '../../src/sim/index.js';

const hasKubectl = kubectlPath() !== undefined;

async function until(f: () => Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('kubectl and the scheduler', { skip: hasKubectl ? false : KUBECTL_MISSING }, () => {
  let c: TestCluster;
  let sim: RunningSim;
  const ac = new AbortController();
  before(async () => {
    c = await startTestCluster({ scheduler: true });
    sim = await startSim({ rest: { server: c.url, token: c.adminToken, caPem: c.caPem }, nodes: 2, cpu: '1', memory: '2Gi', namePrefix: 'worker-' }, ac.signal);
  });
  after(async () => {
    ac.abort();
    await sim?.stop();
    await c?.close();
  });

  it('get nodes shows the simulated nodes Ready', async () => {
    const r = await c.kubectl(['get', 'nodes']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /worker-0\s+Ready/);
    assert.match(r.stdout, /worker-1\s+Ready/);
  });

  it('run places the pod; get -o wide shows node and IP; describe shows Scheduled', async () => {
    const run = await c.kubectl(['run', 'web', '--image=busybox', '--port=80']);
    assert.equal(run.code, 0, run.stderr);
    await until(async () => / Running /.test((await c.kubectl(['get', 'pod', 'web', '-o', 'wide'])).stdout), 'web Running');
    const wide = (await c.kubectl(['get', 'pod', 'web', '-o', 'wide'])).stdout;
    assert.match(wide, /web\s+1\/1\s+Running\s+0\s+\S+\s+10\.\d+\.\d+\.\d+\s+worker-[01]/);
    const d = await c.kubectl(['describe', 'pod', 'web']);
    assert.match(d.stdout, /Normal\s+Scheduled\s+.*default-scheduler\s+Successfully assigned default\/web to worker-[01]/);
  });

  it('describe explains an unschedulable pod', async () => {
    const big = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'too-big' }, spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '4' } } }] } };
    const r = await c.kubectl(['apply', '-f', '-'], { input: JSON.stringify(big) });
    assert.equal(r.code, 0, r.stderr);
    await until(async () => /FailedScheduling/.test((await c.kubectl(['describe', 'pod', 'too-big'])).stdout), 'FailedScheduling event');
    const d = (await c.kubectl(['describe', 'pod', 'too-big'])).stdout;
    assert.match(d, /Warning\s+FailedScheduling\s+.*default-scheduler\s+0\/2 nodes are available: 2 Insufficient cpu\./);
    assert.match(d, /PodScheduled\s+False/);
    const get = (await c.kubectl(['get', 'pod', 'too-big'])).stdout;
    assert.match(get, /too-big\s+0\/1\s+Pending/);
  });

  it('cordon keeps new pods off a node', async () => {
    assert.equal((await c.kubectl(['cordon', 'worker-0'])).code, 0);
    const nodes = (await c.kubectl(['get', 'nodes'])).stdout;
    assert.match(nodes, /worker-0\s+Ready,SchedulingDisabled/);
    for (let i = 0; i < 3; i++) assert.equal((await c.kubectl(['run', `c-${i}`, '--image=busybox'])).code, 0);
    await until(async () => ((await c.kubectl(['get', 'pods', '-o', 'wide'])).stdout.match(/c-\d .*worker-1/g) ?? []).length === 3, 'c-* on worker-1');
    assert.equal((await c.kubectl(['uncordon', 'worker-0'])).code, 0);
  });
});
