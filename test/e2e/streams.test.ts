// kubectl's pod commands end to end: kubectl -> API server -> kubelet HTTPS server -> containerd's
// streaming server, with a real containerd (run as root). The pod is made on the raw CRI and the
// kubelet server gets a test lookup, so this does not depend on the pod workers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { WebSocket } from 'ws';
import { createLogger } from '../../src/util/logger.js';
import { startRuntime, missingRuntimeTools, INSTALL_HINT, type Runtime } from '../../src/cri/containerd.js';
import { containerdPaths } from '../../src/cri/containerd-config.js';
import { buildImages, BUSYBOX_IMAGE, DEFAULT_BUSYBOX } from '../../src/cri/images/build.js';
import type { PodSandboxConfig } from '../../src/cri/types.js';
import { KubeletServer } from '../../src/kubelet/server/server.js';
import { kubeletClientToken } from '../../src/kubelet/server/auth.js';
import { selfSignedKubeletCert } from '../../src/kubelet/server/cert.js';
import type { ContainerLocation } from '../../src/kubelet/server/types.js';
import { startTestCluster, kubectlPath, type TestCluster } from '../helpers/cluster.js';

const BRIDGE = 'klte2e1';
const SUBNET = '10.199.89.0/24';
const NS_OPTS = { namespaceOptions: { network: 'POD' as const, pid: 'CONTAINER' as const, ipc: 'POD' as const } };
const PAGE = 'hello from the pod';

function removeCgroups(parent: string): void {
  for (const h of readdirSync('/sys/fs/cgroup')) {
    const dir = join('/sys/fs/cgroup', h, parent);
    if (!existsSync(dir)) continue;
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) rmdirSync(join(dir, e.name));
    rmdirSync(dir);
  }
}

