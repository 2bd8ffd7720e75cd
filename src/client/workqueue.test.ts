import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue } from './workqueue.js';

describe('WorkQueue', () => {
  it('dedupes queued keys and hands them out in order', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('b');
    q.add('a');
    assert.equal(q.length, 2);
    assert.equal(await q.get(), 'a');
    assert.equal(await q.get(), 'b');
  });

  it('never gives a key to two workers; a key added while processing comes back after done', async () => {
    const q = new WorkQueue();
    q.add('a');
    const k = await q.get();
    q.add('a');
    assert.equal(q.length, 0, 'not queued while processing');
    let second: string | undefined;
    void q.get().then((x) => (second = x));
    await new Promise((r) => setImmediate(r));
    assert.equal(second, undefined);
    q.done(k!);
    await new Promise((r) => setImmediate(r));
    assert.equal(second, 'a');
  });

  it('backs off exponentially per key and forgets on success', () => {
    const q = new WorkQueue();
    assert.equal(q.retries('x'), 0);
    q.addRateLimited('x');
    q.addRateLimited('x');
    assert.equal(q.retries('x'), 2);
    q.forget('x');
    assert.equal(q.retries('x'), 0);
    q.shutdown();
  });

  it('shutdown releases waiting workers', async () => {
    const q = new WorkQueue();
    const p = q.get();
    q.shutdown();
    assert.equal(await p, undefined);
  });
});

it('addAfter keeps the sooner time when a key is already waiting', async () => {
  const q = new WorkQueue<string>();
  q.addAfter('k', 30);
  q.addAfter('k', 60_000); // later: must not postpone the first
  const t0 = Date.now();
  const k = await q.get();
  assert.equal(k, 'k');
  assert.ok(Date.now() - t0 < 30_000, 'the sooner time was kept');
  q.done('k');
  q.shutdown();
});
