import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextActivation, parseCronSchedule, zonedInstant } from './schedule.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const next = (spec: string, from: string) => iso(nextActivation(parseCronSchedule(spec), at(from)));

test('standard fields, steps, ranges and macros in UTC', () => {
  assert.equal(next('*/15 * * * *', '2025-01-01T10:07:30Z'), '2025-01-01T10:15:00.000Z');
  assert.equal(next('* * * * *', '2025-01-01T10:07:00Z'), '2025-01-01T10:08:00.000Z', 'strictly after');
  assert.equal(next('0 9 * * 1-5', '2025-01-03T10:00:00Z'), '2025-01-06T09:00:00.000Z', 'Friday after 9 -> Monday');
  assert.equal(next('@hourly', '2025-01-01T10:07:00Z'), '2025-01-01T11:00:00.000Z');
  assert.equal(next('@daily', '2025-01-01T10:07:00Z'), '2025-01-02T00:00:00.000Z');
  assert.equal(next('@weekly', '2025-01-01T10:07:00Z'), '2025-01-05T00:00:00.000Z');
  assert.equal(next('@monthly', '2025-01-31T10:07:00Z'), '2025-02-01T00:00:00.000Z');
  assert.equal(next('@yearly', '2025-03-01T00:00:00Z'), '2026-01-01T00:00:00.000Z');
  assert.equal(next('0 0 29 2 *', '2025-03-01T00:00:00Z'), '2028-02-29T00:00:00.000Z');
  assert.equal(next('0 0 31 2 *', '2025-03-01T00:00:00Z'), undefined, 'never: robfig gives the zero time');
  assert.equal(next('5/20 * * * *', '2025-01-01T10:06:00Z'), '2025-01-01T10:25:00.000Z', 'N/step means N-max/step');
  assert.equal(next('0 0 * JAN,dec SUN', '2025-01-01T00:00:00Z'), '2025-01-05T00:00:00.000Z');
});

test('day of month and day of week: OR when both restricted, AND when one is a star', () => {
  // Friday 2025-01-03, or the 13th
  assert.equal(next('0 0 13 * 5', '2025-01-01T00:00:00Z'), '2025-01-03T00:00:00.000Z');
  assert.equal(next('0 0 13 * 5', '2025-01-11T00:00:00Z'), '2025-01-13T00:00:00.000Z');
  assert.equal(next('0 0 * * 5', '2025-01-11T00:00:00Z'), '2025-01-17T00:00:00.000Z');
  // "*/1" keeps the star bit, "*/2" loses it (robfig): with dow 5 that is AND vs OR
  assert.equal(next('0 0 */1 * 5', '2025-01-11T00:00:00Z'), '2025-01-17T00:00:00.000Z');
  assert.equal(next('0 0 */2 * 5', '2025-01-11T00:00:00Z'), '2025-01-13T00:00:00.000Z');
});

test('time zones, including DST gaps and overlaps', () => {
  assert.equal(next('TZ=America/New_York 0 9 * * *', '2025-01-01T00:00:00Z'), '2025-01-01T14:00:00.000Z');
  assert.equal(next('CRON_TZ=Asia/Tokyo 0 9 * * *', '2025-01-01T00:00:00Z'), '2025-01-02T00:00:00.000Z');
  // 2025-03-09 02:30 does not exist in New York: robfig skips that day
  assert.equal(next('TZ=America/New_York 30 2 * * *', '2025-03-08T12:00:00Z'), '2025-03-10T06:30:00.000Z');
  // 2025-11-02 01:30 happens twice; the first one counts, then the next day
  const first = next('TZ=America/New_York 30 1 * * *', '2025-11-02T04:00:00Z');
  assert.equal(first, '2025-11-02T05:30:00.000Z');
  assert.equal(zonedInstant(2025, 7, 1, 12, 0, 0, 'Europe/Berlin'), at('2025-07-01T10:00:00Z'));
  assert.equal(zonedInstant(2025, 13, 1, 0, 0, 0, ''), at('2026-01-01T00:00:00Z'), 'month overflow normalizes');
});

test('@every is a fixed delay from the given time, in whole seconds', () => {
  assert.equal(next('@every 90s', '2025-01-01T00:00:00.500Z'), '2025-01-01T00:01:30.000Z');
  assert.equal(next('@every 100ms', '2025-01-01T00:00:00Z'), '2025-01-01T00:00:01.000Z');
});
