// The event recorder: client-go's spam filter (per object) and its token bucket (qps/burst).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/types.js';
import { realClock } from '../util/clock.js';
import { silentLogger } from '../util/logger.js';
import { EventRecorder, type EventSink } from './events.js';

test('events: at most 25 per object, one more every 5 minutes; other objects unaffected', async () => {
  const t = { now: Date.parse('2026-01-01T00:00:00Z') };
  const clock = { now: () => t.now, nowRFC3339: () => new Date(t.now).toISOString().replace(/\.\d{3}Z$/, 'Z') };
  const posts: string[] = [];
  const sink = { json: async <T>(method: string, _path: string, body?: unknown): Promise<T> => {
    if (method === 'POST') posts.push((body as { involvedObject: { name: string } }).involvedObject.name);
    return undefined as T;
  } };
  const rec = new EventRecorder(sink, 'test', clock, silentLogger());
  const rs: KubeObject = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs', namespace: 'ns', uid: 'u1' } };
  const other: KubeObject = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'other', namespace: 'ns', uid: 'u2' } };
  const would: boolean[] = [];
  for (let i = 0; i < 30; i++) {
    would.push(rec.wouldRecord(rs, 'Normal'));
    await rec.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: rs-${i}`);
  }
  assert.equal(posts.length, 25);
  // wouldRecord tells beforehand, without taking a token, which events the filter lets through
  assert.deepEqual(would, [...Array(25).fill(true), ...Array(5).fill(false)]);
  assert.equal(rec.wouldRecord(rs, 'Warning'), true, 'another type has its own bucket');
  assert.equal(rec.filtered, 5);
  await rec.event(other, 'Normal', 'SuccessfulCreate', 'Created pod: other-0');
  assert.equal(posts.at(-1), 'other');
  t.now += 5 * 60 * 1000;
  assert.equal(rec.wouldRecord(rs, 'Normal'), true);
  await rec.event(rs, 'Normal', 'SuccessfulCreate', 'Created pod: rs-30');
  assert.equal(rec.wouldRecord(rs, 'Normal'), false);
  await rec.event(rs, 'Normal', 'SuccessfulCreate', 'Created pod: rs-31');
  assert.deepEqual(posts.slice(-2), ['other', 'rs'], 'one token back after 5 minutes');
});

function sink(): EventSink & { at: number[] } {
  const at: number[] = [];
  return {
    at,
    json: async <T>() => {
      at.push(performance.now());
      return undefined as T;
    },
  };
}

// token waits are unref'd timers (they must not hold a stopping process): keep the loop alive
function keepAlive<T>(p: Promise<T>): Promise<T> {
  const t = setInterval(() => undefined, 1000);
  return p.finally(() => clearInterval(t));
}

const pod = (i: number): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `p-${i}`, namespace: 'default', uid: `u-${i}` } });

test('with qps, a burst goes out at once and the rest waits for tokens', async () => {
  const s = sink();
  const rec = new EventRecorder(s, 'test', realClock, silentLogger(), undefined, { qps: 50, burst: 5 });
  const t0 = performance.now();
  await keepAlive(Promise.all(Array.from({ length: 15 }, (_, i) => rec.event(pod(i), 'Normal', 'Scheduled', `pod ${i}`))));
  assert.equal(s.at.length, 15, 'every event is written in the end');
  assert.equal(s.at.filter((t) => t - t0 < 15).length <= 6, true, 'only about the burst goes out at once');
  // 10 events beyond the burst at 50/s need about 200 ms; allow for timer slack
  assert.ok(performance.now() - t0 >= 150, `took ${performance.now() - t0} ms`);
});

test('without qps, events are written without waiting', async () => {
  const s = sink();
  const rec = new EventRecorder(s, 'test', realClock, silentLogger());
  const t0 = performance.now();
  await keepAlive(Promise.all(Array.from({ length: 15 }, (_, i) => rec.event(pod(i), 'Normal', 'Scheduled', `pod ${i}`))));
  assert.equal(s.at.length, 15);
  assert.ok(performance.now() - t0 < 1000);
});

test('beyond maxQueued waiting events, the rest are dropped', async () => {
  const s = sink();
  const rec = new EventRecorder(s, 'test', realClock, silentLogger(), undefined, { qps: 1000, burst: 1, maxInFlight: 1, maxQueued: 3 });
  await keepAlive(Promise.all(Array.from({ length: 10 }, (_, i) => rec.event(pod(i), 'Normal', 'Scheduled', `pod ${i}`))));
  assert.equal(s.at.length, 4, 'one in flight and three queued');
  assert.equal(rec.dropped, 6);
});
