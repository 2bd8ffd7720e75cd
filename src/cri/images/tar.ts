// A small, deterministic ustar writer and a header-only reader (enough for OCI archives).
import { openSync, readSync, closeSync } from 'node:fs';

export type TarEntry =
  | { type: 'file'; path: string; data: Buffer; mode?: number }
  | { type: 'dir'; path: string; mode?: number }
  | { type: 'symlink'; path: string; target: string }
  | { type: 'hardlink'; path: string; target: string };

const BLOCK = 512;
const TYPEFLAG = { file: '0', hardlink: '1', symlink: '2', dir: '5' } as const;

function writeString(buf: Buffer, s: string, offset: number, length: number): void {
  const b = Buffer.from(s, 'utf8');
  if (b.length > length) throw new Error(`tar: "${s}" is longer than ${length} bytes`);
  b.copy(buf, offset);
}

function writeOctal(buf: Buffer, n: number, offset: number, length: number): void {
  // length-1 octal digits, zero padded, then NUL
  const s = n.toString(8).padStart(length - 1, '0');
  if (s.length > length - 1) throw new Error(`tar: ${n} does not fit in ${length} bytes`);
  writeString(buf, s + '\0', offset, length);
}

/** Splits a long path into ustar's prefix (155) and name (100) at a slash. */
function splitPath(path: string): { prefix: string; name: string } {
  if (Buffer.byteLength(path) <= 100) return { prefix: '', name: path };
  for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name) return { prefix, name };
  }
  throw new Error(`tar: path too long for ustar: ${path}`);
}

export function tarHeader(e: TarEntry, mtime = 0): Buffer {
  const h = Buffer.alloc(BLOCK);
  const path = e.type === 'dir' && !e.path.endsWith('/') ? `${e.path}/` : e.path;
  const { prefix, name } = splitPath(path);
  const mode = e.type === 'symlink' ? 0o777 : e.type === 'hardlink' ? 0o755 : (e.mode ?? (e.type === 'dir' ? 0o755 : 0o644));
  writeString(h, name, 0, 100);
  writeOctal(h, mode, 100, 8);
  writeOctal(h, 0, 108, 8); // uid
  writeOctal(h, 0, 116, 8); // gid
  writeOctal(h, e.type === 'file' ? e.data.length : 0, 124, 12);
  writeOctal(h, mtime, 136, 12);
  h.fill(0x20, 148, 156); // checksum counts as spaces while summing
  writeString(h, TYPEFLAG[e.type], 156, 1);
  if (e.type === 'symlink' || e.type === 'hardlink') writeString(h, e.target, 157, 100);
  writeString(h, 'ustar\0', 257, 6);
  writeString(h, '00', 263, 2);
  writeString(h, 'root', 265, 32);
  writeString(h, 'root', 297, 32);
  writeString(h, prefix, 345, 155);
  let sum = 0;
  for (const byte of h) sum += byte;
  writeString(h, sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
  return h;
}

/** The whole archive in memory: entries in the given order, fixed owner root:root and mtime. */
export function createTar(entries: readonly TarEntry[], mtime = 0): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    parts.push(tarHeader(e, mtime));
    if (e.type === 'file') {
      parts.push(e.data);
      const pad = (BLOCK - (e.data.length % BLOCK)) % BLOCK;
      if (pad) parts.push(Buffer.alloc(pad));
    }
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

export interface TarMember {
  path: string;
  type: string;
  size: number;
  /** byte offset of the contents in the archive */
  offset: number;
}

function readString(buf: Buffer, offset: number, length: number): string {
  const raw = buf.subarray(offset, offset + length);
  const nul = raw.indexOf(0);
  return raw.subarray(0, nul === -1 ? raw.length : nul).toString('utf8');
}

function parseOctal(buf: Buffer, offset: number, length: number): number {
  const s = readString(buf, offset, length).trim();
  return s ? parseInt(s, 8) : 0;
}

/** Lists an uncompressed tar file's members by reading only its headers. */
export function listTar(file: string): TarMember[] {
  const fd = openSync(file, 'r');
  try {
    const members: TarMember[] = [];
    const h = Buffer.alloc(BLOCK);
    let pos = 0;
    let longName: string | undefined;
    for (;;) {
      if (readSync(fd, h, 0, BLOCK, pos) < BLOCK) break;
      if (h.every((b) => b === 0)) break;
      const size = parseOctal(h, 124, 12);
      const type = readString(h, 156, 1) || '0';
      const prefix = readString(h, 257, 6).startsWith('ustar') ? readString(h, 345, 155) : '';
      const name = readString(h, 0, 100);
      const offset = pos + BLOCK;
      if (type === 'L') {
        const b = Buffer.alloc(size);
        readSync(fd, b, 0, size, offset);
        longName = readString(b, 0, size);
      } else if (type !== 'x' && type !== 'g') {
        const path = longName ?? (prefix ? `${prefix}/${name}` : name);
        members.push({ path: path.replace(/^\.\//, ''), type, size, offset });
        longName = undefined;
      }
      pos = offset + Math.ceil(size / BLOCK) * BLOCK;
    }
    return members;
  } finally {
    closeSync(fd);
  }
}

/** Reads one member's contents. */
export function readTarMember(file: string, m: TarMember): Buffer {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(m.size);
    readSync(fd, b, 0, m.size, m.offset);
    return b;
  } finally {
    closeSync(fd);
  }
}
