// Controllers with real containers (root, real containerd): the seeds' Deployment through
// kubectl (apply, get deploy,rs -l, a deleted pod comes back under a new name), a rolling
// update followed by `kubectl rollout status`, Jobs whose container exits 0 or 1, and a pod
// that fails its readiness probe leaving the Service's Endpoints.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { KubeObject } from '../../src/api/types.js';
import { RestClient } from '../../src/client/rest.js';
import { INSTALL_HINT, missingRuntimeTools } from '../../src/cri/containerd.js';
import { containerdPaths } from '../../src/cri/containerd-config.js';
import { buildImages, BUSYBOX_IMAGE, DEFAULT_BUSYBOX } from '../../src/cri/images/build.js';
import { removePodCgroups } from '../../src/kubelet/cgroups.js';
import { startAgent, type RunningAgent } from '../../src/server/agent.js';
import { createLogger } from '../../src/util/logger.js';
import { KUBECTL_MISSING, kubectlPath, startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { seedText } from '../kubectl/support.js';

const IMG = BUSYBOX_IMAGE;
const BRIDGE = `klw${process.pid % 100000}`;
const CGROUP_ROOT = `kubelite-e2e-wl-${process.pid}`;
const NODE = `e2e-wl-${process.pid}`;
const POD_CIDR = `10.42.${60 + (process.pid % 40)}.0/24`;

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
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function kubectl(args: string[], input?: string): Promise<string> {
  const r = await c.kubectl(args, { input, timeoutMs: 120_000 });
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const pods = async (selector: string) =>
  (await api.json<{ items: KubeObject[] }>('GET', `/api/v1/namespaces/default/pods?labelSelector=${encodeURIComponent(selector)}`)).items.filter((p) => !p.metadata.deletionTimestamp);
const running = (p: KubeObject) => p.status?.phase === 'Running' && ((p.status?.containerStatuses ?? []) as { ready: boolean }[]).every((s) => s.ready);

describe('controllers with real containers', { timeout: 600_000 }, () => {
  before(async () => {
    assert.equal(process.getuid?.(), 0, 'this e2e test must run as root');
    const missing = missingRuntimeTools();
    if (!existsSync(DEFAULT_BUSYBOX)) missing.push('/bin/busybox (package busybox-static)');
    if (missing.length) assert.fail(`missing: ${missing.join(', ')}; ${INSTALL_HINT}`);
    if (!kubectlPath()) assert.fail(KUBECTL_MISSING);
    c = await startTestCluster({ scheduler: true, controllers: true });
    buildImages(containerdPaths(c.dir).imagesDir);
    api = new RestClient({ server: c.url, token: c.adminToken, caPem: c.caPem });
    const log = createLogger({ level: process.env.KUBELITE_TEST_LOG ?? 'warn', name: 'agent' });
    agent = await startAgent({ server: c.url, token: c.adminToken, caPem: c.caPem, dataDir: c.dir, log, nodeName: NODE, imageArchives: [], bridge: BRIDGE, cgroupRoot: CGROUP_ROOT, podCIDR: POD_CIDR, kubeletPort: 0, resyncMs: 2000 });
  });

  after(async () => {
    if (agent) {
      for (const kind of ['deployments.apps', 'jobs.batch', 'services']) await c.kubectl(['delete', kind, '--all', '--wait=false']).catch(() => undefined);
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

  it("runs the seed's Deployment, replaces a deleted pod and rolls out a change", async () => {
    // seed 000's Deployment, with the local image serving HTTP instead of nginx
    const manifest = seedText('000-deployment-test.yaml').replace('image: nginx', `image: ${IMG}\n          command: ["httpd", "-f", "-p", "80"]`);
    await kubectl(['apply', '-f', '-'], manifest);
    await kubectl(['rollout', 'status', 'deployment/test', '--timeout=120s']);
    const table = await kubectl(['get', 'deploy,rs', '-l', 'app=test']);
    assert.match(table, /deployment\.apps\/test\s+2\/2\s+2\s+2/);
    assert.match(table, /replicaset\.apps\/test-[a-z0-9]+\s+2\s+2\s+2/);
    const first = await until('2 running pods', async () => {
      const ps = await pods('app=test');
      return ps.length === 2 && ps.every(running) ? ps : undefined;
    });

    const victim = first[0]!.metadata.name!;
    await kubectl(['delete', 'pod', victim, '--wait=true']);
    const replaced = await until('a replacement pod running', async () => {
      const ps = await pods('app=test');
      return ps.length === 2 && ps.every(running) && !ps.some((p) => p.metadata.name === victim) ? ps : undefined;
    });
    assert.ok(replaced.some((p) => !first.some((f) => f.metadata.name === p.metadata.name)), 'the replacement has a new name');

    // a rolling update: a new template, every pod replaced, the rollout reported complete
    await kubectl(['set', 'env', 'deployment/test', 'GREETING=hello']);
    await kubectl(['rollout', 'status', 'deployment/test', '--timeout=120s']);
    const rolled = await until('2 updated pods running', async () => {
      const ps = await pods('app=test');
      return ps.length === 2 && ps.every(running) ? ps : undefined;
    });
    const env = await kubectl(['exec', rolled[0]!.metadata.name!, '--', 'sh', '-c', 'echo $GREETING']);
    assert.equal(env.trim(), 'hello');
    assert.match(await kubectl(['rollout', 'history', 'deployment/test']), /\n2\s/);
  });

  it('completes a Job whose container exits 0 and fails one that exits 1', async () => {
    const job = (name: string, code: number) => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name },
      spec: { backoffLimit: 1, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: IMG, command: ['sh', '-c', `echo run; exit ${code}`] }] } } },
    });
    await kubectl(['apply', '-f', '-'], JSON.stringify(job('ok-job', 0)));
    await kubectl(['apply', '-f', '-'], JSON.stringify(job('bad-job', 1)));
    await kubectl(['wait', '--for=condition=complete', 'job/ok-job', '--timeout=120s']);
    assert.equal((await kubectl(['logs', 'job/ok-job'])).trim(), 'run');
    await kubectl(['wait', '--for=condition=failed', 'job/bad-job', '--timeout=180s']);
    const bad = await api.json<KubeObject>('GET', '/apis/batch/v1/namespaces/default/jobs/bad-job');
    assert.equal(bad.status?.failed, 2, 'the failing pod was retried backoffLimit (1) times');
    const failed = (bad.status?.conditions as { type: string; reason: string }[]).find((x) => x.type === 'Failed');
    assert.equal(failed?.reason, 'BackoffLimitExceeded');
  });

  it('takes a pod that fails its readiness probe out of the Service endpoints', async () => {
    const deploy = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'ready' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'ready' } },
        template: {
          metadata: { labels: { app: 'ready' } },
          spec: {
            containers: [
              {
                name: 'web',
                image: IMG,
                command: ['sh', '-c', 'touch /tmp/ready; exec httpd -f -p 80'],
                ports: [{ name: 'http', containerPort: 80 }],
                readinessProbe: { exec: { command: ['cat', '/tmp/ready'] }, periodSeconds: 1, failureThreshold: 1 },
              },
            ],
          },
        },
      },
    };
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ready' }, spec: { selector: { app: 'ready' }, ports: [{ port: 80, targetPort: 'http' }] } };
    await kubectl(['apply', '-f', '-'], JSON.stringify(deploy));
    await kubectl(['apply', '-f', '-'], JSON.stringify(svc));
    type Subset = { addresses?: { ip: string; targetRef?: { name: string } }[]; notReadyAddresses?: { ip: string; targetRef?: { name: string } }[] };
    const endpoints = async () => ((await api.json<KubeObject>('GET', '/api/v1/namespaces/default/endpoints/ready')).subsets ?? []) as Subset[];
    const ready = async () => (await endpoints()).flatMap((s) => s.addresses ?? []).map((a) => a.targetRef?.name);
    const both = await until('2 ready endpoints', async () => ((await ready()).length === 2 ? await ready() : undefined), 120_000);

    const sick = both[0]!;
    await kubectl(['exec', sick, '--', 'rm', '/tmp/ready']);
    await until('the sick pod out of the ready addresses', async () => {
      const subsets = await endpoints();
      const readyNames = subsets.flatMap((s) => s.addresses ?? []).map((a) => a.targetRef?.name);
      const notReady = subsets.flatMap((s) => s.notReadyAddresses ?? []).map((a) => a.targetRef?.name);
      return readyNames.length === 1 && !readyNames.includes(sick) && notReady.includes(sick);
    });
    const pod = await api.json<KubeObject>('GET', `/api/v1/namespaces/default/pods/${sick}`);
    assert.equal((pod.status?.conditions as { type: string; status: string }[]).find((x) => x.type === 'Ready')?.status, 'False');
    const slices = await api.json<{ items: KubeObject[] }>('GET', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dready');
    const eps = slices.items.flatMap((s) => (s.endpoints ?? []) as { targetRef?: { name: string }; conditions?: { ready?: boolean } }[]);
    assert.equal(eps.find((e) => e.targetRef?.name === sick)?.conditions?.ready, false);

    await kubectl(['exec', sick, '--', 'touch', '/tmp/ready']);
    await until('the pod back in the ready addresses', async () => (await ready()).length === 2);
  });
});
