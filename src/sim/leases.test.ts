import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SimClock } from './config.js';
import { Limiter } from './limiter.js';
import { RenewalRing } from './leases.js';
import { resolveSimConfig } from './config.js';
import { LEASE_RENEW_TRIES, newSimNode, renewLease } from './nodes.js';
import { PipelineConnectionError } from '../scheduler/pipeline.js';
import { ApiError } from '../api/errors.js';

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

describe('sim lease renewal', () => {
  const cfg = resolveSimConfig({ rest: { server: 'https://127.0.0.1:1', token: 't', caPem: '' }, nodes: 1 });
  /** A client whose first `lost` requests end without an answer (their connection closed), then `answer`s. */
  function client(lost: number, answer: (method: string) => unknown) {
    const calls: string[] = [];
    return {
      calls,
      json: async <T>(method: string, path: string): Promise<T> => {
        calls.push(`${method} ${path}`);
        if (calls.length <= lost) throw new PipelineConnectionError('connection closed before the answer');
        return answer(method) as T;
      },
    };
  }

  it('tries a renewal whose connection failed again, as the kubelet does', async () => {
    const c = client(2, () => ({}));
    await renewLease(c, cfg, newSimNode('n-0', 0));
    assert.equal(c.calls.length, 3);
    assert.ok(c.calls.every((x) => x.startsWith('PATCH ')));
  });

  it('gives up after LEASE_RENEW_TRIES tries, and never retries an answer from the server', async () => {
    const dead = client(100, () => ({}));
    await assert.rejects(renewLease(dead, cfg, newSimNode('n-0', 0)), PipelineConnectionError);
    assert.equal(dead.calls.length, LEASE_RENEW_TRIES);
    const forbidden = client(0, () => {
      throw new ApiError(403, 'Forbidden', 'no');
    });
    await assert.rejects(renewLease(forbidden, cfg, newSimNode('n-0', 0)), ApiError);
    assert.equal(forbidden.calls.length, 1);
  });
});