/** A long-running kubectl (logs -f, port-forward) whose output is watched. */
function spawnKubectl(c: TestCluster, args: string[], env: Record<string, string> = {}): { child: ChildProcess; out: () => string; waitFor: (re: RegExp, ms?: number) => Promise<RegExpExecArray> } {
  const child = spawn(kubectlPath()!, ['--kubeconfig', c.kubeconfigPath, ...args], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: join(c.dir, 'home'), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const waitFor = async (re: RegExp, ms = 15_000) => {
    const end = Date.now() + ms;
    for (;;) {
      const m = re.exec(out);
      if (m) return m;
      if (Date.now() > end || child.exitCode !== null) throw new Error(`kubectl ${args.join(' ')}: no ${re} in ${JSON.stringify(out)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { child, out: () => out, waitFor };
}

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = (url.startsWith('https:') ? httpsRequest : httpRequest)(url, { rejectUnauthorized: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('kubectl logs, exec, cp, port-forward through the API server and the kubelet', { timeout: 120_000 }, async () => {
  assert.equal(process.getuid?.(), 0, 'the streams e2e test must run as root (it starts containerd)');
  const missing = missingRuntimeTools();
  if (!existsSync(DEFAULT_BUSYBOX)) missing.push('/bin/busybox (package busybox-static)');
  if (missing.length) assert.fail(`FAIL: containerd is required for this test; missing: ${missing.join(', ')}; ${INSTALL_HINT}`);
  assert.ok(kubectlPath(), 'FAIL: /usr/bin/kubectl (v1.32) is required for this test');

  const dataDir = mkdtempSync('/tmp/klt-streams-');
  const paths = containerdPaths(dataDir);
  buildImages(paths.imagesDir);
  mkdirSync(paths.cniConfDir, { recursive: true });
  const cni = { cniVersion: '0.4.0', name: 'kubelite-streams', plugins: [{ type: 'bridge', bridge: BRIDGE, isGateway: true, ipMasq: false, ipam: { type: 'host-local', ranges: [[{ subnet: SUBNET }]], dataDir: join(dataDir, 'ipam') } }] };
  writeFileSync(join(paths.cniConfDir, '10-streams.conflist'), JSON.stringify(cni));
  const log = createLogger({ level: process.env.KUBELITE_LOG_LEVEL ?? 'warn', name: 'streams-e2e' });
  const ac = new AbortController();
  let rt: Runtime | undefined;
  let kubelet: KubeletServer | undefined;
  let cluster: TestCluster | undefined;
  const children: ChildProcess[] = [];
  let sandboxId: string | undefined;
  try {
    rt = await startRuntime({ dataDir, log, imageArchives: [] }, ac.signal);
    const cri = rt.client;
    const uid = randomUUID();
    const logDirectory = join(dataDir, 'pods', `default_web_${uid}`);
    mkdirSync(join(logDirectory, 'main'), { recursive: true });
    // a "previous instance" log for --previous
    writeFileSync(join(logDirectory, 'main', '0.log'), '2024-05-01T10:00:00.000000000Z stdout F from the previous run\n');
    const sandboxConfig: PodSandboxConfig = {
      metadata: { name: 'web', uid, namespace: 'default', attempt: 0 },
      hostname: 'web',
      logDirectory,
      linux: { cgroupParent: `/kubelite-streams/pod${uid}`, securityContext: NS_OPTS },
    };
    sandboxId = await cri.runPodSandbox(sandboxConfig);
    const script = `mkdir -p /www && echo '${PAGE}' > /www/index.html && httpd -p 80 -h /www && echo first && echo second && exec sleep 3600`;
    const containerId = await cri.createContainer(sandboxId, { metadata: { name: 'main', attempt: 1 }, image: { image: BUSYBOX_IMAGE }, command: ['sh', '-c', script], logPath: 'main/1.log', linux: { securityContext: NS_OPTS } }, sandboxConfig);
    await cri.startContainer(containerId);
    const location: ContainerLocation = { containerId, podSandboxId: sandboxId, logPath: join(logDirectory, 'main', '1.log'), previousLogPath: join(logDirectory, 'main', '0.log') };

    cluster = await startTestCluster();
    const tls = await selfSignedKubeletCert('e2e-node');
    kubelet = new KubeletServer({
      lookup: { findContainer: (ns, pod, c) => (ns === 'default' && pod === 'web' && c === 'main' ? location : undefined) },
      runtime: cri,
      tls,
      authToken: kubeletClientToken(cluster.adminToken),
      log,
    });
    const kport = await kubelet.listen(0, '127.0.0.1');

    // the kubelet accepts only the API server's token
    assert.equal((await httpGet(`https://127.0.0.1:${kport}/healthz`)).status, 401);
    const withAdmin = await new Promise<number>((resolve, reject) => {
      httpsRequest(`https://127.0.0.1:${kport}/containerLogs/default/web/main`, { rejectUnauthorized: false, headers: { Authorization: `Bearer ${cluster!.adminToken}` } }, (r) => resolve(r.statusCode ?? 0)).on('error', reject).end();
    });
    assert.equal(withAdmin, 401, 'the admin token itself is not the kubelet client token');

    const nodes = cluster.api.get('', 'nodes')!;
    await nodes.create('', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'e2e-node' } });
    await nodes.guaranteedUpdate('', 'e2e-node', (n) => ({ ...n!, status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: kport } } } }), { subresource: 'status', trusted: true });
    const pods = cluster.api.get('', 'pods')!;
    await pods.create('default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { nodeName: 'e2e-node', containers: [{ name: 'main', image: BUSYBOX_IMAGE }] } });
    await pods.guaranteedUpdate('default', 'web', (p) => ({ ...p!, status: { phase: 'Running', podIP: '10.199.89.2' } }), { subresource: 'status', trusted: true });
    await pods.create('default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'unscheduled' }, spec: { containers: [{ name: 'a', image: BUSYBOX_IMAGE }] } });

    const k = (args: string[], input?: string, env?: Record<string, string>) => cluster!.kubectl(args, { input, env, timeoutMs: 20_000 });
    const wsUrl = (path: string) => `wss://127.0.0.1:${cluster!.port}/api/v1/namespaces/default/pods/web/${path}`;
    const wsOpts = { rejectUnauthorized: false, headers: { Authorization: `Bearer ${cluster.adminToken}` } };
    for (let i = 0; i < 100 && !/second/.test((await k(['logs', 'web'])).stdout); i++) await new Promise((r) => setTimeout(r, 100));

    // logs
    assert.deepEqual(await k(['logs', 'web']), { code: 0, stdout: 'first\nsecond\n', stderr: '' });
    assert.equal((await k(['logs', 'web', '--tail=1'])).stdout, 'second\n');
    assert.match((await k(['logs', 'web', '--tail=1', '--timestamps'])).stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z second\n$/);
    assert.equal((await k(['logs', 'web', '--since=1h'])).stdout, 'first\nsecond\n');
    assert.equal((await k(['logs', 'web', '--previous'])).stdout, 'from the previous run\n');
    assert.match((await k(['logs', 'web', '-c', 'nope'])).stderr, /container nope is not valid for pod web/);
    assert.match((await k(['logs', 'unscheduled'])).stderr, /pod unscheduled does not have a host assigned/);
    const follow = spawnKubectl(cluster, ['logs', '-f', 'web']);
    children.push(follow.child);
    await follow.waitFor(/second\n/);
    assert.equal((await k(['exec', 'web', '--', 'sh', '-c', 'echo later > /proc/1/fd/1'])).code, 0);
    await follow.waitFor(/later\n/);
    follow.child.kill();

    // exec: output, exit codes, stdin with EOF
    assert.deepEqual(await k(['exec', 'web', '--', 'echo', 'hi']), { code: 0, stdout: 'hi\n', stderr: '' });
    const exit3 = await k(['exec', 'web', '--', 'sh', '-c', 'echo oops >&2; exit 3']);
    assert.equal(exit3.code, 3);
    assert.match(exit3.stderr, /oops\ncommand terminated with exit code 3/);
    assert.deepEqual(await k(['exec', '-i', 'web', '--', 'cat'], 'piped\ninput\n'), { code: 0, stdout: 'piped\ninput\n', stderr: '' });
    assert.match((await k(['exec', 'web', '--', 'no-such-binary'])).stderr, /no-such-binary/);

    // cp both ways (tar over exec; into the pod needs stdin EOF)
    const local = join(dataDir, 'cp-in.txt');
    writeFileSync(local, 'copied into the pod\n'.repeat(2000));
    const cpIn = await k(['cp', local, 'web:/tmp/in.txt']);
    assert.equal(cpIn.code, 0, cpIn.stderr);
    assert.equal((await k(['exec', 'web', '--', 'wc', '-c', '/tmp/in.txt'])).stdout.trim(), `${20 * 2000} /tmp/in.txt`);
    const back = join(dataDir, 'cp-out.txt');
    const cpOut = await k(['cp', 'web:/tmp/in.txt', back]);
    assert.equal(cpOut.code, 0, cpOut.stderr);
    assert.equal(readFileSync(back, 'utf8'), readFileSync(local, 'utf8'));

    // exec with a TTY and a resize, over the WebSocket v5 protocol directly
    const tty = await new Promise<string>((resolve, reject) => {
      const ws = new WebSocket(`wss://127.0.0.1:${cluster!.port}/api/v1/namespaces/default/pods/web/exec?command=sh&command=-c&command=sleep%200.5%3B%20stty%20size&container=main&stdin=true&stdout=true&tty=true`, ['v5.channel.k8s.io'], { rejectUnauthorized: false, headers: { Authorization: `Bearer ${cluster!.adminToken}` } });
      let out = '';
      let status = '';
      ws.on('open', () => ws.send(Buffer.concat([Buffer.from([4]), Buffer.from('{"Width":123,"Height":45}')])));
      ws.on('message', (d: Buffer) => {
        if (d[0] === 1) out += d.subarray(1).toString();
        if (d[0] === 3) status += d.subarray(1).toString();
      });
      ws.on('close', (code) => (code === 1000 && /Success/.test(status) ? resolve(out) : reject(new Error(`close ${code} ${status} ${out}`))));
      ws.on('error', reject);
    });
    assert.equal(tty.trim(), '45 123');

    // port-forward (SPDY inside WebSocket) to busybox httpd
    const pf = spawnKubectl(cluster, ['port-forward', 'pod/web', ':80']);
    children.push(pf.child);
    const m = await pf.waitFor(/Forwarding from 127\.0\.0\.1:(\d+) -> 80/);
    for (let i = 0; i < 2; i++) {
      const page = await httpGet(`http://127.0.0.1:${m[1]}/`);
      assert.deepEqual(page, { status: 200, body: `${PAGE}\n` });
    }
    pf.child.kill();

    // kubectl's SPDY fallbacks pass through to containerd unchanged
    const noWs = { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false', KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' };
    assert.deepEqual(await k(['exec', '-i', 'web', '--', 'cat'], 'over spdy\n', noWs), { code: 0, stdout: 'over spdy\n', stderr: '' });
    assert.equal((await k(['exec', 'web', '--', 'sh', '-c', 'exit 4'], undefined, noWs)).code, 4);
    const pfSpdy = spawnKubectl(cluster, ['port-forward', 'pod/web', ':80'], noWs);
    children.push(pfSpdy.child);
    const m2 = await pfSpdy.waitFor(/Forwarding from 127\.0\.0\.1:(\d+) -> 80/);
    assert.equal((await httpGet(`http://127.0.0.1:${m2[1]}/`)).body, `${PAGE}\n`);
    pfSpdy.child.kill();

    // client-node's port-forward: the v4 channel protocol over WebSocket
    const v4 = await new Promise<string>((resolve, reject) => {
      const ws = new WebSocket(wsUrl('portforward?ports=80'), ['v4.channel.k8s.io'], wsOpts);
      const got: Buffer[] = [];
      let sent = false;
      ws.on('message', (d: Buffer) => {
        if (d[0] === 0 && d.length === 3 && !sent) {
          assert.equal(d.readUInt16LE(1), 80);
          sent = true;
          ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('GET / HTTP/1.0\r\n\r\n')]));
        } else if (d[0] === 0) got.push(d.subarray(1));
      });
      ws.on('close', () => resolve(Buffer.concat(got).toString()));
      ws.on('error', reject);
    });
    assert.match(v4, /^HTTP\/1\.[01] 200 OK[\s\S]*hello from the pod\n$/);

    // attach: output of the container's main process, over WebSocket v5
    const attached = await new Promise<string>((resolve, reject) => {
      const ws = new WebSocket(wsUrl('attach?container=main&stdout=true&stderr=true'), ['v5.channel.k8s.io'], wsOpts);
      let out = '';
      ws.on('open', () => setTimeout(() => void k(['exec', 'web', '--', 'sh', '-c', 'echo attached > /proc/1/fd/1']), 300));
      ws.on('message', (d: Buffer) => {
        if (d[0] === 1) out += d.subarray(1).toString();
        if (out.includes('attached\n')) ws.close();
      });
      ws.on('close', () => resolve(out));
      ws.on('error', reject);
    });
    assert.match(attached, /attached\n/);

    // upgrades that are not pod streams, or not authenticated, are refused
    const refused = (path: string, auth: boolean) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`wss://127.0.0.1:${cluster!.port}${path}`, ['v5.channel.k8s.io'], { rejectUnauthorized: false, headers: auth ? { Authorization: `Bearer ${cluster!.adminToken}` } : {} });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => resolve(101));
        ws.on('error', () => resolve(-1));
      });
    assert.equal(await refused('/api/v1/namespaces/default/pods/web/exec?command=true&stdout=true', false), 401);
    assert.equal(await refused('/api/v1/namespaces/default/configmaps', true), 404);
    assert.equal(await refused('/api/v1/namespaces/default/pods/unscheduled/exec?command=true&stdout=true', true), 400);
    assert.equal(await refused('/api/v1/namespaces/default/pods/web/exec?command=true&stdout=true&container=x', true), 400);

  } finally {
    for (const c of children) c.kill('SIGKILL');
    await kubelet?.close();
    await cluster?.close();
    if (rt && sandboxId) {
      // stopping the sandbox kills its containers; removing it removes them
      await rt.client.stopPodSandbox(sandboxId).catch((err: Error) => process.stdout.write(`# sandbox stop: ${err.message}\n`));
      await rt.client.removePodSandbox(sandboxId).catch((err: Error) => process.stdout.write(`# sandbox removal: ${err.message}\n`));
    }
    ac.abort();
    await rt?.done;
    try {
      execFileSync('ip', ['link', 'del', BRIDGE], { stdio: 'ignore' });
    } catch {
      // no bridge
    }
    try {
      removeCgroups('kubelite-streams');
    } catch (err) {
      process.stdout.write(`# leftover cgroups: ${(err as Error).message}\n`);
    }
    try {
      rmSync(dataDir, { recursive: true, force: true });
    } catch (err) {
      process.stdout.write(`# leftover files: ${(err as Error).message}\n`);
    }
  }
});
