// A StatefulSet with a volumeClaimTemplate against real containerd (run as root, under
// flock /tmp/kubelite-e2e.lock): the claim is provisioned by local-path on this node, the pod
// writes to it, and after the pod is deleted the controller brings it back under the same name
// with the same data.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../../src/api/types.js';
import { RestClient } from '../../src/client/rest.js';
import { missingRuntimeTools, INSTALL_HINT } from '../../src/cri/containerd.js';
import { buildImages, BUSYBOX_IMAGE, DEFAULT_BUSYBOX } from '../../src/cri/images/build.js';
import { containerdPaths } from '../../src/cri/containerd-config.js';
import { removePodCgroups } from '../../src/kubelet/cgroups.js';
import { startAgent, type RunningAgent } from '../../src/server/agent.js';
import { createLogger } from '../../src/util/logger.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';

const BRIDGE = `kls${process.pid % 100000}`;
const CGROUP_ROOT = `kubelite-e2e-sts-${process.pid}`;
const NODE = `e2e-sts-${process.pid}`;
const POD_CIDR = `10.42.${100 + ((process.pid + 7) % 150)}.0/24`;
const NS = 'default';

let c: TestCluster;
let client: RestClient;
let agent: RunningAgent | undefined;

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const getPod = (name: string) => client.json<KubeObject>('GET', `/api/v1/namespaces/${NS}/pods/${name}`);
const running = (p: KubeObject) => p.status?.phase === 'Running' && (p.status?.containerStatuses ?? []).every((s: { state?: { running?: unknown } }) => s.state?.running);

