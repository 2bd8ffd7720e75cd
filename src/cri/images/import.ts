// Importing OCI/docker image archives into containerd's k8s.io namespace (where CRI looks),
// with `ctr images import`. Archives whose named images CRI already has (same image id) are
// skipped, so the import at every agent start costs almost nothing.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../util/logger.js';
import type { CriClient } from '../client.js';
import { readOciArchiveImages } from './oci.js';
import { defaultImagesDir } from './build.js';

export const CRI_NAMESPACE = 'k8s.io';

export class ImageImportError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`importing ${file}: ${message}`);
  }
}

/** The *.tar files of a folder, sorted; none if it does not exist. */
export function archivesIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.tar'))
    .sort()
    .map((f) => join(dir, f));
}

/** The package's own images (build/images/*.tar: pause and busybox). */
export function builtinImageArchives(): string[] {
  return archivesIn(defaultImagesDir());
}

/** True when every named image of the archive is present in the runtime with the same id. */
export async function archiveAlreadyImported(client: CriClient, file: string, signal?: AbortSignal): Promise<boolean> {
  let images;
  try {
    images = readOciArchiveImages(file);
  } catch {
    return false; // not a plain tar we can read: let ctr decide
  }
  if (images.length === 0) return false;
  for (const img of images) {
    const have = await client.imageStatus({ image: img.name }, { signal, timeoutMs: 10_000 });
    if (!have || have.id !== img.configDigest) return false;
  }
  return true;
}

export interface ImportOptions {
  /** containerd's API socket (the same socket as its CRI endpoint) */
  address: string;
  ctrBin?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** called as each archive is done (imported or found present), in order */
  onDone?: (file: string) => void;
}

/** True when the archive names the image (an archive we cannot read: false). */
export function archiveHolds(file: string, image: string): boolean {
  try {
    return readOciArchiveImages(file).some((i) => i.name === image);
  } catch {
    return false;
  }
}

/** The files in the same order, those holding the named image first (stable otherwise). */
export function withImageFirst(files: readonly string[], image: string): string[] {
  const first = files.filter((f) => archiveHolds(f, image));
  return [...first, ...files.filter((f) => !first.includes(f))];
}

/** `ctr --address SOCK -n k8s.io images import FILE`; resolves with ctr's output. */
export function ctrImport(file: string, o: ImportOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    if (o.signal?.aborted) return reject(new ImageImportError(file, 'aborted'));
    const args = ['--address', o.address, '--namespace', CRI_NAMESPACE, 'images', 'import', file];
    const child = spawn(o.ctrBin ?? 'ctr', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const kill = () => child.kill('SIGKILL');
    const timer = setTimeout(kill, o.timeoutMs ?? 5 * 60_000);
    o.signal?.addEventListener('abort', kill, { once: true });
    child.once('error', (err) => {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', kill);
      reject(new ImageImportError(file, err.message));
    });
    child.once('close', (code, sig) => {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', kill);
      if (code === 0) resolve(out);
      else reject(new ImageImportError(file, `ctr exited with ${code ?? sig}: ${out.trim()}`));
    });
  });
}

export interface ImportResult {
  file: string;
  skipped: boolean;
}

/**
 * Imports each archive unless the runtime already has its images. Without a client (a runtime
 * whose root was just created: it has no images) every archive is imported, unchecked.
 */
export async function importImages(client: CriClient | undefined, files: readonly string[], o: ImportOptions & { log?: Logger }): Promise<ImportResult[]> {
  const results: ImportResult[] = [];
  for (const file of files) {
    if (!existsSync(file)) throw new ImageImportError(file, 'no such file');
    if (client && (await archiveAlreadyImported(client, file, o.signal))) {
      o.log?.debug({ file }, 'image archive already imported');
      results.push({ file, skipped: true });
      o.onDone?.(file);
      continue;
    }
    const t0 = Date.now();
    await ctrImport(file, o);
    o.log?.info({ file, ms: Date.now() - t0 }, 'imported image archive');
    results.push({ file, skipped: false });
    o.onDone?.(file);
  }
  return results;
}
