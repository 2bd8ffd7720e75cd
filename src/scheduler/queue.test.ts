import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SchedulingQueue } from './queue.js';
import type { KubeObject } from '../api/types.js';

const pod = (name: string, priority = 0): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { priority, containers: [] } });

function fakeClock(start = 1_000_000) {
  let t = start;
  return { now: () => t, nowRFC3339: () => new Date(t).toISOString(), advance: (ms: number) => (t += ms) };
}

describe('SchedulingQueue', () => {
  it('pops by priority, then arrival', async () => {
    const c = fakeClock();
    const q = new SchedulingQueue(c);
    q.add(pod('low', 1));
    c.advance(1);
    q.add(pod('high', 10));
    c.advance(1);
    q.add(pod('low2', 1));
    assert.equal((await q.pop())?.key, 'default/high');
    assert.equal((await q.pop())?.key, 'default/low');
    assert.equal((await q.pop())?.key, 'default/low2');
    q.close();
  });

  it('keeps a failed pod unschedulable until a cluster event, then backs it off', async () => {
    const c = fakeClock();
    const q = new SchedulingQueue(c, { initialBackoffMs: 1000 });
    q.add(pod('p'));
    const p = (await q.pop())!;
    q.requeueFailed(p, q.currentMoveCycle, ['NodeResourcesFit']);
    assert.deepEqual(q.stats, { active: 0, backoff: 0, unschedulable: 1, inFlight: 0 });
    q.moveAllToActiveOrBackoff('NodeAdd');
    assert.equal(q.stats.unschedulable, 0);
    assert.equal(q.stats.backoff + q.stats.active, 1);
    c.advance(1500);
    q.flush();
    assert.equal(q.stats.active, 1);
    q.close();
  });

  it('a failure during which the cluster changed goes to back-off, not unschedulable', async () => {
    const c = fakeClock();
    const q = new SchedulingQueue(c);
    q.add(pod('p'));
    const p = (await q.pop())!;
    const cycle = q.currentMoveCycle;
    q.moveAllToActiveOrBackoff('NodeAdd');
    q.requeueFailed(p, cycle, ['NodeResourcesFit']);
    assert.equal(q.stats.backoff, 1);
    q.close();
  });

  it('deleted pods leave every sub-queue; stale unschedulable pods come back after 5 minutes', async () => {
    const c = fakeClock();
    const q = new SchedulingQueue(c);
    q.add(pod('gone'));
    q.delete(pod('gone'));
    assert.equal(q.stats.active, 0);
    q.add(pod('stuck'));
    const p = (await q.pop())!;
    q.requeueFailed(p, q.currentMoveCycle, []);
    c.advance(5 * 60_000 + 1);
    q.flush();
    assert.equal(q.stats.active, 1);
    q.close();
  });
});
