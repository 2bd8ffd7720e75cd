import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SimClock } from './config.js';
import { Limiter } from './limiter.js';
import { RenewalRing } from './leases.js';

/** Virtual time: sleep advances the clock at once. */
function fakeClock(start = 1_000_000): SimClock & { t: number } {
  const c = {
    t: start,
    now: () => c.t,
    nowRFC3339: () => new Date(c.t).toISOString(),
    sleep: async (ms: number) => {
      c.t += ms;
      await Promise.resolve();
    },
  };
  return c;
}

interface E {
  name: string;
  stopped: boolean;
  renewing: boolean;
}

describe('sim renewal ring', () => {
  it('spreads renewals evenly over the interval and repeats them every interval', async () => {
    const clock = fakeClock();
    const entries: E[] = ['a', 'b', 'c', 'd'].map((name) => ({ name, stopped: false, renewing: false }));
    const seen: [string, number][] = [];
    const ac = new AbortController();
    const ring = new RenewalRing(entries, 1000, clock, new Limiter(4), async (e) => {
      seen.push([e.name, clock.now() - 1_000_000]);
      if (seen.length === 12) ac.abort();
    }, () => {});
    await ring.run(ac.signal);
    assert.deepEqual(seen.slice(0, 8), [['a', 250], ['b', 500], ['c', 750], ['d', 1000], ['a', 1250], ['b', 1500], ['c', 1750], ['d', 2000]]);
    assert.equal(ring.stats.ticks, 12);
  });

  it('skips stopped entries and entries whose last renewal is still in flight', async () => {
    const clock = fakeClock();
    const entries: E[] = [{ name: 'a', stopped: false, renewing: false }, { name: 'b', stopped: true, renewing: false }, { name: 'slow', stopped: false, renewing: false }];
    const seen: string[] = [];
    const ac = new AbortController();
    const ring = new RenewalRing(entries, 300, clock, new Limiter(8), async (e) => {
      seen.push(e.name);
      if (e.name === 'slow') await new Promise<void>(() => {}); // never finishes
      if (seen.length >= 4) ac.abort();
    }, () => {});
    await ring.run(ac.signal);
    assert.ok(!seen.includes('b'));
    assert.equal(seen.filter((n) => n === 'slow').length, 1);
    assert.ok(ring.stats.skipped >= 1);
  });

  it('counts failures and keeps going', async () => {
    const clock = fakeClock();
    const entries: E[] = [{ name: 'a', stopped: false, renewing: false }];
    const ac = new AbortController();
    let calls = 0;
    const errors: unknown[] = [];
    const ring = new RenewalRing(entries, 100, clock, new Limiter(1), async () => {
      if (++calls >= 3) ac.abort();
      throw new Error('boom');
    }, (_e, err) => errors.push(err));
    await ring.run(ac.signal);
    await new Promise((r) => setImmediate(r));
    assert.equal(calls, 3);
    assert.equal(ring.stats.errors, 3);
    assert.equal(errors.length, 3);
  });
});

describe('sim limiter', () => {
  it('never runs more than its limit at once', async () => {
    const l = new Limiter(3);
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        l.run(async () => {
          peak = Math.max(peak, ++running);
          await new Promise((r) => setTimeout(r, 2));
          running--;
        }),
      ),
    );
    assert.equal(peak, 3);
    await l.idle();
    assert.equal(l.inFlight, 0);
  });
});
