// Probes and lifecycle hooks against real containerd (run as root): a cluster with the scheduler
// and an in-process agent; pods of the local busybox image whose probes fail and pass on cue.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { parse } from 'yaml';
import { ApiError } from '../../src/api/errors.js';
import type { KubeObject } from '../../src/api/types.js';
import { RestClient } from '../../src/client/rest.js';
import { missingRuntimeTools, INSTALL_HINT } from '../../src/cri/containerd.js';
import { buildImages, BUSYBOX_IMAGE, DEFAULT_BUSYBOX } from '../../src/cri/images/build.js';
import { containerdPaths } from '../../src/cri/containerd-config.js';
import { removePodCgroups } from '../../src/kubelet/cgroups.js';
import { healthService } from '../../src/kubelet/prober/grpc.js';
import type { Prober } from '../../src/kubelet/prober/manager.js';
import { startAgent, type RunningAgent } from '../../src/server/agent.js';
import { createLogger } from '../../src/util/logger.js';
import { kubectlPath, startTestCluster, type TestCluster } from '../helpers/cluster.js';

const IMG = BUSYBOX_IMAGE;
const BRIDGE = `klp${process.pid % 100000}`;
const CGROUP_ROOT = `kubelite-e2e-probes-${process.pid}`;
const NODE = `e2e-probes-${process.pid}`;
const POD_CIDR = `10.42.${100 + ((process.pid + 75) % 150)}.0/24`;
const SEEDS = new URL('../../../test/fixtures/seeds/', import.meta.url);

let c: TestCluster;
let client: RestClient;
let agent: RunningAgent;
/** a server on the host for httpGet hooks with an explicit host */
let hookServer: http.Server;
let hookPort: number;
const hookRequests: { path: string; headers: http.IncomingHttpHeaders }[] = [];

type Pod = KubeObject;
interface CS {
  name: string;
  ready: boolean;
  started?: boolean;
  restartCount: number;
  containerID?: string;
  state: { running?: unknown; waiting?: { reason: string; message?: string }; terminated?: { exitCode: number; reason: string } };
}
interface Ev {
  reason: string;
  message: string;
  type: string;
  count?: number;
  involvedObject: { uid: string; fieldPath?: string };
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000, everyMs = 200): Promise<T> {
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
    await sleep(everyMs);
  }
}

const podPath = (name: string) => `/api/v1/namespaces/default/pods/${name}`;
const getPod = (name: string) => client.json<Pod>('GET', podPath(name));
const createPod = (pod: Record<string, unknown>) => client.json<Pod>('POST', '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', ...pod });
const statuses = (p: Pod): CS[] => (p.status?.containerStatuses ?? []) as CS[];
const cond = (p: Pod, type: string) => (p.status?.conditions as { type: string; status: string; reason?: string; message?: string }[] | undefined)?.find((x) => x.type === type);

async function podWhere(name: string, what: string, pred: (p: Pod) => boolean, timeoutMs = 30_000): Promise<Pod> {
  let last: Pod | undefined;
  try {
    return await until(what, async () => {
      last = await getPod(name);
      return pred(last) ? last : undefined;
    }, timeoutMs);
  } catch (err) {
    throw new Error(`${(err as Error).message}\nlast status of ${name}: ${JSON.stringify(last?.status, null, 1)}`);
  }
}

async function eventsOf(p: Pod): Promise<Ev[]> {
  const l = await client.json<{ items: Ev[] }>('GET', '/api/v1/namespaces/default/events');
  return l.items.filter((e) => e.involvedObject.uid === p.metadata.uid);
}

async function eventWhere(p: Pod, what: string, pred: (e: Ev) => boolean, timeoutMs = 30_000): Promise<Ev> {
  return until(what, async () => (await eventsOf(p)).find(pred), timeoutMs);
}

async function exec(pod: string, container: string, cmd: string[]): Promise<void> {
  const loc = await until(`container ${container} of ${pod}`, async () => agent.lookup.findContainer('default', pod, container));
  const r = await agent.cri.execSync(loc.containerId, cmd, 10);
  assert.equal(r.exitCode, 0, `${cmd.join(' ')}: ${r.stderr.toString()}`);
}

async function describe_(name: string): Promise<string | undefined> {
  if (!kubectlPath()) return undefined;
  const out = await c.kubectl(['describe', 'pod', name]);
  assert.equal(out.code, 0, out.stderr);
  return out.stdout;
}

