// Volume manager: makes each volume of a pod available as a host directory (or file) that the
// container config bind-mounts. Re-run on every sync: idempotent, and ConfigMap/Secret edits reach
// the files through the atomic writer. Layout under the pod dir:
//   <podDir>/_volumes/<plugin>/<volume name>     ("_" cannot start a container name: no clash with logs)
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseQuantity, quantityValue } from '../../api/quantity.js';
import type { Logger } from '../../util/logger.js';
import type { Pod, VolumeSpec } from '../types.js';
import { writeAtomic } from './atomic.js';
import { volumePayload, VolumeError, type PayloadContext } from './sources.js';

export { VolumeError } from './sources.js';

const run = promisify(execFile);

export interface MountedVolume {
  hostPath: string;
  /** the volume itself is read-only (a read-only claim) */
  readOnly: boolean;
}

export function volumesDir(podDir: string): string {
  return join(podDir, '_volumes');
}

/**
 * The host's mount points, from /proc/mounts, read at most once per freshMs: the pods of a
 * deleted Deployment are torn down together and share a read (with a hundred pods on the node the
 * file has hundreds of lines, and each read cost the agent ~1.5 ms of CPU per pod). The only
 * mounts under pod directories are the kubelet's own (tmpfs emptyDirs), and each of its mounts
 * and unmounts drops the list read before it (changed()), so the list never misses one of them.
 */
export class MountTable {
  private cached: { at: number; mounts: string[] } | undefined;
  /** reads of the mount table so far (for tests) */
  reads = 0;

  constructor(
    private readonly read: () => string = () => readFileSync('/proc/mounts', 'utf8'),
    private readonly now: () => number = () => performance.now(),
    private readonly freshMs = 500,
  ) {}

  /** The mount points at dir or below it, the deepest first. */
  under(dir: string): string[] {
    return this.all()
      .filter((m) => m === dir || m.startsWith(`${dir}/`))
      .sort((a, b) => b.length - a.length);
  }

  /** Something was mounted or unmounted: the next question reads the table again. */
  changed(): void {
    this.cached = undefined;
  }

  private all(): string[] {
    const t = this.now();
    if (this.cached && t - this.cached.at < this.freshMs) return this.cached.mounts;
    let text = '';
    try {
      this.reads++;
      text = this.read();
    } catch {
      return [];
    }
    const mounts = text.split('\n').map((l) => l.split(' ')[1]?.replace(/\\040/g, ' ') ?? '').filter(Boolean);
    this.cached = { at: t, mounts };
    return mounts;
  }
}

const mountTable = new MountTable();

async function emptyDir(dir: string, v: NonNullable<VolumeSpec['emptyDir']>, log: Logger): Promise<void> {
  mkdirSync(dir, { recursive: true, mode: 0o777 });
  if (v.medium !== 'Memory' || mountTable.under(dir).includes(dir)) return;
  const size = v.sizeLimit !== undefined ? `,size=${quantityValue(parseQuantity(v.sizeLimit))}` : '';
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `mode=0777${size}`, 'tmpfs', dir]);
  } catch (err) {
    log.warn({ dir, err: (err as Error).message }, 'emptyDir medium Memory: tmpfs mount failed; using a directory');
  } finally {
    mountTable.changed();
  }
}

function hostPath(v: NonNullable<VolumeSpec['hostPath']>): void {
  const type = v.type ?? '';
  const st = existsSync(v.path) ? statSync(v.path) : undefined;
  switch (type) {
    case 'DirectoryOrCreate':
      if (!st) mkdirSync(v.path, { recursive: true, mode: 0o755 });
      else if (!st.isDirectory()) throw new VolumeError(`hostPath type check failed: ${v.path} is not a directory`);
      return;
    case 'FileOrCreate':
      if (!st) writeFileSync(v.path, '', { mode: 0o644 });
      else if (!st.isFile()) throw new VolumeError(`hostPath type check failed: ${v.path} is not a file`);
      return;
    case 'Directory':
      if (!st?.isDirectory()) throw new VolumeError(`hostPath type check failed: ${v.path} is not a directory`);
      return;
    case 'File':
      if (!st?.isFile()) throw new VolumeError(`hostPath type check failed: ${v.path} is not a file`);
      return;
    case 'Socket':
      if (!st?.isSocket()) throw new VolumeError(`hostPath type check failed: ${v.path} is not a socket file`);
      return;
    case 'CharDevice':
      if (!st?.isCharacterDevice()) throw new VolumeError(`hostPath type check failed: ${v.path} is not a character device`);
      return;
    case 'BlockDevice':
      if (!st?.isBlockDevice()) throw new VolumeError(`hostPath type check failed: ${v.path} is not a block device`);
      return;
  }
}

