// "Restarts lose nothing" for the runtime (root, real containerd): containerd killed under
// running pods is restarted by kubelite's supervisor, and the pods keep running: same
// container, no restart, same IP; exec and logs work again through the restarted runtime.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { KubeObject } from '../../src/api/types.js';
import { RestClient } from '../../src/client/rest.js';
import { INSTALL_HINT, missingRuntimeTools, shimsOf } from '../../src/cri/containerd.js';
import { containerdPaths } from '../../src/cri/containerd-config.js';
import { cpuHierarchy, DEFAULT_RUNTIME_CGROUP, RUNTIME_CPU_SHARES, RUNTIME_CPU_WEIGHT } from '../../src/cri/runtimecgroup.js';
import { buildImages, BUSYBOX_IMAGE, DEFAULT_BUSYBOX } from '../../src/cri/images/build.js';
import { removePodCgroups } from '../../src/kubelet/cgroups.js';
import { startAgent, type RunningAgent } from '../../src/server/agent.js';
import { createLogger } from '../../src/util/logger.js';
import { KUBECTL_MISSING, kubectlPath, startTestCluster, type TestCluster } from '../helpers/cluster.js';

const BRIDGE = `klr${process.pid % 100000}`;
const CGROUP_ROOT = `kubelite-e2e-rs-${process.pid}`;
const NODE = `e2e-rs-${process.pid}`;
const POD_CIDR = `10.42.${20 + (process.pid % 40)}.0/24`;

let c: TestCluster;
let api: RestClient;
let agent: RunningAgent | undefined;

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** a process's cgroup in the hierarchy with the cpu controller */
function cpuCgroupOf(pid: number): string | undefined {
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').map((l) => l.split(':'));
  return (lines.find((f) => f.length >= 3 && f[1]!.split(',').includes('cpu')) ?? lines.find((f) => f[0] === '0' && f[1] === ''))?.slice(2).join(':');
}

type Status = { podIP: string; containerStatuses: { containerID: string; restartCount: number; ready: boolean; state: { running?: unknown } }[] };
const getPod = (name: string) => api.json<KubeObject>('GET', `/api/v1/namespaces/default/pods/${name}`);

