// Which scheduled time a CronJob is due for, and when to look again (upstream
// mostRecentScheduleTime / nextScheduleTime / nextScheduleTimeDuration), plus the time formats
// the controller writes. All times are epoch milliseconds.
import type { KubeObject } from '../../api/types.js';
import { nextActivation, wallClock, type Schedule } from './schedule.js';

/** Padding after a scheduled time before syncing, against small clock skews (upstream 100 ms). */
export const NEXT_SCHEDULE_DELTA_MS = 100;

export type Missed = 'none' | 'few' | 'many';

export interface MostRecent {
  /** lastScheduleTime, or the creation time */
  earliest: number;
  /** the latest scheduled time in (earliest, now], if any */
  mostRecent?: number;
  missed: Missed;
  /** set for schedules that fire twice in the same second (e.g. "0 0 31 2 *" never fires) */
  error?: string;
}

const SECOND = 1000;

function parseTime(s: unknown): number | undefined {
  if (typeof s !== 'string') return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}

/** The scheduled time to act on now, counting missed runs as upstream does (at most one job per sync). */
export function mostRecentScheduleTime(cj: KubeObject, now: number, sched: Schedule, includeStartingDeadline: boolean): MostRecent {
  let earliest = parseTime(cj.status?.lastScheduleTime) ?? parseTime(cj.metadata.creationTimestamp) ?? now;
  const deadline = cj.spec?.startingDeadlineSeconds;
  if (includeStartingDeadline && typeof deadline === 'number') {
    const schedulingDeadline = now - deadline * SECOND;
    if (schedulingDeadline > earliest) earliest = schedulingDeadline;
  }
  const t1 = nextActivation(sched, earliest);
  const t2 = t1 === undefined ? undefined : nextActivation(sched, t1);
  if (t1 === undefined || now < t1) return { earliest, missed: 'none' };
  if (t2 === undefined || now < t2) return { earliest, mostRecent: t1, missed: 'none' };
  const between = Math.round((t2 - t1) / SECOND);
  if (between < 1) return { earliest, missed: 'none', error: 'time difference between two schedules is less than 1 second' };
  // a rough count: how many intervals like the first fit between the first missed time and now
  const missedCount = Math.trunc((now - t1) / SECOND / between) + 1;
  const potentialEarliest = t1 + (missedCount - 2) * between * SECOND;
  let mostRecent: number | undefined;
  for (let t = nextActivation(sched, potentialEarliest); t !== undefined && t <= now; t = nextActivation(sched, t)) mostRecent = t;
  const missed: Missed = missedCount > 100 ? 'many' : 'few';
  return mostRecent === undefined ? { earliest, missed } : { earliest, mostRecent, missed };
}

/** How long until the next sync is due, in ms (upstream nextScheduleTimeDuration). */
export function nextScheduleDelay(cj: KubeObject, now: number, sched: Schedule): number {
  const r = mostRecentScheduleTime(cj, now, sched, false);
  let from: number;
  if (r.error) from = now;
  else if (r.mostRecent !== undefined) from = r.mostRecent;
  else from = r.missed === 'none' ? r.earliest : now;
  const next = nextActivation(sched, from);
  // a schedule that never fires again: look again in a day rather than never
  return next === undefined ? 24 * 3600 * SECOND : next + NEXT_SCHEDULE_DELTA_MS - now;
}

const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');

/** Go's time.RFC3339 of ms in tz: 2025-01-01T09:00:00-05:00, or ...Z at offset zero. */
export function rfc3339In(ms: number, tz: string): string {
  const w = wallClock(ms, tz);
  const offMin = Math.round((Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(ms / SECOND) * SECOND) / 60_000);
  const zone = offMin === 0 ? 'Z' : `${offMin < 0 ? '-' : '+'}${pad(Math.trunc(Math.abs(offMin) / 60))}:${pad(Math.abs(offMin) % 60)}`;
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}${zone}`;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Go's time.RFC1123Z in UTC: Mon, 02 Jan 2006 15:04:05 +0000. */
export function rfc1123zUTC(ms: number): string {
  const d = new Date(ms);
  return `${DAYS[d.getUTCDay()]}, ${pad(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}
