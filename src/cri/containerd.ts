// The container runtime for the node agent: either kubelite's own supervised containerd
// (config, socket, root and state under <dataDir>/agent/containerd) or an existing CRI
// endpoint (--container-runtime-endpoint). Boot sequence, top to bottom:
//   1. existing endpoint? connect, import images, done (nothing to supervise)
//   2. check containerd/runc/ctr are installed; stop a containerd left by a previous run
//   3. write config.toml, spawn `containerd --config`, wait for the socket and CRI Version
//   4. import the images: the package's own (pause, busybox) + <dataDir>/agent/images/*.tar
//   5. supervise: if containerd dies, restart it with back-off (containers keep running in
//      their shims); the AbortSignal stops it (SIGTERM, then SIGKILL after a grace period)
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import type { Logger } from '../util/logger.js';
import type { CriClient } from './client.js';
import { containerdConfig, containerdPaths, checkSocketPath, DEFAULT_SANDBOX_IMAGE, insecureRegistryHosts, type ContainerdPaths } from './containerd-config.js';
import { archiveHolds, archivesIn, builtinImageArchives, importImages, withImageFirst, type ImportOptions } from './images/import.js';
import { DEFAULT_RUNTIME_CGROUP, placeRuntime } from './runtimecgroup.js';

export const INSTALL_HINT = 'install them with: apt-get install -y containerd runc containernetworking-plugins busybox-static';

export class RuntimeMissingError extends Error {
  constructor(readonly missing: string[]) {
    super(`not installed: ${missing.join(', ')}; ${INSTALL_HINT}`);
  }
}

export class RuntimeStartError extends Error {}

export interface RuntimeOptions {
  dataDir: string;
  log: Logger;
  /** an existing CRI socket: use it and start no containerd */
  endpoint?: string;
  sandboxImage?: string;
  /** CRI streaming server port on 127.0.0.1; 0 or unset picks a free one */
  streamPort?: number;
  /** archives imported at start before the air-gap folder; default: the package's build/images */
  imageArchives?: string[];
  /**
   * resolve as soon as the runtime answers, importing the images in the background (Runtime.imported):
   * the node agent registers its Node meanwhile and waits for the images only before running pods
   */
  importInBackground?: boolean;
  containerdBin?: string;
  ctrBin?: string;
  cniBinDir?: string;
  startTimeoutMs?: number;
  /** grace period between SIGTERM and SIGKILL on stop */
  stopTimeoutMs?: number;
  /** registries (HOST[:PORT]) pulled from over plain HTTP; loopback ones always are */
  insecureRegistries?: string[];
  /**
   * the cpu cgroup the managed containerd (with its shims, runc, CNI plugins) runs in, with the
   * weight of one thread (see runtimecgroup.ts); default kubelite-runtime, '' leaves it in ours
   */
  runtimeCgroup?: string;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Runtime {
  endpoint: string;
  client: CriClient;
  /** true when kubelite started containerd itself */
  managed: boolean;
  paths: ContainerdPaths;
  streamPort?: number;
  pid(): number | undefined;
  restarts(): number;
  /** resolves when the runtime was stopped by the signal, with containerd's last exit */
  done: Promise<ExitInfo | undefined>;
  /** resolves when the image archives are imported (already, unless importInBackground) */
  imported: Promise<void>;
  /**
   * resolves when the sandbox image is in (its archive is imported first), or with imported when
   * no archive holds it: sandboxes can start while the other archives are still being imported
   */
  sandboxImported: Promise<void>;
}

/** Finds an executable on PATH (or an absolute path). */
export function which(bin: string): string | undefined {
  const candidates = bin.includes('/') ? [bin] : (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(delimiter).map((d) => join(d, bin));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // next
    }
  }
  return undefined;
}

