// The README's promise, end to end (root, real containerd): `kubelite server` alone is a working
// single-node cluster. The real CLI process starts its own containerd and node agent; the real
// kubectl applies a pod, waits for Ready and execs into it; a server restart adopts the running
// container (same container ID, no restart).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { INSTALL_HINT, missingRuntimeTools } from '../../src/cri/containerd.js';
import { BUSYBOX_IMAGE, DEFAULT_BUSYBOX } from '../../src/cri/images/build.js';
import { removePodCgroups } from '../../src/kubelet/cgroups.js';
import { KUBECTL_MISSING, kubectlPath, runKubectl, type KubectlResult } from '../helpers/cluster.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const POD = `apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: ${BUSYBOX_IMAGE}
    command: ["httpd", "-f", "-p", "8080"]
`;

let dir: string;
let home: string;
let server: ChildProcess | undefined;
let bridgeExisted = false;

async function startServer(): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'kubelite.js'), 'server', '--data-dir', dir, '--https-listen-port', '0', '--bind-address', '127.0.0.1', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`kubelite server did not get ready in 60 s:\n${out}`)), 60_000);
    child.stdout!.on('data', () => {
      if (/listening on https:/.test(out)) {
        clearTimeout(t);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`kubelite server exited with ${code}:\n${out}`));
    });
  });
  return child;
}

function stopServer(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function kubectl(...args: string[]): Promise<KubectlResult> {
  const r = await runKubectl(join(dir, 'kubeconfig.yaml'), home, args, { timeoutMs: 120_000 });
  assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.stderr}${r.stdout}`);
  return r;
}

async function webStatus(): Promise<{ containerID: string; restartCount: number; podIP: string; uid: string }> {
  const p = JSON.parse((await kubectl('get', 'pod', 'web', '-o', 'json')).stdout) as { metadata: { uid: string }; status: { podIP: string; containerStatuses: { containerID: string; restartCount: number }[] } };
  const { containerID, restartCount } = p.status.containerStatuses[0]!;
  return { containerID, restartCount, podIP: p.status.podIP, uid: p.metadata.uid };
}

/** Processes still in the pod's memory cgroup (kubelite/pod<uid>, cgroup v1 or v2). */
function podProcesses(uid: string): number[] {
  const out: number[] = [];
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name === 'cgroup.procs') out.push(...readFileSync(join(d, e.name), 'utf8').split('\n').filter(Boolean).map(Number));
    }
  };
  for (const root of ['/sys/fs/cgroup/memory', '/sys/fs/cgroup']) walk(join(root, 'kubelite', `pod${uid}`));
  return out;
}

describe('kubelite server: a single-node cluster from one command', { timeout: 300_000 }, () => {
  before(() => {
    assert.equal(process.getuid?.(), 0, 'this e2e test must run as root');
    const missing = missingRuntimeTools();
    if (!existsSync(DEFAULT_BUSYBOX)) missing.push('/bin/busybox (package busybox-static)');
    if (missing.length) assert.fail(`missing: ${missing.join(', ')}; ${INSTALL_HINT}`);
    if (!existsSync(join(ROOT, 'build', 'images'))) assert.fail('build/images is missing: run scripts/build-images.sh (scripts/install.sh does)');
    if (!kubectlPath()) assert.fail(KUBECTL_MISSING);
    bridgeExisted = existsSync('/sys/class/net/kubelite0');
    dir = mkdtempSync(join(tmpdir(), 'kubelite-test-server-'));
    home = join(dir, 'home');
    mkdirSync(home);
  });

  after(async () => {
    if (server) {
      await runKubectl(join(dir, 'kubeconfig.yaml'), home, ['delete', 'pod', '--all', '--wait=true'], { timeoutMs: 60_000 }).catch(() => undefined);
      await stopServer(server);
    }
    // the node agent leaves containers running by design: remove whatever a failed run left behind
    for (const pid of readdirProcs()) {
      try {
        if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir)) process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '');
    for (const m of mounts.filter((x) => x.startsWith(`${dir}/`)).sort().reverse()) {
      try {
        execFileSync('umount', ['-l', m], { stdio: 'ignore' });
      } catch {
        // rm reports it
      }
    }
    removePodCgroups('/kubelite');
    if (!bridgeExisted) {
      try {
        execFileSync('ip', ['link', 'del', 'kubelite0'], { stdio: 'ignore' });
      } catch {
        // not made
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a pod applied with kubectl, execs into it, and keeps it across a server restart', async () => {
    server = await startServer();
    const nodes = (await kubectl('get', 'nodes', '-o', 'name')).stdout.trim().split('\n');
    assert.equal(nodes.length, 1, `one node registered: ${nodes.join(', ')}`);
    await kubectl('wait', '--for=condition=Ready', nodes[0]!, '--timeout=60s');
    await runKubectl(join(dir, 'kubeconfig.yaml'), home, ['apply', '-f', '-'], { input: POD }).then((r) => assert.equal(r.code, 0, r.stderr));
    await kubectl('wait', '--for=condition=Ready', 'pod/web', '--timeout=90s');
    assert.equal((await kubectl('exec', 'web', '--', 'hostname')).stdout.trim(), 'web');
    const before = await webStatus();
    assert.match(before.podIP, /^10\.42\.\d+\.\d+$/);

    await stopServer(server);
    server = await startServer();
    await kubectl('wait', '--for=condition=Ready', 'pod/web', '--timeout=90s');
    const afterRestart = await webStatus();
    assert.deepEqual(afterRestart, before, 'the restarted server adopts the running container: same ID, IP, no restart');

    assert.ok(podProcesses(before.uid).length > 0, 'the pod runs in its cgroup');
    await kubectl('delete', 'pod', 'web', '--wait=true', '--timeout=60s');
    const left = await runKubectl(join(dir, 'kubeconfig.yaml'), home, ['get', 'pods', '-o', 'name']);
    assert.equal(left.stdout.trim(), '');
    assert.deepEqual(podProcesses(before.uid), [], 'no process of the deleted pod is left running');
  });
});

function readdirProcs(): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
}
