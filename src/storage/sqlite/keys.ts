// Key-range helpers. SQLite compares TEXT with memcmp on UTF-8, i.e. code point order,
// so a prefix range is [prefix, prefixEnd) where prefixEnd bumps the last code point.

/** Smallest string greater than every string starting with `prefix`; undefined if none exists. */
export function prefixEnd(prefix: string): string | undefined {
  const cps = Array.from(prefix);
  for (let i = cps.length - 1; i >= 0; i--) {
    const cp = cps[i]!.codePointAt(0)!;
    if (cp >= 0x10ffff) continue;
    const next = cp + 1 === 0xd800 ? 0xe000 : cp + 1; // skip the surrogate block
    return cps.slice(0, i).join('') + String.fromCodePoint(next);
  }
  return undefined;
}

/**
 * Upper bound to bind for `key < ?`. With no finite bound we bind an empty BLOB:
 * in SQLite every TEXT value sorts before every BLOB, so the comparison is always true
 * and the planner still sees a plain range.
 */
export function upperBound(prefix: string): string | Buffer {
  return prefixEnd(prefix) ?? EMPTY_BLOB;
}

const EMPTY_BLOB = Buffer.alloc(0);

/** A Buffer view over (or the same) bytes, as better-sqlite3 binds BLOBs from Buffers. */
export function toBuffer(v: Uint8Array): Buffer {
  return Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/**
 * Compare keys the way SQLite orders TEXT (UTF-8 bytes, i.e. code points), which differs
 * from JS's UTF-16 order only between surrogate pairs and U+E000..U+FFFF.
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}
