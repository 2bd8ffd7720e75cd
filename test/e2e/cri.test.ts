// The raw CRI path against a real, kubelite-supervised containerd (run as root):
// images from the air-gap folder, a pod on a CNI bridge, a busybox container, exec, logs,
// teardown, and the "raw CRI floor" (RunPodSandbox + CreateContainer + StartContainer).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../../src/util/logger.js';
import { startRuntime, missingRuntimeTools, INSTALL_HINT, type Runtime } from '../../src/cri/containerd.js';
import { containerdPaths } from '../../src/cri/containerd-config.js';
import { buildImages, BUSYBOX_IMAGE, PAUSE_IMAGE, DEFAULT_BUSYBOX } from '../../src/cri/images/build.js';
import { CriNotFoundError } from '../../src/cri/errors.js';
import type { PodSandboxConfig } from '../../src/cri/types.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const BRIDGE = 'klte2e0';
const SUBNET_PREFIX = '10.199.88.';

function bridgeConfig(ipamDir: string): string {
  return JSON.stringify({
    cniVersion: '0.4.0',
    name: 'kubelite-e2e',
    plugins: [
      {
        type: 'bridge',
        bridge: BRIDGE,
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        ipam: { type: 'host-local', ranges: [[{ subnet: `${SUBNET_PREFIX}0/24` }]], dataDir: ipamDir },
      },
    ],
  });
}

