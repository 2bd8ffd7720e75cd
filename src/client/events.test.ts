import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventRecorder, type EventSink } from './events.js';
import { realClock } from '../util/clock.js';
import { silentLogger } from '../util/logger.js';
import type { KubeObject } from '../api/types.js';

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
