// Unit tests of the CronJob controller's time logic: which scheduled time is due (missed runs,
// startingDeadlineSeconds), when to look again, Job names and the scheduled-timestamp annotation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/types.js';
import { parseCronSchedule } from './schedule.js';
import { mostRecentScheduleTime, nextScheduleDelay, rfc1123zUTC, rfc3339In } from './times.js';
import { jobFromTemplate, jobName } from './jobs.js';

const at = (iso: string) => Date.parse(iso);
const cj = (spec: Record<string, unknown>, status: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name: 'c', namespace: 'ns', uid: 'u-1', creationTimestamp: '2025-01-01T00:00:30Z' },
  spec: { schedule: '* * * * *', jobTemplate: { metadata: { labels: { a: 'b' }, annotations: { x: 'y' } }, spec: { template: {} } }, ...spec },
  status,
});
const every = parseCronSchedule('* * * * *');

test('the most recent unmet time, counting missed runs', () => {
  assert.deepEqual(mostRecentScheduleTime(cj({}), at('2025-01-01T00:00:50Z'), every, true), { earliest: at('2025-01-01T00:00:30Z'), missed: 'none' });
  const one = mostRecentScheduleTime(cj({}), at('2025-01-01T00:01:10Z'), every, true);
  assert.equal(one.mostRecent, at('2025-01-01T00:01:00Z'));
  assert.equal(one.missed, 'none');
  const few = mostRecentScheduleTime(cj({}), at('2025-01-01T00:05:10Z'), every, true);
  assert.deepEqual([few.mostRecent, few.missed], [at('2025-01-01T00:05:00Z'), 'few']);
  const many = mostRecentScheduleTime(cj({}), at('2025-01-01T03:00:10Z'), every, true);
  assert.deepEqual([many.mostRecent, many.missed], [at('2025-01-01T03:00:00Z'), 'many']);
  // lastScheduleTime moves the window; startingDeadlineSeconds narrows it
  const since = mostRecentScheduleTime(cj({}, { lastScheduleTime: '2025-01-01T00:05:00Z' }), at('2025-01-01T00:05:40Z'), every, true);
  assert.equal(since.mostRecent, undefined);
  const late = mostRecentScheduleTime(cj({ startingDeadlineSeconds: 10 }), at('2025-01-01T00:05:30Z'), every, true);
  assert.equal(late.mostRecent, undefined, 'the 00:05 run is 30 s late with a 10 s deadline');
  const never = mostRecentScheduleTime(cj({}), at('2030-01-01T00:00:00Z'), parseCronSchedule('0 0 31 2 *'), true);
  assert.equal(never.mostRecent, undefined);
});

test('next look: the next scheduled time plus 100 ms', () => {
  assert.equal(nextScheduleDelay(cj({}), at('2025-01-01T00:00:40Z'), every), 20_100);
  assert.equal(nextScheduleDelay(cj({}, { lastScheduleTime: '2025-01-01T00:01:00Z' }), at('2025-01-01T00:01:20Z'), every), 40_100);
});

test('Job names and the scheduled-timestamp annotation', () => {
  const t = at('2025-01-01T14:00:00Z');
  assert.equal(jobName(cj({}), t), `c-${t / 60_000}`);
  const j = jobFromTemplate(cj({ timeZone: 'America/New_York' }), t);
  assert.equal(j.metadata.name, `c-${t / 60_000}`);
  assert.deepEqual(j.metadata.annotations, { x: 'y', 'batch.kubernetes.io/cronjob-scheduled-timestamp': '2025-01-01T09:00:00-05:00' });
  assert.deepEqual(j.metadata.labels, { a: 'b' });
  assert.deepEqual(j.metadata.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'c', uid: 'u-1', controller: true, blockOwnerDeletion: true }]);
  assert.equal(rfc3339In(t, ''), '2025-01-01T14:00:00Z');
  assert.equal(rfc3339In(t, 'Asia/Kolkata'), '2025-01-01T19:30:00+05:30');
  assert.equal(rfc1123zUTC(t), 'Wed, 01 Jan 2025 14:00:00 +0000');
});