async function until<T>(what: string, fn: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Removes /<parent>/<pod...> from every cgroup v1 hierarchy (the kubelet's pod cgroup manager will do this). */
function removeCgroups(parent: string): void {
  for (const h of readdirSync('/sys/fs/cgroup')) {
    const dir = join('/sys/fs/cgroup', h, parent);
    if (!existsSync(dir)) continue;
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) rmdirSync(join(dir, e.name));
    rmdirSync(dir);
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

test('raw CRI path through kubelite-supervised containerd', { timeout: 90_000 }, async () => {
  assert.equal(process.getuid?.(), 0, 'the CRI e2e test must run as root');
  const missing = missingRuntimeTools();
  if (!existsSync(DEFAULT_BUSYBOX)) missing.push('/bin/busybox (package busybox-static)');
  if (missing.length) assert.fail(`missing: ${missing.join(', ')}; ${INSTALL_HINT}`);

  const dataDir = mkdtempSync('/tmp/klt-cri-');
  const paths = containerdPaths(dataDir);
  // images go to the air-gap folder: the start imports them from there
  buildImages(paths.imagesDir);
  mkdirSync(paths.cniConfDir, { recursive: true });
  writeFileSync(join(paths.cniConfDir, '10-kubelite-e2e.conflist'), bridgeConfig(join(dataDir, 'cni-ipam')));

  const log = createLogger({ level: process.env.KUBELITE_LOG_LEVEL ?? 'warn', name: 'cri-e2e' });
  const ac = new AbortController();
  let rt: Runtime | undefined;
  try {
    const t0 = Date.now();
    rt = await startRuntime({ dataDir, log, imageArchives: [] }, ac.signal);
    process.stdout.write(`# containerd start + image import: ${Date.now() - t0} ms\n`);
    const cri = rt.client;
    assert.ok(await cri.imageStatus({ image: PAUSE_IMAGE }), 'pause image imported');
    const bb = await cri.imageStatus({ image: BUSYBOX_IMAGE });
    assert.ok(bb, 'busybox image imported');
    const conditions = await cri.status();
    assert.ok(conditions.find((c) => c.type === 'NetworkReady')?.status, `NetworkReady: ${JSON.stringify(conditions)}`);
    const version = await cri.version();
    assert.equal(version.runtimeName, 'containerd');
    await assert.rejects(cri.containerStatus('no-such-container'), CriNotFoundError);

    const floors: number[] = [];
    for (let i = 0; i < 4; i++) {
      const uid = randomUUID();
      const logDirectory = join(dataDir, 'pods', `default_e2e-${i}_${uid}`);
      mkdirSync(logDirectory, { recursive: true });
      const sandboxConfig: PodSandboxConfig = {
        metadata: { name: `e2e-${i}`, uid, namespace: 'default', attempt: 0 },
        hostname: `e2e-${i}`,
        logDirectory,
        labels: { 'io.kubernetes.pod.uid': uid },
        linux: { cgroupParent: `/kubelite-e2e/pod${uid}`, securityContext: { namespaceOptions: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } },
      };
      const start = process.hrtime.bigint();
      const sandboxId = await cri.runPodSandbox(sandboxConfig);
      const containerId = await cri.createContainer(
        sandboxId,
        {
          metadata: { name: 'main', attempt: 0 },
          image: { image: BUSYBOX_IMAGE },
          command: ['sh', '-c', 'echo hello; sleep 30'],
          logPath: 'main/0.log',
          linux: { securityContext: { namespaceOptions: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } } },
        },
        sandboxConfig,
      );
      await cri.startContainer(containerId);
      floors.push(Number(process.hrtime.bigint() - start) / 1e6);

      const sb = await cri.podSandboxStatus(sandboxId);
      assert.equal(sb.status?.state, 'SANDBOX_READY');
      assert.ok(sb.status?.network?.ip.startsWith(SUBNET_PREFIX), `pod IP ${sb.status?.network?.ip} from the bridge's subnet`);
      const st = await cri.containerStatus(containerId);
      assert.equal(st.status?.state, 'CONTAINER_RUNNING');
      assert.equal(st.status?.imageRef, bb.id, JSON.stringify(st.status?.image));
      const ex = await cri.execSync(containerId, ['echo', 'hi'], 10);
      assert.equal(ex.exitCode, 0);
      assert.equal(ex.stdout.toString(), 'hi\n');
      const hostname = await cri.execSync(containerId, ['hostname'], 10);
      assert.equal(hostname.stdout.toString().trim(), `e2e-${i}`);
      const logFile = join(logDirectory, 'main', '0.log');
      assert.equal(st.status?.logPath, logFile);
      await until('hello in the log', () => (existsSync(logFile) && /stdout F hello\n/.test(readFileSync(logFile, 'utf8')) ? true : undefined));
      const listed = await cri.listContainers({ podSandboxId: sandboxId });
      assert.deepEqual(listed.map((c) => c.id), [containerId]);

      await cri.stopContainer(containerId, 1);
      const stopped = await cri.containerStatus(containerId);
      assert.equal(stopped.status?.state, 'CONTAINER_EXITED');
      assert.equal(stopped.status?.exitCode, 137);
      await cri.removeContainer(containerId);
      await assert.rejects(cri.containerStatus(containerId), CriNotFoundError);
      await cri.stopPodSandbox(sandboxId);
      await cri.removePodSandbox(sandboxId);
      await cri.removePodSandbox(sandboxId); // idempotent
      assert.equal((await cri.listPodSandbox({ id: sandboxId })).length, 0);
    }
    process.stdout.write(
      `# raw CRI floor (RunPodSandbox + CreateContainer + StartContainer): first ${floors[0]!.toFixed(0)} ms, ` +
        `median of ${floors.length} ${median(floors).toFixed(0)} ms [${floors.map((f) => f.toFixed(0)).join(', ')}]\n`,
    );

    // the CLI imports into the same containerd
    const kubelite = (...args: string[]) => execFileSync(process.execPath, [join(ROOT, 'bin', 'kubelite.js'), 'images', 'import', ...args], { encoding: 'utf8' });
    assert.match(kubelite(join(paths.imagesDir, 'busybox.tar'), '--data-dir', dataDir), /^already present /);
    assert.match(kubelite(join(paths.imagesDir, 'busybox.tar'), '--container-runtime-endpoint', rt.endpoint, '--force'), /^imported /);

    // containerd dies: the supervisor restarts it and the same client works again
    const pid = rt.pid();
    assert.ok(pid);
    process.kill(pid, 'SIGKILL');
    const tKill = Date.now();
    await until('containerd restarted', () => (rt!.restarts() === 1 ? true : undefined));
    for (;;) {
      try {
        await cri.version({ timeoutMs: 1000 });
        break;
      } catch (err) {
        if (Date.now() - tKill > 15_000) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    assert.notEqual(rt.pid(), pid);
    assert.ok(await cri.imageStatus({ image: BUSYBOX_IMAGE }), 'images survive the restart');
    process.stdout.write(`# containerd killed and answering again after ${Date.now() - tKill} ms\n`);

    ac.abort();
    const exit = await rt.done;
    assert.deepEqual(exit, { code: 0, signal: null }, 'containerd stopped cleanly on SIGTERM');
  } finally {
    ac.abort();
    await rt?.done;
    try {
      execFileSync('ip', ['link', 'del', BRIDGE], { stdio: 'ignore' });
    } catch {
      // no bridge
    }
    try {
      removeCgroups('kubelite-e2e');
    } catch (err) {
      process.stdout.write(`# leftover cgroups: ${(err as Error).message}\n`);
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
});