describe('StatefulSet with local-path storage (real containerd)', { timeout: 240_000 }, () => {
  before(async () => {
    assert.equal(process.getuid?.(), 0, 'the StatefulSet e2e test must run as root');
    const missing = missingRuntimeTools();
    if (!existsSync(DEFAULT_BUSYBOX)) missing.push('/bin/busybox (package busybox-static)');
    if (missing.length) assert.fail(`missing: ${missing.join(', ')}; ${INSTALL_HINT}`);
    c = await startTestCluster({ scheduler: true, controllers: true });
    buildImages(containerdPaths(c.dir).imagesDir);
    client = new RestClient({ server: c.url, token: c.adminToken, caPem: c.caPem });
    const log = createLogger({ level: process.env.KUBELITE_TEST_LOG ?? 'warn', name: 'agent' });
    agent = await startAgent({ server: c.url, token: c.adminToken, caPem: c.caPem, dataDir: c.dir, log, nodeName: NODE, imageArchives: [], bridge: BRIDGE, cgroupRoot: CGROUP_ROOT, podCIDR: POD_CIDR, resyncMs: 2000 });
  });

  after(async () => {
    if (agent) {
      await client.json('DELETE', `/apis/apps/v1/namespaces/${NS}/statefulsets/data`, { propagationPolicy: 'Orphan' }).catch(() => undefined);
      await client.json('DELETE', `/api/v1/namespaces/${NS}/pods`, { gracePeriodSeconds: 0 }).catch(() => undefined);
      await until('no sandboxes left', async () => ((await agent!.cri.listPodSandbox()).length === 0 ? true : undefined), 30_000).catch(() => undefined);
      for (const s of await agent.cri.listPodSandbox().catch(() => [])) {
        await agent.cri.stopPodSandbox(s.id).catch(() => undefined);
        await agent.cri.removePodSandbox(s.id).catch(() => undefined);
      }
      await agent.stop().catch(() => undefined);
    }
    const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '');
    for (const m of mounts.filter((x) => c && x.startsWith(`${c.dir}/`)).sort().reverse()) {
      try {
        execFileSync('umount', [m], { stdio: 'ignore' });
      } catch {
        // busy: rm reports it
      }
    }
    removePodCgroups(`/${CGROUP_ROOT}`);
    try {
      execFileSync('ip', ['link', 'del', BRIDGE], { stdio: 'ignore' });
    } catch {
      // no bridge
    }
    client?.close();
    await c?.close();
  });

  it('keeps a pod\'s data across its deletion and re-creation', async () => {
    const labels = { app: 'data' };
    // each start appends a line; the first start also writes who made the volume
    const script = 'trap "exit 0" TERM; [ -f /data/first ] || hostname > /data/first; echo boot >> /data/boots; sleep 3600 & wait';
    await client.json('POST', `/apis/apps/v1/namespaces/${NS}/statefulsets`, {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'data' },
      spec: {
        replicas: 1,
        serviceName: 'data',
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { terminationGracePeriodSeconds: 5, containers: [{ name: 'main', image: BUSYBOX_IMAGE, command: ['sh', '-c', script], volumeMounts: [{ name: 'store', mountPath: '/data' }] }] } },
        volumeClaimTemplates: [{ metadata: { name: 'store' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '64Mi' } } } }],
      },
    });
    const first = await until('data-0 Running', async () => {
      const p = await getPod('data-0');
      return running(p) ? p : undefined;
    });
    assert.equal(first.spec.nodeName, NODE);
    const claim = await client.json<KubeObject>('GET', `/api/v1/namespaces/${NS}/persistentvolumeclaims/store-data-0`);
    assert.equal(claim.status.phase, 'Bound');
    const pv = await client.json<KubeObject>('GET', `/api/v1/persistentvolumes/${claim.spec.volumeName}`);
    const dir = pv.spec.hostPath.path as string;
    assert.equal(dir, join(c.dir, 'storage', `pvc-${claim.metadata.uid}_${NS}_store-data-0`));
    await until('the first boot on disk', async () => (existsSync(join(dir, 'boots')) && readFileSync(join(dir, 'boots'), 'utf8') === 'boot\n' ? true : undefined), 30_000);
    assert.equal(readFileSync(join(dir, 'first'), 'utf8'), 'data-0\n');

    await client.json('DELETE', `/api/v1/namespaces/${NS}/pods/data-0`);
    const second = await until('data-0 back with a new uid', async () => {
      const p = await getPod('data-0');
      return p.metadata.uid !== first.metadata.uid && running(p) ? p : undefined;
    }, 90_000);
    assert.equal(second.spec.nodeName, NODE);
    assert.deepEqual(second.spec.volumes[0], { name: 'store', persistentVolumeClaim: { claimName: 'store-data-0' } });
    // the new container reads what the old one wrote
    const loc = await until('lookup', async () => agent!.lookup.findContainer(NS, 'data-0', 'main'));
    const boots = await until('second boot recorded', async () => {
      const r = await agent!.cri.execSync(loc.containerId, ['cat', '/data/first', '/data/boots'], 10);
      const out = r.stdout.toString();
      return out.endsWith('boot\nboot\n') ? out : undefined;
    }, 30_000);
    assert.equal(boots, 'data-0\nboot\nboot\n');
  });

  it('removes the volume and its directory on the node once the claim is deleted', async () => {
    const claim = await client.json<KubeObject>('GET', `/api/v1/namespaces/${NS}/persistentvolumeclaims/store-data-0`);
    const pv = await client.json<KubeObject>('GET', `/api/v1/persistentvolumes/${claim.spec.volumeName}`);
    const dir = pv.spec.hostPath.path as string;
    assert.ok(existsSync(dir));
    // the claim outlives its StatefulSet (whenDeleted: Retain)
    await client.json('DELETE', `/apis/apps/v1/namespaces/${NS}/statefulsets/data`);
    await until('data-0 gone', async () => ((await client.json<{ items: KubeObject[] }>('GET', `/api/v1/namespaces/${NS}/pods`)).items.some((p) => p.metadata.name === 'data-0') ? undefined : true), 90_000);
    assert.equal((await client.json<KubeObject>('GET', `/api/v1/namespaces/${NS}/persistentvolumeclaims/store-data-0`)).status.phase, 'Bound');
    await client.json('DELETE', `/api/v1/namespaces/${NS}/persistentvolumeclaims/store-data-0`);
    await until('the volume deleted', async () => ((await client.json<{ items: KubeObject[] }>('GET', '/api/v1/persistentvolumes')).items.some((v) => v.metadata.name === pv.metadata.name) ? undefined : true));
    await until('its directory removed', async () => (existsSync(dir) ? undefined : true), 30_000);
  });
});
