// Completion indexes of Indexed Jobs: the index a pod carries, ordered interval sets of
// succeeded indexes and their status.completedIndexes spelling ("1,3-5,7"), which pending
// indexes to start next, and which pods repeat an index (upstream indexed_job_utils).
import type { KubeObject } from '../../api/types.js';

export const COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';
export const COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';
export const UNKNOWN_INDEX = -1;

export function isIndexedJob(job: KubeObject): boolean {
  return job.spec?.completionMode === 'Indexed';
}

/** The pod's completion index from its annotation, or UNKNOWN_INDEX. */
export function completionIndex(pod: KubeObject): number {
  const v = pod.metadata.annotations?.[COMPLETION_INDEX];
  if (v === undefined || !/^[+-]?\d+$/.test(v)) return UNKNOWN_INDEX;
  const i = Number.parseInt(v, 10);
  return i < 0 ? UNKNOWN_INDEX : i;
}

export interface Interval {
  first: number;
  last: number;
}

/** Two ordered interval lists merged into one. */
export function mergeIntervals(a: Interval[], b: Interval[]): Interval[] {
  const out: Interval[] = [];
  const push = (iv: Interval) => {
    const last = out[out.length - 1];
    if (!last || iv.first > last.last + 1) out.push({ ...iv });
    else if (last.last < iv.last) last.last = iv.last;
  };
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) push(a[i]!.first < b[j]!.first ? a[i++]! : b[j++]!);
  for (; i < a.length; i++) push(a[i]!);
  for (; j < b.length; j++) push(b[j]!);
  return out;
}

/** Intervals merged with new indexes given in increasing order. */
export function withIndexes(intervals: Interval[], added: number[]): Interval[] {
  return mergeIntervals(
    intervals,
    added.map((i) => ({ first: i, last: i })),
  );
}

export function total(intervals: Interval[]): number {
  return intervals.reduce((n, iv) => n + iv.last - iv.first + 1, 0);
}

export function hasIndex(intervals: Interval[], ix: number): boolean {
  return intervals.some((iv) => iv.first <= ix && ix <= iv.last);
}

/** "0-2,4,6,7": two adjacent indexes are listed, three or more become a range. */
export function formatIntervals(intervals: Interval[]): string {
  return intervals
    .map((iv) => (iv.last === iv.first ? `${iv.first}` : iv.last === iv.first + 1 ? `${iv.first},${iv.last}` : `${iv.first}-${iv.last}`))
    .join(',');
}

/** Parse status.completedIndexes, dropping indexes >= completions; corrupt parts are skipped. */
export function parseIntervals(s: string | undefined, completions: number): Interval[] {
  if (!s) return [];
  const out: Interval[] = [];
  for (const part of s.split(',')) {
    const [a, b] = part.split('-');
    if (!a || !/^\d+$/.test(a)) continue;
    const first = Number(a);
    if (first >= completions) break;
    let last = first;
    if (b !== undefined) {
      if (!/^\d+$/.test(b)) continue;
      last = Math.min(Number(b), completions - 1);
    }
    const prev = out[out.length - 1];
    if (prev && prev.last === first - 1) prev.last = last;
    else out.push({ first, last });
  }
  return out;
}

/** The indexes of these pods, ascending, without repeats or unknowns. */
export function indexesOf(pods: KubeObject[]): number[] {
  return [...new Set(pods.map(completionIndex).filter((i) => i !== UNKNOWN_INDEX))].sort((a, b) => a - b);
}

/** The first count indexes below completions that are not done (succeeded or failed) nor held by a busy pod. */
export function firstPendingIndexes(busy: KubeObject[], done: Interval[], count: number, completions: number): number[] {
  if (count === 0) return [];
  const nonPending = withIndexes(done, indexesOf(busy));
  const out: number[] = [];
  let candidate = 0;
  for (const iv of nonPending) {
    for (; candidate < completions && out.length < count && candidate < iv.first; candidate++) out.push(candidate);
    if (candidate < iv.last + 1) candidate = iv.last + 1;
  }
  for (; candidate < completions && out.length < count; candidate++) out.push(candidate);
  return out;
}