/** The runtime tools missing on this machine (empty when all are there). */
export function missingRuntimeTools(o: { containerdBin?: string; ctrBin?: string; cniBinDir?: string } = {}): string[] {
  const missing: string[] = [];
  if (!which(o.containerdBin ?? 'containerd')) missing.push('containerd');
  if (!which(o.ctrBin ?? 'ctr')) missing.push('ctr (package containerd)');
  if (!which('runc')) missing.push('runc');
  if (!existsSync(join(o.cniBinDir ?? '/usr/lib/cni', 'bridge'))) missing.push('CNI plugins in /usr/lib/cni (package containernetworking-plugins)');
  return missing;
}

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A containerd of a previous run that still holds our root (its pid file): stop it first. */
async function stopLeftover(paths: ContainerdPaths, log: Logger, signal: AbortSignal): Promise<void> {
  const pidFile = join(paths.base, 'containerd.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  const comm = Number.isInteger(pid) && pid > 0 && existsSync(`/proc/${pid}/comm`) ? readFileSync(`/proc/${pid}/comm`, 'utf8').trim() : '';
  if (comm === 'containerd') {
    log.warn({ pid }, 'stopping the containerd left by a previous run');
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 100 && alive(pid) && !signal.aborted; i++) await sleep(100, signal);
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
  rmSync(pidFile, { force: true });
}

/** Imports the archives (unchecked: the runtime's root is new) once the socket exists. */
async function importWhenListening(socket: string, files: readonly string[], o: ImportOptions & { log: Logger; signal: AbortSignal }, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // containerd creates the socket when it listens; a connection made then waits to be served
  while (!existsSync(socket)) {
    if (o.signal.aborted || Date.now() > deadline) throw new RuntimeStartError(`no containerd socket ${socket}`);
    await sleep(10, o.signal);
  }
  await importImages(undefined, files, o);
}

function waitExit(child: ChildProcess): Promise<ExitInfo> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve({ code: child.exitCode, signal: child.signalCode });
    child.once('exit', (code, sig) => resolve({ code, signal: sig }));
  });
}

/** Rewrites the registry hosts dir: exactly the registries configured now. */
function writeRegistryHosts(dir: string, registries: readonly string[]): void {
  const files = insecureRegistryHosts(registries);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const [host, toml] of files) {
    mkdirSync(join(dir, host), { recursive: true });
    writeFileSync(join(dir, host, 'hosts.toml'), toml);
  }
}

/** The mount points in /proc/self/mountinfo (octal escapes decoded), with their file system type. */
export function mountPoints(mountinfo: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    const at = left?.split(' ')[4];
    if (!at || !right) continue;
    out.set(at.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))), right.split(' ')[0] ?? '');
  }
  return out;
}

/**
 * containerd's state dir (task bundles, IO fifos, shim sockets, runc's state, the pods' netns and
 * /dev/shm mounts) lives as long as the containers, not across a reboot: containerd's default is
 * /run/containerd, a tmpfs. kubelite keeps it under the data dir, so it mounts a tmpfs there: every
 * pod start and stop creates and removes dozens of files in it (bundle, fifos, pid files, runc's
 * state.json), which on a disk file system cost inode allocations (on ext4, a scan of recently freed
 * inodes) and journal or writeback work. A state dir already on a tmpfs (our mount of an earlier
 * run, kept for its running containers) is used as it is; one with files in it (a kubelite that
 * kept the state on disk, with containers that may still run from it) is left on disk; and so is
 * everything when we may not mount (not root) or the mount fails.
 */
export function ensureStateTmpfs(dir: string, log: Logger): 'mounted' | 'already' | 'disk' {
  const real = realpathSync(dir);
  let mounts: Map<string, string>;
  try {
    mounts = mountPoints(readFileSync('/proc/self/mountinfo', 'utf8'));
  } catch {
    return 'disk';
  }
  if (mounts.get(real) === 'tmpfs') return 'already';
  if (process.getuid?.() !== 0 || mounts.has(real) || readdirSync(real).length > 0) {
    log.info({ dir }, 'containerd state dir kept on disk');
    return 'disk';
  }
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'mode=0711', 'kubelite-containerd-state', real], { encoding: 'utf8' });
  if (r.status !== 0) {
    log.warn({ dir, err: (r.stderr || r.error?.message || '').trim() }, 'no tmpfs for the containerd state dir: kept on disk');
    return 'disk';
  }
  return 'mounted';
}

/** Pids of the shims serving the containerd on this socket (each is started with -address SOCKET). */
export function shimsOf(socket: string): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (!readFileSync(`/proc/${p}/comm`, 'utf8').startsWith('containerd-shim')) continue;
      const args = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
      const i = args.indexOf('-address');
      if (i >= 0 && args[i + 1] === socket) out.push(Number(p));
    } catch {
      // gone
    }
  }
  return out;
}