export interface VolumeContext extends Omit<PayloadContext, 'pod'> {
  podDir: string;
  log: Logger;
  /** directory-name stamp for atomic writes */
  stamp: string;
}

/** Sets up every volume of the pod; throws VolumeError (or API errors) when one cannot be. */
export async function setUpVolumes(pod: Pod, ctx: VolumeContext): Promise<Map<string, MountedVolume>> {
  const out = new Map<string, MountedVolume>();
  const base = volumesDir(ctx.podDir);
  for (const v of pod.spec.volumes ?? []) {
    if (v.emptyDir) {
      const dir = join(base, 'empty-dir', v.name);
      await emptyDir(dir, v.emptyDir, ctx.log);
      out.set(v.name, { hostPath: dir, readOnly: false });
    } else if (v.hostPath) {
      hostPath(v.hostPath);
      out.set(v.name, { hostPath: v.hostPath.path, readOnly: false });
    } else if (v.persistentVolumeClaim) {
      out.set(v.name, await claimPath(pod, v.persistentVolumeClaim, ctx));
    } else {
      const payload = await volumePayload(v, { ...ctx, pod });
      if (!payload) throw new VolumeError(`volume ${v.name}: unsupported volume type`);
      const plugin = v.configMap ? 'configmap' : v.secret ? 'secret' : v.downwardAPI ? 'downward-api' : 'projected';
      const dir = join(base, plugin, v.name);
      writeAtomic(dir, payload, ctx.stamp);
      out.set(v.name, { hostPath: dir, readOnly: true });
    }
  }
  return out;
}

async function claimPath(pod: Pod, src: NonNullable<VolumeSpec['persistentVolumeClaim']>, ctx: VolumeContext): Promise<MountedVolume> {
  const pvc = await ctx.objects.get('persistentvolumeclaims', pod.metadata.namespace ?? 'default', src.claimName);
  if (!pvc) throw new VolumeError(`persistentvolumeclaim "${src.claimName}" not found`);
  const pvName: unknown = pvc.spec?.volumeName;
  if (typeof pvName !== 'string' || pvName === '') throw new VolumeError(`persistentvolumeclaim "${src.claimName}" is not bound`);
  const pv = await ctx.objects.getCluster('persistentvolumes', pvName);
  if (!pv) throw new VolumeError(`persistentvolume "${pvName}" not found`);
  const path: unknown = pv.spec?.hostPath?.path ?? pv.spec?.local?.path;
  if (typeof path !== 'string' || path === '') throw new VolumeError(`persistentvolume "${pvName}" is neither hostPath nor local: not supported by kubelite`);
  if (!existsSync(path)) mkdirSync(path, { recursive: true, mode: 0o777 });
  return { hostPath: path, readOnly: src.readOnly === true };
}

/** Unmounts what the kubelet mounted under the pod dir (tmpfs emptyDirs) and removes the dir. */
export async function tearDownPodDir(podDir: string, log: Logger): Promise<void> {
  for (const m of mountTable.under(podDir)) {
    try {
      await run('umount', [m]);
    } catch (err) {
      log.warn({ mount: m, err: (err as Error).message }, 'umount failed');
      return; // never rm -rf through a mount
    } finally {
      mountTable.changed();
    }
  }
  rmSync(podDir, { recursive: true, force: true });
}