describe('containerd restarted under running pods', { timeout: 300_000 }, () => {
  before(async () => {
    assert.equal(process.getuid?.(), 0, 'this e2e test must run as root');
    const missing = missingRuntimeTools();
    if (!existsSync(DEFAULT_BUSYBOX)) missing.push('/bin/busybox (package busybox-static)');
    if (missing.length) assert.fail(`missing: ${missing.join(', ')}; ${INSTALL_HINT}`);
    if (!kubectlPath()) assert.fail(KUBECTL_MISSING);
    c = await startTestCluster({ scheduler: true });
    buildImages(containerdPaths(c.dir).imagesDir);
    api = new RestClient({ server: c.url, token: c.adminToken, caPem: c.caPem });
    const log = createLogger({ level: process.env.KUBELITE_TEST_LOG ?? 'warn', name: 'agent' });
    agent = await startAgent({ server: c.url, token: c.adminToken, caPem: c.caPem, dataDir: c.dir, log, nodeName: NODE, imageArchives: [], bridge: BRIDGE, cgroupRoot: CGROUP_ROOT, podCIDR: POD_CIDR, kubeletPort: 0, resyncMs: 2000 });
  });

  after(async () => {
    if (agent) {
      await api.json('DELETE', '/api/v1/namespaces/default/pods', { gracePeriodSeconds: 0 }).catch(() => undefined);
      await until('no sandboxes left', async () => (await agent!.cri.listPodSandbox()).length === 0, 30_000).catch(() => undefined);
      for (const s of await agent.cri.listPodSandbox().catch(() => [])) {
        await agent.cri.stopPodSandbox(s.id).catch(() => undefined);
        await agent.cri.removePodSandbox(s.id).catch(() => undefined);
      }
      await agent.stop().catch(() => undefined);
    }
    if (c) {
      const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '');
      for (const m of mounts.filter((x) => x.startsWith(`${c.dir}/`)).sort().reverse()) {
        try {
          execFileSync('umount', ['-l', m], { stdio: 'ignore' });
        } catch {
          // rm reports it
        }
      }
    }
    removePodCgroups(`/${CGROUP_ROOT}`);
    try {
      execFileSync('ip', ['link', 'del', BRIDGE], { stdio: 'ignore' });
    } catch {
      // no bridge
    }
    api?.close();
    await c?.close();
  });

  it('keeps the pods running, unrestarted, and reachable by exec and logs', async () => {
    await api.json('POST', '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'steady' },
      spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: BUSYBOX_IMAGE, command: ['sh', '-c', 'echo started; exec sleep 3600'] }] },
    });
    const before = await until('the pod running', async () => {
      const p = await getPod('steady');
      const st = p.status as Status | undefined;
      return st?.containerStatuses?.[0]?.ready ? st : undefined;
    });

    const pid = agent!.runtime.pid();
    assert.ok(pid, 'kubelite started containerd itself');
    // containerd, and the pod's shim it spawned, share the CPU as one thread (runtimecgroup.ts)
    const h = cpuHierarchy(readFileSync('/proc/self/mountinfo', 'utf8'), readFileSync('/proc/self/cgroup', 'utf8'));
    assert.ok(h, 'this machine has a cpu cgroup controller');
    const runtimeCgroup = h.version === 1 ? `${h.own.replace(/\/$/, '')}/${DEFAULT_RUNTIME_CGROUP}` : `/${DEFAULT_RUNTIME_CGROUP}`;
    assert.equal(cpuCgroupOf(pid), runtimeCgroup, 'containerd runs in the runtime cgroup');
    const shims = shimsOf(containerdPaths(c.dir).socket);
    assert.ok(shims.length > 0, 'the pod has a shim');
    for (const shim of shims) assert.equal(cpuCgroupOf(shim), runtimeCgroup, `shim ${shim} runs in the runtime cgroup`);
    const weightFile = h.version === 1 ? ['cpu.shares', RUNTIME_CPU_SHARES] : ['cpu.weight', RUNTIME_CPU_WEIGHT];
    assert.equal(readFileSync(`${h.mount}${runtimeCgroup}/${weightFile[0]}`, 'utf8').trim(), String(weightFile[1]));
    const restarts = agent!.runtime.restarts();
    process.kill(pid, 'SIGKILL');
    await until('containerd restarted by the supervisor', async () => agent!.runtime.restarts() > restarts && agent!.runtime.pid() !== pid);
    await until('the CRI answering again', async () => (await agent!.cri.version()).runtimeName === 'containerd');
    assert.equal(cpuCgroupOf(agent!.runtime.pid()!), runtimeCgroup, 'the restarted containerd runs in the runtime cgroup too');

    // a few PLEG periods and a resync later nothing has been restarted or re-created
    await new Promise((r) => setTimeout(r, 5000));
    const afterRestart = (await getPod('steady')).status as Status;
    assert.equal(afterRestart.podIP, before.podIP, 'same pod IP');
    assert.equal(afterRestart.containerStatuses[0]!.containerID, before.containerStatuses[0]!.containerID, 'same container');
    assert.equal(afterRestart.containerStatuses[0]!.restartCount, 0, 'not restarted');
    assert.ok(afterRestart.containerStatuses[0]!.state.running, 'still running');

    const exec = await c.kubectl(['exec', 'steady', '--', 'echo', 'alive'], { timeoutMs: 60_000 });
    assert.equal(exec.code, 0, exec.stderr);
    assert.equal(exec.stdout.trim(), 'alive');
    const logs = await c.kubectl(['logs', 'steady'], { timeoutMs: 60_000 });
    assert.equal(logs.stdout.trim(), 'started');
  });
});