/**
 * After containerd stopped: the state tmpfs goes when nothing runs from it any more (no shim of
 * ours alive, no sandbox mount left in it), so a stopped node with no containers leaves no mount
 * behind; with containers still running (an agent restart) it stays for them.
 */
export function releaseStateTmpfs(paths: ContainerdPaths, log: Logger): boolean {
  if (shimsOf(paths.socket).length > 0) return false;
  const r = spawnSync('umount', [paths.state], { encoding: 'utf8' });
  if (r.status !== 0) log.debug({ dir: paths.state, err: (r.stderr || '').trim() }, 'containerd state tmpfs kept');
  return r.status === 0;
}

/** Starts (or connects to) the runtime and imports the images; the signal stops it. */
export async function startRuntime(o: RuntimeOptions, signal: AbortSignal): Promise<Runtime> {
  const paths = containerdPaths(o.dataDir);
  const archives = () => [...(o.imageArchives ?? builtinImageArchives()), ...archivesIn(paths.imagesDir)];
  mkdirSync(paths.imagesDir, { recursive: true });
  mkdirSync(paths.cniConfDir, { recursive: true });
  mkdirSync(paths.cniHostPortConfDir, { recursive: true });

  if (o.endpoint) {
    const { CriClient } = await import('./client.js');
    const client = await CriClient.connect(o.endpoint, { timeoutMs: o.startTimeoutMs ?? 10_000, signal });
    signal.addEventListener('abort', () => client.close(), { once: true });
    const imported = importImages(client, archives(), { address: o.endpoint.replace(/^unix:\/\//, ''), ctrBin: o.ctrBin, signal, log: o.log }).then(() => undefined);
    if (o.importInBackground) imported.catch(() => undefined); // whoever awaits it sees the error
    else await imported;
    return { endpoint: o.endpoint, client, managed: false, paths, pid: () => undefined, restarts: () => 0, done: new Promise((r) => signal.addEventListener('abort', () => r(undefined), { once: true })), imported, sandboxImported: imported };
  }

  const missing = missingRuntimeTools(o);
  if (missing.length) throw new RuntimeMissingError(missing);
  checkSocketPath(paths.socket);
  // a root made now holds no images: they are imported as soon as containerd listens (below)
  const freshRoot = !existsSync(paths.root) || readdirSync(paths.root).length === 0;
  for (const d of [paths.root, paths.state]) mkdirSync(d, { recursive: true });
  await stopLeftover(paths, o.log, signal);
  const stateOnTmpfs = ensureStateTmpfs(paths.state, o.log) !== 'disk';
  const streamPort = o.streamPort || (await freePort());
  const sandboxImage = o.sandboxImage ?? DEFAULT_SANDBOX_IMAGE;
  writeFileSync(paths.config, containerdConfig({ paths, sandboxImage, streamPort, cniBinDir: o.cniBinDir }));
  // the sandbox image's archive first: the first sandbox waits for it only (sandboxImported)
  const ordered = () => withImageFirst(archives(), sandboxImage);
  let sandboxIn = () => undefined as void;
  const sandboxArchiveDone = new Promise<void>((r) => (sandboxIn = r));
  const onDone = (file: string) => {
    if (archiveHolds(file, sandboxImage)) sandboxIn();
  };
  writeRegistryHosts(paths.registryHostsDir, o.insecureRegistries ?? []);

  let restarts = 0;
  let cgroupName = o.runtimeCgroup ?? DEFAULT_RUNTIME_CGROUP;
  let placed = false;
  const spawnContainerd = (): ChildProcess => {
    rmSync(paths.socket, { force: true });
    const logFd = openSync(paths.log, 'a');
    try {
      const c = spawn(o.containerdBin ?? 'containerd', ['--config', paths.config], { stdio: ['ignore', logFd, logFd] });
      if (c.pid) {
        writeFileSync(join(paths.base, 'containerd.pid'), String(c.pid));
        // before containerd has started anything: what it spawns is born in the same cgroup
        if (cgroupName) {
          try {
            const dir = placeRuntime(c.pid, cgroupName);
            if (dir && !placed) o.log.info({ cgroup: dir }, 'containerd runs in a cpu cgroup of its own');
            placed = true;
          } catch (err) {
            o.log.warn({ err: (err as Error).message }, 'containerd stays in our cpu cgroup');
            cgroupName = '';
          }
        }
      }
      return c;
    } finally {
      closeSync(logFd);
    }
  };
  const logTail = () => (existsSync(paths.log) ? readFileSync(paths.log, 'utf8').split('\n').slice(-15).join('\n') : '');

  let child: ChildProcess = spawnContainerd();
  // A fresh root has no images, so there is nothing to compare: `ctr images import` starts as
  // soon as containerd's socket appears, not after the CRI client below is loaded and answered
  // (~0.4 s on a cold start, when that client's loading competes with the rest of the process).
  const earlyImport = freshRoot ? importWhenListening(paths.socket, ordered(), { address: paths.socket, ctrBin: o.ctrBin, signal, log: o.log, onDone }, o.startTimeoutMs ?? 20_000) : undefined;
  earlyImport?.catch(() => undefined); // a failure falls back to the import below
  // the gRPC client (grpc-js, protobufjs: ~0.2 s to load and build) is loaded while containerd boots
  const { CriClient } = await import('./client.js');
  const startTimeoutMs = o.startTimeoutMs ?? 20_000;
  const first = child;
  const exited = waitExit(first).then((e) => {
    throw new RuntimeStartError(`containerd exited during start (${e.code ?? e.signal}); last log lines:\n${logTail()}`);
  });
  let client: CriClient;
  try {
    client = await Promise.race([CriClient.connect(paths.socket, { timeoutMs: startTimeoutMs, signal }), exited]);
  } catch (err) {
    first.kill('SIGKILL');
    throw err instanceof RuntimeStartError ? err : new RuntimeStartError(`containerd did not answer CRI Version on ${paths.socket} within ${startTimeoutMs} ms: ${(err as Error).message}\n${logTail()}`);
  }
  exited.catch(() => undefined);
  o.log.info({ socket: paths.socket, pid: first.pid, streamPort }, 'containerd is ready');

  // supervise: restart with back-off until the signal fires
  const supervise = async (): Promise<ExitInfo | undefined> => {
    let backoffMs = 500;
    let last: ExitInfo | undefined;
    for (;;) {
      const startedAt = Date.now();
      const current: ChildProcess = child;
      let killTimer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        current.kill('SIGTERM');
        killTimer = setTimeout(() => current.kill('SIGKILL'), o.stopTimeoutMs ?? 10_000);
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      last = await waitExit(current);
      signal.removeEventListener('abort', onAbort);
      clearTimeout(killTimer);
      if (signal.aborted) {
        rmSync(join(paths.base, 'containerd.pid'), { force: true });
        if (stateOnTmpfs) releaseStateTmpfs(paths, o.log);
        o.log.info({ code: last.code, signal: last.signal }, 'containerd stopped');
        return last;
      }
      if (Date.now() - startedAt > 60_000) backoffMs = 500;
      o.log.warn({ code: last.code, signal: last.signal, restartInMs: backoffMs }, 'containerd exited; restarting');
      await sleep(backoffMs, signal);
      backoffMs = Math.min(backoffMs * 2, 30_000);
      if (signal.aborted) return last;
      child = spawnContainerd();
      restarts++;
    }
  };
  const done = supervise();
  signal.addEventListener('abort', () => client.close(), { once: true });

  const importOpts = { address: paths.socket, ctrBin: o.ctrBin, signal, log: o.log, onDone };
  // the early import failed (containerd not serving yet, say): again, skipping what it did import
  const imported = (earlyImport ? earlyImport.catch(() => importImages(client, ordered(), importOpts)) : importImages(client, ordered(), importOpts)).then(() => undefined);
  const sandboxImported = Promise.race([sandboxArchiveDone, imported]);
  if (o.importInBackground) {
    imported.catch(() => undefined); // whoever awaits it sees the error
    sandboxImported.catch(() => undefined);
  } else await imported;
  return { endpoint: paths.socket, client, managed: true, paths, streamPort, pid: () => child.pid, restarts: () => restarts, done, imported, sandboxImported };
}
