// Reading a key range as of an older revision R without a (key, revision) index:
// a key's state at R is either its current row (if last written at or before R), or,
// when it was written after R, the row its first later write replaced (prev_revision;
// 0 means the key did not exist at R). That row is never compacted while R is readable:
// it is only superseded by a row above R, and compaction only drops rows superseded at
// or below the compacted revision. Cost: one scan of the log rows written after R.
import { compareKeys } from './keys.js';
import type { KvRow, Statements } from './schema.js';

export interface KeyRange {
  lower: string;
  /** 0: key >= lower, 1: key > lower */
  lowerOp: 0 | 1;
  upper: string | Buffer;
}

export function listAtRevision(
  st: Statements,
  range: KeyRange,
  revision: number,
  limit: number,
): { rows: KvRow[]; remaining: number } {
  const { lower, lowerOp, upper } = range;
  const rewritten = rewrittenSince(st, range, revision);
  rewritten.sort((a, b) => compareKeys(a.key, b.key));

  const untouched = st.listCurrentUpTo[lowerOp].all(lower, upper, revision, limit);
  const rows: KvRow[] = [];
  let i = 0;
  let j = 0;
  while ((limit < 0 || rows.length < limit) && (i < untouched.length || j < rewritten.length)) {
    const a = untouched[i];
    const b = rewritten[j];
    if (a && (!b || compareKeys(a.key, b.key) < 0)) {
      rows.push(a);
      i++;
      continue;
    }
    const row = st.logRow.get(b!.rev);
    if (!row) throw new Error(`sqlite store: history row ${b!.rev} of ${b!.key} is missing`);
    rows.push(row);
    j++;
  }
  const total = st.countCurrentUpTo[lowerOp].get(lower, upper, revision)! + rewritten.length;
  return { rows, remaining: total - rows.length };
}

/** How many keys of the range existed at the revision. */
export function countAtRevision(st: Statements, range: KeyRange, revision: number): number {
  return st.countCurrentUpTo[range.lowerOp].get(range.lower, range.upper, revision)! + rewrittenSince(st, range, revision).length;
}

/** Keys of the range written after the revision that existed at it, with their row as of then. */
function rewrittenSince(st: Statements, range: KeyRange, revision: number): { key: string; rev: number }[] {
  const prevOf = new Map<string, number>();
  for (const ch of st.changedSince[range.lowerOp].all(revision, range.lower, range.upper)) {
    if (!prevOf.has(ch.key)) prevOf.set(ch.key, ch.prev_revision);
  }
  const rewritten: { key: string; rev: number }[] = [];
  for (const [key, rev] of prevOf) if (rev > 0) rewritten.push({ key, rev });
  return rewritten;
}
