// Standard 5-field cron syntax as robfig/cron's ParseStandard accepts it, with its error texts.
// parseCronSchedule also returns the parsed fields, for the CronJob controller's next-run times.
import { parseGoDuration } from '../../util/duration.js';

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MONTHS: Record<string, number> = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const DOWS: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const FIELDS: Bounds[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTHS },
  { min: 0, max: 6, names: DOWS },
];

function mustParseInt(expr: string): number {
  if (!/^[+-]?\d+$/.test(expr)) throw new Error(`failed to parse int from ${expr}: strconv.Atoi: parsing ${JSON.stringify(expr)}: invalid syntax`);
  const n = Number.parseInt(expr, 10);
  if (n < 0) throw new Error(`negative number (${n}) not allowed: ${expr}`);
  return n;
}

function parseIntOrName(expr: string, names: Record<string, number> | undefined): number {
  const v = names?.[expr.toLowerCase()];
  return v !== undefined ? v : mustParseInt(expr);
}

/** One parsed field: the allowed values, and robfig's "star bit" (the field was `*` or `?`, step 1). */
export interface CronField {
  values: Set<number>;
  star: boolean;
}

function parseRange(expr: string, b: Bounds, into: CronField): void {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0].split('-');
  const singleDigit = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  let step = 1;
  let star = false;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = b.min;
    end = b.max;
    star = true;
  } else {
    start = parseIntOrName(lowAndHigh[0], b.names);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1], b.names);
    else throw new Error(`too many hyphens: ${expr}`);
  }
  if (rangeAndStep.length === 2) {
    step = mustParseInt(rangeAndStep[1]);
    if (singleDigit) end = b.max;
    if (step > 1) star = false;
    if (step === 0) throw new Error(`step of range should be a positive number: ${expr}`);
  } else if (rangeAndStep.length > 2) {
    throw new Error(`too many slashes: ${expr}`);
  }
  if (start < b.min) throw new Error(`beginning of range (${start}) below minimum (${b.min}): ${expr}`);
  if (end > b.max) throw new Error(`end of range (${end}) above maximum (${b.max}): ${expr}`);
  if (start > end) throw new Error(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  for (let v = start; v <= end; v += step) into.values.add(v);
  if (star) into.star = true;
}

/** What a schedule means: five fields, or a fixed delay (@every), in an IANA time zone ('' = UTC). */
export type ParsedCron =
  | { kind: 'fields'; tz: string; minute: CronField; hour: CronField; dom: CronField; month: CronField; dow: CronField }
  | { kind: 'every'; tz: string; delayMs: number };

const DESCRIPTOR_FIELDS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** Parse a schedule as robfig/cron's ParseStandard does; throws Error with its text. */
export function parseCronSchedule(spec: string): ParsedCron {
  let s = spec;
  let tz = '';
  if (s.length === 0) throw new Error('empty spec string');
  if (s.startsWith('TZ=') || s.startsWith('CRON_TZ=')) {
    const i = s.indexOf(' ');
    const loc = s.slice(s.indexOf('=') + 1, i < 0 ? undefined : i);
    if (!isKnownTimeZone(loc)) throw new Error(`provided bad location ${loc}: unknown time zone ${loc}`);
    tz = loc === 'UTC' ? '' : loc;
    s = i < 0 ? '' : s.slice(i).trim();
  }
  if (s.startsWith('@')) {
    if (s.startsWith('@every ')) {
      const d = s.slice(7).trim();
      const ms = d === '0' ? undefined : parseGoDuration(d);
      if (ms === undefined) throw new Error(`failed to parse duration ${s}: time: invalid duration ${JSON.stringify(d)}`);
      // robfig: sub-second delays become one second, others are truncated to whole seconds
      return { kind: 'every', tz, delayMs: ms < 1000 ? 1000 : Math.floor(ms / 1000) * 1000 };
    }
    const fields = DESCRIPTOR_FIELDS[s];
    if (!fields) throw new Error(`unrecognized descriptor: ${s}`);
    s = fields;
  }
  const fields = s.trim().split(/\s+/).filter((f) => f !== '');
  if (fields.length !== 5) throw new Error(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  const parsed = fields.map((f, i) => {
    const field: CronField = { values: new Set(), star: false };
    for (const part of f.split(',')) parseRange(part, FIELDS[i], field);
    return field;
  });
  return { kind: 'fields', tz, minute: parsed[0]!, hour: parsed[1]!, dom: parsed[2]!, month: parsed[3]!, dow: parsed[4]! };
}

/** Returns robfig/cron's error text for an invalid schedule, or undefined when it parses. */
export function cronScheduleError(spec: string): string | undefined {
  try {
    parseCronSchedule(spec);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

export function isKnownTimeZone(tz: string): boolean {
  if (tz === 'UTC' || tz === '') return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