async function deleteAndWait(name: string): Promise<void> {
  await client.json('DELETE', podPath(name), { gracePeriodSeconds: 0 }).catch(() => undefined);
  await until(`${name} gone`, async () => {
    try {
      await getPod(name);
      return undefined;
    } catch (err) {
      return err instanceof ApiError && err.code === 404 ? true : undefined;
    }
  });
}

function seed(file: string): Record<string, unknown> {
  const obj = parse(readFileSync(new URL(file, SEEDS), 'utf8')) as Record<string, unknown>;
  assert.equal(JSON.stringify(obj).includes(IMG), true, `${file} uses the local test image`);
  return obj;
}

describe('probes and lifecycle hooks e2e (real containerd)', { timeout: 400_000 }, () => {
  before(async () => {
    assert.equal(process.getuid?.(), 0, 'the probes e2e test must run as root');
    const missing = missingRuntimeTools();
    if (!existsSync(DEFAULT_BUSYBOX)) missing.push('/bin/busybox (package busybox-static)');
    if (missing.length) assert.fail(`missing: ${missing.join(', ')}; ${INSTALL_HINT}`);
    hookServer = http.createServer((req, res) => {
      hookRequests.push({ path: req.url ?? '', headers: req.headers });
      res.end('hooked');
    });
    hookPort = await new Promise<number>((r) => hookServer.listen(0, '127.0.0.1', () => r((hookServer.address() as AddressInfo).port)));
    c = await startTestCluster({ scheduler: true, dir: undefined });
    buildImages(containerdPaths(c.dir).imagesDir);
    client = new RestClient({ server: c.url, token: c.adminToken, caPem: c.caPem });
    const log = createLogger({ level: process.env.KUBELITE_TEST_LOG ?? 'warn', name: 'agent' });
    agent = await startAgent({ server: c.url, token: c.adminToken, caPem: c.caPem, dataDir: c.dir, log, nodeName: NODE, imageArchives: [], bridge: BRIDGE, cgroupRoot: CGROUP_ROOT, podCIDR: POD_CIDR, resyncMs: 2000 });
  });

  after(async () => {
    if (agent) {
      await client.json('DELETE', '/api/v1/namespaces/default/pods', { gracePeriodSeconds: 0 }).catch(() => undefined);
      await until('no sandboxes left', async () => ((await agent.cri.listPodSandbox()).length === 0 ? true : undefined), 30_000).catch(() => undefined);
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
    hookServer?.close();
    await c?.stop();
    await c?.close();
  });

  it('restarts a container whose exec liveness probe fails (restartCount, Unhealthy, Killing, describe)', async () => {
    await createPod({
      metadata: { name: 'liveness-exec', labels: { test: 'liveness' } },
      spec: {
        containers: [{
          name: 'liveness',
          image: IMG,
          args: ['/bin/sh', '-c', 'touch /tmp/healthy; sleep 3; rm -f /tmp/healthy; exec sleep 600'],
          livenessProbe: { exec: { command: ['cat', '/tmp/healthy'] }, initialDelaySeconds: 1, periodSeconds: 1, failureThreshold: 2, terminationGracePeriodSeconds: 1 },
        }],
      },
    });
    const p = await podWhere('liveness-exec', 'a restart after the liveness failure', (x) => (statuses(x)[0]?.restartCount ?? 0) >= 1 && !!statuses(x)[0]?.state.running, 60_000);
    const un = await eventWhere(p, 'Unhealthy event', (e) => e.reason === 'Unhealthy');
    assert.equal(un.type, 'Warning');
    assert.match(un.message, /^Liveness probe failed: cat: can't open '\/tmp\/healthy': No such file or directory/);
    assert.equal(un.involvedObject.fieldPath, 'spec.containers{liveness}');
    const kill = await eventWhere(p, 'Killing event', (e) => e.reason === 'Killing');
    assert.equal(kill.message, 'Container liveness failed liveness probe, will be restarted');
    assert.equal(kill.type, 'Normal');
    const d = await describe_('liveness-exec');
    if (d !== undefined) {
      assert.match(d, /Liveness:\s+exec \[cat \/tmp\/healthy\] delay=1s timeout=1s period=1s #success=1 #failure=2/);
      assert.match(d, /Restart Count:\s+[1-9]/);
      assert.match(d, /Warning\s+Unhealthy\s+.*kubelet\s+Liveness probe failed: cat: can't open '\/tmp\/healthy': No such file or directory/);
      assert.match(d, /Normal\s+Killing\s+.*kubelet\s+Container liveness failed liveness probe, will be restarted/);
    }
  });

  it('fails an httpGet liveness probe on a named port with the status code once the file is gone', async () => {
    await createPod({
      metadata: { name: 'liveness-http' },
      spec: {
        containers: [{
          name: 'web',
          image: IMG,
          command: ['sh', '-c', 'mkdir -p /www; echo ok > /www/healthz; (sleep 3; rm /www/healthz) & exec httpd -f -p 8080 -h /www'],
          ports: [{ name: 'http', containerPort: 8080 }],
          livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, initialDelaySeconds: 1, periodSeconds: 1, failureThreshold: 2, terminationGracePeriodSeconds: 1 },
        }],
      },
    });
    const p = await podWhere('liveness-http', 'a restart', (x) => (statuses(x)[0]?.restartCount ?? 0) >= 1, 60_000);
    const un = await eventWhere(p, 'Unhealthy event', (e) => e.reason === 'Unhealthy' && e.message.includes('404'));
    assert.equal(un.message, 'Liveness probe failed: HTTP probe failed with statuscode: 404');
    await eventWhere(p, 'Killing event', (e) => e.reason === 'Killing' && e.message === 'Container web failed liveness probe, will be restarted');
  });

  it('keeps a pod Ready=False while its readiness probe fails and flips it with the probe', async () => {
    await createPod({
      metadata: { name: 'readiness' },
      spec: { containers: [{ name: 'app', image: IMG, command: ['sleep', '600'], readinessProbe: { exec: { command: ['cat', '/tmp/ready'] }, periodSeconds: 1 } }] },
    });
    let p = await podWhere('readiness', 'Running, not ready', (x) => x.status?.phase === 'Running' && !!statuses(x)[0]?.state.running);
    // give the probe time to fail a few times: the pod stays unready
    await eventWhere(p, 'a readiness failure', (e) => e.reason === 'Unhealthy');
    p = await getPod('readiness');
    assert.equal(statuses(p)[0]!.ready, false);
    assert.equal(statuses(p)[0]!.started, true);
    assert.equal(cond(p, 'Ready')?.status, 'False');
    assert.equal(cond(p, 'ContainersReady')?.status, 'False');
    assert.equal(cond(p, 'Ready')?.reason, 'ContainersNotReady');
    assert.equal(cond(p, 'Ready')?.message, 'containers with unready status: [app]');
    const un = (await eventsOf(p)).find((e) => e.reason === 'Unhealthy')!;
    assert.match(un.message, /^Readiness probe failed: cat: can't open '\/tmp\/ready': No such file or directory/);
    await exec('readiness', 'app', ['touch', '/tmp/ready']);
    p = await podWhere('readiness', 'Ready=True', (x) => cond(x, 'Ready')?.status === 'True');
    assert.equal(statuses(p)[0]!.ready, true);
    assert.equal(cond(p, 'ContainersReady')?.status, 'True');
    await exec('readiness', 'app', ['rm', '/tmp/ready']);
    p = await podWhere('readiness', 'Ready=False again', (x) => cond(x, 'Ready')?.status === 'False');
    assert.equal(statuses(p)[0]!.ready, false);
    assert.equal(statuses(p)[0]!.restartCount, 0, 'readiness never restarts');
    if (kubectlPath()) {
      const out = await c.kubectl(['get', 'pod', 'readiness']);
      assert.match(out.stdout, /readiness\s+0\/1\s+Running\s+0/);
    }
  });

  it('turns a pod ready once its tcpSocket probe connects', async () => {
    await createPod({
      metadata: { name: 'tcp' },
      spec: { containers: [{ name: 'srv', image: IMG, command: ['sh', '-c', 'sleep 4; exec httpd -f -p 9000'], readinessProbe: { tcpSocket: { port: 9000 }, periodSeconds: 1 } }] },
    });
    const p = await podWhere('tcp', 'ready', (x) => cond(x, 'Ready')?.status === 'True', 40_000);
    const un = (await eventsOf(p)).find((e) => e.reason === 'Unhealthy');
    assert.ok(un, 'the probe failed while nothing listened');
    assert.equal(un.message, `Readiness probe failed: dial tcp ${p.status.podIP}:9000: connect: connection refused`);
  });

  it('holds liveness back until the startup probe passes; a failing startup probe restarts', async () => {
    await createPod({
      metadata: { name: 'startup' },
      spec: {
        containers: [{
          name: 'slow',
          image: IMG,
          command: ['sleep', '600'],
          startupProbe: { exec: { command: ['cat', '/tmp/started'] }, periodSeconds: 1, failureThreshold: 600 },
          livenessProbe: { exec: { command: ['cat', '/tmp/alive'] }, periodSeconds: 1, failureThreshold: 1, terminationGracePeriodSeconds: 1 },
        }],
      },
    });
    await createPod({
      metadata: { name: 'startup-fails' },
      spec: { containers: [{ name: 'never', image: IMG, command: ['sleep', '600'], startupProbe: { exec: { command: ['false'] }, periodSeconds: 1, failureThreshold: 2, terminationGracePeriodSeconds: 1 } }] },
    });
    let p = await podWhere('startup', 'running, not started', (x) => !!statuses(x)[0]?.state.running);
    await eventWhere(p, 'a startup failure', (e) => e.reason === 'Unhealthy' && e.message.startsWith('Startup probe failed'));
    await sleep(3000);
    p = await getPod('startup');
    assert.equal(statuses(p)[0]!.started, false);
    assert.equal(statuses(p)[0]!.ready, false);
    assert.equal(statuses(p)[0]!.restartCount, 0, 'liveness (which would fail) did not run before the container started');
    assert.ok(!(await eventsOf(p)).some((e) => e.message.startsWith('Liveness')), 'no liveness probe yet');
    await exec('startup', 'slow', ['touch', '/tmp/started']);
    p = await podWhere('startup', 'restarted by liveness once started', (x) => (statuses(x)[0]?.restartCount ?? 0) >= 1, 40_000);
    await eventWhere(p, 'liveness failure', (e) => e.message.startsWith("Liveness probe failed: cat: can't open '/tmp/alive'"));
    const f = await podWhere('startup-fails', 'a restart', (x) => (statuses(x)[0]?.restartCount ?? 0) >= 1, 40_000);
    await eventWhere(f, 'Killing', (e) => e.reason === 'Killing' && e.message === 'Container never failed startup probe, will be restarted');
    assert.equal(statuses(f)[0]!.ready, false);
  });

  it('starts what follows a sidecar once its startup probe passed; restarts a sidecar that fails liveness', async () => {
    const inits = (p: Pod): CS[] => (p.status?.initContainerStatuses ?? []) as CS[];
    await createPod({
      metadata: { name: 'sidecar-probes' },
      spec: {
        initContainers: [
          {
            name: 'proxy',
            image: IMG,
            restartPolicy: 'Always',
            command: ['sleep', '600'],
            startupProbe: { exec: { command: ['cat', '/tmp/up'] }, periodSeconds: 1, failureThreshold: 600 },
            livenessProbe: { exec: { command: ['sh', '-c', '[ ! -f /tmp/die ]'] }, periodSeconds: 1, failureThreshold: 1, terminationGracePeriodSeconds: 1 },
          },
          { name: 'after', image: IMG, command: ['true'] },
        ],
        containers: [{ name: 'app', image: IMG, command: ['sleep', '600'] }],
      },
    });
    let p = await podWhere('sidecar-probes', 'the sidecar running', (x) => !!inits(x)[0]?.state.running);
    await eventWhere(p, 'startup failing', (e) => e.message.startsWith('Startup probe failed'));
    p = await getPod('sidecar-probes');
    assert.equal(inits(p)[0]!.started, false);
    assert.ok(!inits(p)[1]!.state.terminated && !inits(p)[1]!.state.running, 'the next init container waits');
    assert.equal(cond(p, 'Initialized')?.status, 'False');
    await exec('sidecar-probes', 'proxy', ['touch', '/tmp/up']);
    p = await podWhere('sidecar-probes', 'initialized, app running', (x) => cond(x, 'Initialized')?.status === 'True' && !!statuses(x)[0]?.state.running);
    assert.equal(inits(p)[1]!.state.terminated?.reason, 'Completed');
    await exec('sidecar-probes', 'proxy', ['touch', '/tmp/die']);
    p = await podWhere('sidecar-probes', 'the sidecar restarted', (x) => (inits(x)[0]?.restartCount ?? 0) >= 1, 40_000);
    await eventWhere(p, 'Killing', (e) => e.reason === 'Killing' && e.message === 'Container proxy failed liveness probe, will be restarted');
    assert.equal(statuses(p)[0]!.restartCount, 0, 'the app kept running');
  });

  it('runs postStart httpGet and exec hooks; preStop httpGet reaches the pod IP before a liveness kill', async () => {
    hookRequests.length = 0;
    await createPod({
      metadata: { name: 'hooks' },
      spec: {
        containers: [
          {
            name: 'web',
            image: IMG,
            command: ['sh', '-c', 'mkdir -p /www; exec httpd -f -vv -p 8080 -h /www'],
            ports: [{ name: 'http', containerPort: 8080 }],
            lifecycle: {
              postStart: { httpGet: { host: '127.0.0.1', port: hookPort, path: '/poststart?pod=hooks', httpHeaders: [{ name: 'x-hook', value: 'post' }] } },
              preStop: { httpGet: { port: 'http', path: '/prestop' } },
            },
            livenessProbe: { exec: { command: ['sh', '-c', '[ ! -f /tmp/die ]'] }, periodSeconds: 1, failureThreshold: 1, terminationGracePeriodSeconds: 1 },
          },
          { name: 'side', image: IMG, command: ['sleep', '600'], lifecycle: { postStart: { exec: { command: ['sh', '-c', 'echo from-poststart > /tmp/poststart'] } } } },
        ],
      },
    });
    const p = await podWhere('hooks', 'Running', (x) => statuses(x).length === 2 && statuses(x).every((s) => s.state.running));
    const post = hookRequests.find((r) => r.path === '/poststart?pod=hooks');
    assert.ok(post, `postStart httpGet arrived: ${JSON.stringify(hookRequests)}`);
    assert.equal(post.headers['user-agent'], 'kube-lifecycle/1.32');
    assert.equal(post.headers['x-hook'], 'post');
    const side = await until('side container', async () => agent.lookup.findContainer('default', 'hooks', 'side'));
    assert.equal((await agent.cri.execSync(side.containerId, ['cat', '/tmp/poststart'], 10)).stdout.toString(), 'from-poststart\n');
    await exec('hooks', 'web', ['touch', '/tmp/die']);
    await podWhere('hooks', 'web restarted', (x) => (statuses(x).find((s) => s.name === 'web')?.restartCount ?? 0) >= 1, 40_000);
    const firstLog = readFileSync(join(c.dir, 'agent', 'pods', p.metadata.uid!, 'web', '0.log'), 'utf8');
    assert.match(firstLog, /url:\/prestop/, 'the preStop request reached httpd on the pod IP');
    assert.equal(hookRequests.filter((r) => r.path === '/poststart?pod=hooks').length, 2, 'postStart ran again for the new container');
  });

  it('kills a container whose postStart hook fails (FailedPostStartHook)', async () => {
    await createPod({
      metadata: { name: 'poststart-fails' },
      spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: IMG, command: ['sleep', '600'], lifecycle: { postStart: { exec: { command: ['sh', '-c', 'exit 3'] } } } }] },
    });
    const p = await podWhere('poststart-fails', 'restarted', (x) => (statuses(x)[0]?.restartCount ?? 0) >= 1, 40_000);
    const ev = await eventWhere(p, 'FailedPostStartHook', (e) => e.reason === 'FailedPostStartHook');
    assert.equal(ev.message, 'PostStartHook failed');
    assert.equal(ev.type, 'Warning');
    await eventWhere(p, 'Killing', (e) => e.reason === 'Killing' && e.message === 'FailedPostStartHook');
  });

  it('runs a preStop sleep before SIGTERM, within the grace period', async () => {
    await createPod({
      metadata: { name: 'prestop-sleep' },
      spec: {
        terminationGracePeriodSeconds: 20,
        containers: [{ name: 'c', image: IMG, command: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 0.2; done'], lifecycle: { preStop: { sleep: { seconds: 3 } } } }],
      },
    });
    await podWhere('prestop-sleep', 'Running', (x) => !!statuses(x)[0]?.state.running);
    const t0 = Date.now();
    await client.json('DELETE', podPath('prestop-sleep'));
    await until('the pod gone', async () => {
      try {
        await getPod('prestop-sleep');
        return undefined;
      } catch (err) {
        return err instanceof ApiError && err.code === 404 ? true : undefined;
      }
    }, 30_000);
    const took = Date.now() - t0;
    assert.ok(took >= 3000, `the sleep hook held the stop for 3 s (${took} ms)`);
    assert.ok(took < 15_000, `SIGTERM ended it well before the 20 s grace period (${took} ms)`);
  });

  it('probes a hostNetwork pod on the node IP: grpc health readiness and the kube-probe User-Agent', async () => {
    const status: Record<string, number> = { svc: 1 }; // SERVING
    const srv = new grpc.Server();
    srv.addService(healthService().service, {
      Check: (call: grpc.ServerUnaryCall<{ service: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => cb(null, { status: status[call.request.service] ?? 3 }),
    });
    const gport = await new Promise<number>((r, j) => srv.bindAsync(`${agent.node.ip}:0`, grpc.ServerCredentials.createInsecure(), (e, p) => (e ? j(e) : r(p))));
    const agents: string[] = [];
    const web = http.createServer((req, res) => {
      agents.push(req.headers['user-agent'] ?? '');
      res.end('alive');
    });
    const wport = await new Promise<number>((r) => web.listen(0, agent.node.ip, () => r((web.address() as AddressInfo).port)));
    try {
      await createPod({
        metadata: { name: 'grpc-hostnet' },
        spec: {
          hostNetwork: true,
          containers: [{
            name: 'c',
            image: IMG,
            command: ['sleep', '600'],
            readinessProbe: { grpc: { port: gport, service: 'svc' }, periodSeconds: 1, failureThreshold: 1 },
            livenessProbe: { httpGet: { path: '/live', port: wport }, periodSeconds: 1 },
          }],
        },
      });
      let p = await podWhere('grpc-hostnet', 'ready through the grpc health check', (x) => cond(x, 'Ready')?.status === 'True');
      status.svc = 2; // NOT_SERVING
      p = await podWhere('grpc-hostnet', 'unready once NOT_SERVING', (x) => cond(x, 'Ready')?.status === 'False');
      await eventWhere(p, 'grpc failure event', (e) => e.message === 'Readiness probe failed: service unhealthy (responded with "NOT_SERVING")');
      assert.ok(agents.length > 0 && agents.every((a) => a === 'kube-probe/1.32'), `User-Agent: ${agents.join(', ')}`);
      assert.equal(statuses(p)[0]!.restartCount, 0);
    } finally {
      srv.forceShutdown();
      web.closeAllConnections();
      web.close();
    }
  });

  it('runs the seeds\' health-check pods (001 kuard, 004 exec/httpGet/tcpSocket) healthy', async () => {
    await createPod(seed('001-kuard-pod-health.yaml'));
    await createPod(seed('004-pod-health-checks.yaml'));
    const k = await podWhere('kuard', 'kuard Ready', (x) => cond(x, 'Ready')?.status === 'True', 60_000);
    assert.equal(statuses(k)[0]!.restartCount, 0);
    const h = await podWhere('health-checks', 'health-checks Ready', (x) => cond(x, 'Ready')?.status === 'True' && statuses(x).length === 3, 60_000);
    await sleep(5000); // a few probe periods of the 004 pod: nothing fails
    const again = await getPod('health-checks');
    for (const s of statuses(again)) assert.equal(s.restartCount, 0, `${s.name} kept running`);
    assert.ok(!(await eventsOf(h)).some((e) => e.reason === 'Unhealthy'), 'no probe failed');
    const d = await describe_('kuard');
    if (d !== undefined) {
      assert.match(d, /Liveness:\s+http-get http:\/\/:8080\/healthy delay=5s timeout=1s period=10s #success=1 #failure=3/);
      assert.match(d, /Readiness:\s+http-get http:\/\/:8080\/ready delay=5s timeout=1s period=10s #success=1 #failure=3/);
    }
    const d4 = await describe_('health-checks');
    if (d4 !== undefined) {
      assert.match(d4, /Liveness:\s+exec \[cat \/tmp\/healthy\] delay=1s timeout=5s period=2s #success=1 #failure=3/);
      assert.match(d4, /Liveness:\s+http-get http:\/\/:web\/index.html delay=1s timeout=5s period=2s #success=1 #failure=3/);
      assert.match(d4, /Liveness:\s+tcp-socket :9090 delay=1s timeout=5s period=2s #success=1 #failure=3/);
    }
  });

  it('stops every probe worker once the pods are gone', async () => {
    const prober = agent.kubelet.probes as Prober;
    assert.ok(prober.activeWorkers > 0, 'probes are running');
    const l = await client.json<{ items: Pod[] }>('GET', '/api/v1/namespaces/default/pods');
    await Promise.all(l.items.map((p) => deleteAndWait(p.metadata.name!)));
    await until('no probe workers', async () => (prober.activeWorkers === 0 ? true : undefined), 30_000);
  });
});
