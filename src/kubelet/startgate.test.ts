// The start gate: at most N holders, the oldest pod first, aborts leave the line, slots come back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultStartSlots, StartGate } from './startgate.js';

const turn = () => new Promise((r) => setImmediate(r));

test('at most N at once; the waiting pods get the slots in the order they first asked', async () => {
  const gate = new StartGate(2);
  const order: string[] = [];
  const a = await gate.acquire('a');
  const b = await gate.acquire('b');
  const waiters = ['c', 'd', 'e'].map((uid) => gate.acquire(uid).then((release) => (order.push(uid), release)));
  await turn();
  assert.deepEqual(order, [], 'both slots are taken');
  assert.equal(gate.queued(), 3);
  a();
  a(); // giving a slot back twice gives it back once
  await turn();
  assert.deepEqual(order, ['c']);
  b();
  await turn();
  assert.deepEqual(order, ['c', 'd']);
  (await waiters[0]!)();
  (await waiters[1]!)();
  (await waiters[2]!)();
  assert.equal(gate.queued(), 0);
  // all given back: two can go at once again
  const x = await gate.acquire('x');
  const y = await gate.acquire('y');
  x();
  y();
});

test('an older pod asking again goes before newer ones (its ticket is kept until forget)', async () => {
  const gate = new StartGate(1);
  const first = await gate.acquire('old'); // old: ticket 0
  const order: string[] = [];
  const newer = gate.acquire('new').then((r) => (order.push('new'), r)); // ticket 1, waits
  first(); // the slot goes to new
  const newRelease = await newer;
  const oldAgain = gate.acquire('old').then((r) => (order.push('old'), r)); // ticket 0 again
  const newest = gate.acquire('newest').then((r) => (order.push('newest'), r)); // ticket 2
  newRelease();
  (await oldAgain)();
  (await newest)();
  assert.deepEqual(order, ['new', 'old', 'newest']);
  gate.forget('old');
  assert.ok(gate.ticket('old') > gate.ticket('newest'), 'forgotten: queues anew, at the end');
});

test('an abort while waiting leaves the line and rejects; an aborted signal never takes a slot', async () => {
  const gate = new StartGate(1);
  const held = await gate.acquire('a');
  const ac = new AbortController();
  const waiting = gate.acquire('b', ac.signal);
  const next = gate.acquire('c');
  ac.abort(new Error('stopping'));
  await assert.rejects(waiting, /stopping/);
  assert.equal(gate.queued(), 1);
  held();
  (await next)(); // c got the slot that b left
  await assert.rejects(gate.acquire('d', ac.signal), /stopping/);
  (await gate.acquire('e'))(); // and the slot is free
});

test('a hold takes the slot once, gives it back on drop (also twice), and takes it again', async () => {
  const gate = new StartGate(1);
  const hold = gate.hold('a');
  await hold.take();
  await hold.take(); // held: no second slot
  let other = false;
  const waiter = gate.acquire('b').then((r) => ((other = true), r));
  await turn();
  assert.equal(other, false);
  hold.drop();
  hold.drop();
  const release = await waiter;
  assert.equal(other, true);
  const again = hold.take(); // a's older ticket: first in line
  const later = gate.acquire('c');
  release();
  await again;
  hold.drop();
  (await later)();
});

test('no limit with 0 slots; the default is one more than the CPUs, at least 2', async () => {
  const gate = new StartGate(0);
  const all = await Promise.all(Array.from({ length: 50 }, (_, i) => gate.acquire(`p${i}`)));
  assert.equal(gate.queued(), 0);
  for (const r of all) r();
  assert.equal(defaultStartSlots(1), 2);
  assert.equal(defaultStartSlots(2), 3);
  assert.equal(defaultStartSlots(16), 17);
});
