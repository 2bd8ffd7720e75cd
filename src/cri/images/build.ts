// Builds kubelite's images offline from Debian's static busybox (package busybox-static):
//   kubelite.local/pause:3.10    the sandbox image: a shell that sleeps until SIGTERM/SIGINT
//   kubelite.local/busybox:1.36  the test image: busybox with every applet, default cmd `sh`
// Both share one layer (one blob, one snapshot). Run as a script:
//   node dist/src/cri/images/build.js [OUT_DIR]   (default build/images)
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, renameSync, existsSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTar, type TarEntry } from './tar.js';
import { buildOciArchive } from './oci.js';

export const PAUSE_IMAGE = 'kubelite.local/pause:3.10';
export const BUSYBOX_IMAGE = 'kubelite.local/busybox:1.36';
export const DEFAULT_BUSYBOX = '/bin/busybox';
const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Where the package's own image archives live (build/images under the package root). */
export function defaultImagesDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'build', 'images');
}

export class BusyboxMissingError extends Error {
  constructor(path: string) {
    super(`${path} not found: install Debian's busybox-static (apt-get install -y busybox-static)`);
  }
}

/** True for an ELF executable without a PT_INTERP header (no dynamic loader needed). */
export function isStaticElf(bin: Buffer): boolean {
  if (bin.length < 64 || bin.readUInt32BE(0) !== 0x7f454c46) return false;
  const is64 = bin[4] === 2;
  const le = bin[5] === 1;
  const u16 = (o: number) => (le ? bin.readUInt16LE(o) : bin.readUInt16BE(o));
  const u32 = (o: number) => (le ? bin.readUInt32LE(o) : bin.readUInt32BE(o));
  const phoff = is64 ? Number(le ? bin.readBigUInt64LE(32) : bin.readBigUInt64BE(32)) : u32(28);
  const phentsize = u16(is64 ? 54 : 42);
  const phnum = u16(is64 ? 56 : 44);
  for (let i = 0; i < phnum; i++) if (u32(phoff + i * phentsize) === 3 /* PT_INTERP */) return false;
  return true;
}

/** Applet paths relative to /, e.g. "bin/sh", "usr/bin/wget" (busybox --list-full). */
export function busyboxApplets(busybox: string): string[] {
  const out = execFileSync(busybox, ['--list-full'], { encoding: 'utf8' });
  return out.split('\n').map((l) => l.trim().replace(/^\/+/, '')).filter((l) => l && l !== 'bin/busybox');
}

/**
 * Directories where every pod container gets a mount (the service account token): present in
 * the image, runc need not create them in the container's overlay upper layer (a copy-up of each
 * parent directory per container start).
 */
const MOUNT_DIRS = ['var/run', 'var/run/secrets', 'var/run/secrets/kubernetes.io', 'var/run/secrets/kubernetes.io/serviceaccount'];
/** Files every pod container gets bind-mounted over (the kubelet's hosts, hostname, resolv.conf): likewise. */
const MOUNT_FILES = ['etc/hostname', 'etc/hosts', 'etc/resolv.conf'];

/** The root filesystem tar: directories, /bin/busybox, applet symlinks, passwd and group, mount targets. */
export function busyboxLayer(binary: Buffer, applets: readonly string[]): Buffer {
  const dirs = ['bin', 'dev', 'etc', 'home', 'proc', 'root', 'sbin', 'sys', 'tmp', 'usr', 'usr/bin', 'usr/sbin', 'var', 'var/www', ...MOUNT_DIRS];
  const modes: Record<string, number> = { tmp: 0o1777, root: 0o700 };
  const entries: TarEntry[] = dirs.map((d) => ({ type: 'dir', path: d, mode: modes[d] ?? 0o755 }));
  entries.push({ type: 'file', path: 'bin/busybox', data: binary, mode: 0o755 });
  const seen = new Set(['bin/busybox']);
  for (const applet of [...applets].sort()) {
    if (seen.has(applet)) continue;
    seen.add(applet);
    entries.push({ type: 'symlink', path: applet, target: '/bin/busybox' });
  }
  entries.push(
    { type: 'file', path: 'etc/passwd', data: Buffer.from('root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n') },
    { type: 'file', path: 'etc/group', data: Buffer.from('root:x:0:\nnobody:x:65534:\n') },
    ...MOUNT_FILES.map((path): TarEntry => ({ type: 'file', path, data: Buffer.alloc(0) })),
  );
  return createTar(entries);
}

/** pause: PID 1 must end on SIGTERM (a plain `sleep` as PID 1 ignores it). */
export const PAUSE_ENTRYPOINT = ['/bin/sh', '-c', "trap 'exit 0' TERM INT; sleep 2147483647 & wait"];

export interface BuiltArchives {
  pause: string;
  busybox: string;
}

/** Writes pause.tar and busybox.tar into outDir (atomically) and returns their paths. */
export function buildImages(outDir: string, busybox = DEFAULT_BUSYBOX): BuiltArchives {
  if (!existsSync(busybox)) throw new BusyboxMissingError(busybox);
  const binary = readFileSync(busybox);
  if (!isStaticElf(binary)) throw new BusyboxMissingError(`a statically linked ${busybox}`);
  const layer = busyboxLayer(binary, busyboxApplets(busybox));
  mkdirSync(outDir, { recursive: true });
  const write = (file: string, archive: Buffer): string => {
    const path = join(outDir, file);
    writeFileSync(`${path}.tmp`, archive);
    renameSync(`${path}.tmp`, path);
    return path;
  };
  const pause = buildOciArchive({ name: PAUSE_IMAGE, layers: [layer], config: { Entrypoint: PAUSE_ENTRYPOINT, Env: [PATH_ENV], WorkingDir: '/' } });
  const bb = buildOciArchive({ name: BUSYBOX_IMAGE, layers: [layer], config: { Cmd: ['sh'], Env: [PATH_ENV], WorkingDir: '/' } });
  return { pause: write('pause.tar', pause.archive), busybox: write('busybox.tar', bb.archive) };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const out = buildImages(resolve(process.argv[2] ?? defaultImagesDir()));
    process.stdout.write(`built ${out.pause}\nbuilt ${out.busybox}\n`);
  } catch (err) {
    process.stderr.write(`build-images: ${(err as Error).message}\n`);
    process.exit(1);
  }
}
