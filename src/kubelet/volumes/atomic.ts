// The kubelet's AtomicWriter: a volume's files live in a timestamped directory, "..data" is a
// symlink to it and every top-level name is a symlink through "..data". An update writes a new
// directory and renames a new "..data" over the old one, so a reader inside the container sees
// either all old or all new files, never a mix. (Containers see edits because they mount the
// volume directory, not the files.)
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname, join, normalize, isAbsolute } from 'node:path';

export interface FileProjection {
  data: Buffer;
  /** file mode; 0o644 unless the volume or item says otherwise */
  mode: number;
}

export type Payload = Map<string, FileProjection>;

const DATA = '..data';
const DATA_TMP = '..data_tmp';

/** Rejects absolute paths and paths that leave the volume (as validatePath in the kubelet). */
export function checkPayloadPath(p: string): void {
  if (p === '' || isAbsolute(p) || normalize(p).split('/').includes('..') || p.startsWith('..')) throw new Error(`invalid path ${JSON.stringify(p)} in volume payload`);
}

function currentPayloadEquals(dir: string, payload: Payload): boolean {
  const dataDir = join(dir, DATA);
  if (!existsSync(dataDir)) return false;
  const seen = new Set<string>();
  const walk = (rel: string): boolean => {
    for (const e of readdirSync(join(dataDir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!walk(r)) return false;
        continue;
      }
      const want = payload.get(r);
      if (!want) return false;
      const full = join(dataDir, r);
      if ((statSync(full).mode & 0o7777) !== want.mode || !readFileSync(full).equals(want.data)) return false;
      seen.add(r);
    }
    return true;
  };
  return walk('') && seen.size === payload.size;
}

/** Writes payload into dir atomically; returns false when the files were already up to date. */
export function writeAtomic(dir: string, payload: Payload, stamp: string): boolean {
  for (const p of payload.keys()) checkPayloadPath(p);
  mkdirSync(dir, { recursive: true });
  if (currentPayloadEquals(dir, payload)) return false;
  const oldTarget = existsSync(join(dir, DATA)) ? readlinkSync(join(dir, DATA)) : undefined;
  const tsDir = mkdtempSync(join(dir, `..${stamp}.`));
  chmodSync(tsDir, 0o755);
  for (const [rel, f] of payload) {
    const full = join(tsDir, rel);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, f.data, { mode: f.mode });
    chmodSync(full, f.mode);
  }
  const tsName = tsDir.slice(dir.length + 1);
  rmSync(join(dir, DATA_TMP), { force: true });
  symlinkSync(tsName, join(dir, DATA_TMP));
  renameSync(join(dir, DATA_TMP), join(dir, DATA));
  // user-visible names: one symlink per top-level entry
  const top = new Set([...payload.keys()].map((p) => p.split('/')[0]!));
  for (const name of top) {
    const link = join(dir, name);
    let exists = false;
    try {
      exists = lstatSync(link).isSymbolicLink();
    } catch {
      exists = false;
    }
    if (!exists) symlinkSync(join(DATA, name), link);
  }
  for (const e of readdirSync(dir)) {
    if (e.startsWith('..') || top.has(e)) continue;
    unlinkSync(join(dir, e));
  }
  if (oldTarget && oldTarget !== tsName) rmSync(join(dir, oldTarget), { recursive: true, force: true });
  return true;
}
