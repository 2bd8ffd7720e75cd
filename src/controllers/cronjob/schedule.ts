// Next activation time of a cron schedule, as robfig/cron v3's SpecSchedule.Next computes it
// (the library behind the upstream CronJob controller), in the schedule's IANA time zone.
// We keep our own: the parser already lives in api/validation/cron.ts with robfig's exact
// grammar and error texts, and npm cron libraries differ from robfig on day-of-month/day-of-week
// star handling and on DST gaps. Time zone arithmetic uses Intl (Node's bundled tz database).
import { parseCronSchedule, type ParsedCron } from '../../api/validation/cron.js';

export type Schedule = ParsedCron;

export { parseCronSchedule };

interface Wall {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number; // 0 = Sunday
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', weekday: 'short' });
    formatters.set(tz, f);
  }
  return f;
}

/** Wall-clock fields of instant ms in tz ('' = UTC). */
export function wallClock(ms: number, tz: string): Wall {
  if (!tz) {
    const d = new Date(ms);
    return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), weekday: d.getUTCDay() };
  }
  const w: Partial<Wall> = {};
  for (const p of formatter(tz).formatToParts(new Date(ms))) {
    if (p.type === 'weekday') w.weekday = WEEKDAYS[p.value] ?? 0;
    else if (p.type !== 'literal' && p.type in { year: 1, month: 1, day: 1, hour: 1, minute: 1, second: 1 }) (w as Record<string, number>)[p.type] = Number(p.value);
  }
  return w as Wall;
}

/** UTC offset of tz at instant ms, in ms. */
function offsetAt(ms: number, tz: string): number {
  if (!tz) return 0;
  const w = wallClock(ms, tz);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant of a wall-clock time in tz, out-of-range fields normalized (Go's time.Date). In a
 * DST gap or overlap Go picks the offset in effect at the naive instant, or else the one just
 * found; we do the same.
 */
export function zonedInstant(year: number, month: number, day: number, hour: number, minute: number, second: number, tz: string): number {
  const naive = Date.UTC(year, month - 1, day, hour, minute, second);
  if (!tz) return naive;
  const off1 = offsetAt(naive, tz);
  const off2 = offsetAt(naive - off1, tz);
  return naive - off2;
}

const HOUR = 3_600_000;
const MINUTE = 60_000;

function dayMatches(s: Extract<Schedule, { kind: 'fields' }>, w: Wall): boolean {
  const domMatch = s.dom.values.has(w.day);
  const dowMatch = s.dow.values.has(w.weekday);
  if (s.dom.star || s.dow.star) return domMatch && dowMatch;
  return domMatch || dowMatch;
}

/** The first activation strictly after fromMs, or undefined when none within five years. */
export function nextActivation(s: Schedule, fromMs: number): number | undefined {
  if (s.kind === 'every') return Math.floor(fromMs / 1000) * 1000 + s.delayMs;
  const tz = s.tz;
  // start at the next whole second
  let t = Math.floor(fromMs / 1000) * 1000 + 1000;
  let added = false;
  const yearLimit = wallClock(t, tz).year + 5;
  for (;;) {
    let w = wallClock(t, tz);
    if (w.year > yearLimit) return undefined;
    let wrapped = false;
    while (!s.month.values.has(w.month)) {
      if (!added) {
        added = true;
        t = zonedInstant(w.year, w.month, 1, 0, 0, 0, tz);
        w = wallClock(t, tz);
      }
      t = zonedInstant(w.year, w.month + 1, w.day, w.hour, w.minute, w.second, tz);
      w = wallClock(t, tz);
      if (w.month === 1) {
        wrapped = true;
        break;
      }
    }
    if (wrapped) continue;
    while (!dayMatches(s, w)) {
      if (!added) {
        added = true;
        t = zonedInstant(w.year, w.month, w.day, 0, 0, 0, tz);
        w = wallClock(t, tz);
      }
      t = zonedInstant(w.year, w.month, w.day + 1, w.hour, w.minute, w.second, tz);
      w = wallClock(t, tz);
      // a DST change can leave the day's start off midnight: move back to it
      if (w.hour !== 0) {
        t += w.hour > 12 ? (24 - w.hour) * HOUR : -w.hour * HOUR;
        w = wallClock(t, tz);
      }
      if (w.day === 1) {
        wrapped = true;
        break;
      }
    }
    if (wrapped) continue;
    while (!s.hour.values.has(w.hour)) {
      if (!added) {
        added = true;
        t = zonedInstant(w.year, w.month, w.day, w.hour, 0, 0, tz);
      }
      t += HOUR;
      w = wallClock(t, tz);
      if (w.hour === 0) {
        wrapped = true;
        break;
      }
    }
    if (wrapped) continue;
    while (!s.minute.values.has(w.minute)) {
      if (!added) {
        added = true;
        t = Math.floor(t / MINUTE) * MINUTE;
      }
      t += MINUTE;
      w = wallClock(t, tz);
      if (w.minute === 0) {
        wrapped = true;
        break;
      }
    }
    if (wrapped) continue;
    // standard schedules fire at second 0 only
    while (w.second !== 0) {
      if (!added) {
        added = true;
        t = Math.floor(t / 1000) * 1000;
      }
      t += 1000;
      w = wallClock(t, tz);
      if (w.second === 0) {
        wrapped = true;
        break;
      }
    }
    if (wrapped) continue;
    return t;
  }
}
