// Unit tests of the controllers' pure logic: expectations, delete ranking, slow start, the
// template hash, surge/unavailability arithmetic and the deployment status conditions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/types.js';
import { ApiError } from '../api/errors.js';
import { Expectations, EXPECTATIONS_TIMEOUT_MS } from './runtime/expectations.js';
import { podsToDelete } from './replicaset/rank.js';
import { BURST_REPLICAS, SlowStarts, slowStartBatch } from './replicaset/manage.js';
import { computeHash, equalIgnoreHash, resolveFenceposts, safeEncode } from './deployment/util.js';
import { calculateStatus, deploymentComplete } from './deployment/status.js';
import { newReplicaSetReplicas } from './deployment/sync.js';

const clockAt = (t: { now: number }) => ({ now: () => t.now, nowRFC3339: () => new Date(t.now).toISOString() });

test('expectations: satisfied after the observed creations and deletions, or after the timeout', () => {
  const t = { now: 0 };
  const e = new Expectations(clockAt(t));
  assert.ok(e.satisfied('ns/rs'));
  e.expectCreations('ns/rs', 2);
  assert.ok(!e.satisfied('ns/rs'));
  e.creationObserved('ns/rs');
  e.creationObserved('ns/rs');
  assert.ok(e.satisfied('ns/rs'));
  e.expectDeletions('ns/rs', ['ns/a', 'ns/b']);
  e.deletionObserved('ns/rs', 'ns/a');
  e.deletionObserved('ns/rs', 'ns/a'); // counted once
  assert.ok(!e.satisfied('ns/rs'));
  t.now = EXPECTATIONS_TIMEOUT_MS + 1;
  assert.ok(e.satisfied('ns/rs'), 'expired');
});

const pod = (name: string, o: { node?: string; phase?: string; ready?: boolean; created?: string; restarts?: number } = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, creationTimestamp: o.created ?? '2025-01-01T00:00:00Z' },
  spec: o.node ? { nodeName: o.node } : {},
  status: {
    phase: o.phase ?? 'Running',
    conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True', lastTransitionTime: '2025-01-01T00:00:00Z' }],
    containerStatuses: [{ restartCount: o.restarts ?? 0 }],
  },
});

test('delete ranking: unassigned, pending, not ready, crowded, restarts, newer go first', () => {
  const pods = [
    pod('running', { node: 'n1' }),
    pod('unassigned', { phase: 'Pending' }),
    pod('pending', { node: 'n2', phase: 'Pending' }),
    pod('unready', { node: 'n3', ready: false }),
    pod('restarts', { node: 'n4', restarts: 3 }),
    pod('newer', { node: 'n5', created: '2025-01-02T00:00:00Z' }),
  ];
  const order = podsToDelete(pods, pods, 6).map((p) => p.metadata.name);
  assert.deepEqual(order, ['unassigned', 'pending', 'unready', 'restarts', 'newer', 'running']);
  const crowded = [pod('alone', { node: 'a' }), pod('shared-1', { node: 'b' }), pod('shared-2', { node: 'b' })];
  assert.ok(podsToDelete(crowded, crowded, 1)[0]?.metadata.name?.startsWith('shared'));
});

test('slow start: batches of 1, 2, 4 and a stop at the first failing batch', async () => {
  let calls = 0;
  const ok = await slowStartBatch(7, async () => void calls++);
  assert.deepEqual(ok, { successes: 7, attempted: 7, reached: 8 }); // 1 + 2 + 4, then 8 would follow
  calls = 0;
  const failing = await slowStartBatch(10, async () => {
    if (++calls > 3) throw new Error('quota');
  });
  assert.equal(failing.attempted, 7); // 1 + 2 + 4
  assert.equal(failing.successes, 3);
  assert.match((failing.error as Error).message, /quota/);
  // a later start: one batch of 100, then the remainder
  const sizes: number[] = [];
  let inBatch = 0;
  const later = await slowStartBatch(150, async () => {
    inBatch++;
    await Promise.resolve();
    if (inBatch) sizes.push(inBatch);
    inBatch = 0;
  }, 100);
  assert.deepEqual(sizes, [100, 50]);
  assert.deepEqual(later, { successes: 150, attempted: 150, reached: 400 });
});

test('slow start across syncs: only a fully successful sync cut at the burst limit lets the next begin further on', () => {
  const s = new SlowStarts();
  assert.equal(s.initial('ns/rs'), 1);
  s.record('ns/rs', 5000, BURST_REPLICAS, 512); // 1..256 + 245 succeeded, 4,500 still wanted
  assert.equal(s.initial('ns/rs'), BURST_REPLICAS);
  s.record('ns/rs', 4500, BURST_REPLICAS, 1000);
  assert.equal(s.initial('ns/rs'), BURST_REPLICAS, 'never beyond the burst limit');
  s.record('ns/rs', 4000, BURST_REPLICAS, BURST_REPLICAS, new ApiError(403, 'Forbidden', 'exceeded quota'));
  assert.equal(s.initial('ns/rs'), 1, 'a failure starts over at 1');
  s.record('ns/rs', 4000, BURST_REPLICAS, 512);
  s.record('ns/rs', 3500, BURST_REPLICAS, 500, new ApiError(409, 'AlreadyExists', 'pods "rs-x7k2q" already exists'));
  assert.equal(s.initial('ns/rs'), BURST_REPLICAS, 'a generated name already taken is chance, not a failing template');
  s.record('ns/rs', 300, 300, 512);
  assert.equal(s.initial('ns/rs'), 1, 'the scale-up is complete: the next one starts at 1');
  s.record('ns/rs', 4000, BURST_REPLICAS, 512);
  s.forget('ns/rs');
  assert.equal(s.initial('ns/rs'), 1);
});

test('pod-template-hash: stable, safe-encoded, changes with the template and the collision count', () => {
  const t = { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'a' }] } };
  const h = computeHash(t);
  assert.equal(h, computeHash(structuredClone(t)));
  assert.match(h, /^[bcdfghjklmnpqrstvwxz2456789]+$/);
  assert.notEqual(h, computeHash({ ...t, spec: { containers: [{ name: 'c', image: 'b' }] } }));
  assert.notEqual(h, computeHash(t, 1));
  assert.equal(safeEncode('0123456789'), '456789bcdf'); // byte % 27 into the alphabet, as apimachinery
  assert.ok(equalIgnoreHash({ ...t, metadata: { labels: { app: 'x', 'pod-template-hash': h } } }, t));
  // remembered per template object: asking again, or about other objects, gives the same answers
  const other = { ...t, spec: { containers: [{ name: 'c', image: 'b' }] } };
  for (let i = 0; i < 2; i++) {
    assert.ok(!equalIgnoreHash(t, other));
    assert.ok(equalIgnoreHash(t, structuredClone(t)));
    assert.ok(equalIgnoreHash({ metadata: { labels: { 'pod-template-hash': 'abc' } } }, { metadata: {} }), 'only the hash label: no labels');
  }
});

const deploy = (replicas: number, surge: unknown, unavailable: unknown): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'd', generation: 1 },
  spec: { replicas, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: surge, maxUnavailable: unavailable } } },
});
const rs = (replicas: number, available = replicas): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: { name: `rs-${replicas}` },
  spec: { replicas },
  status: { replicas, readyReplicas: available, availableReplicas: available },
});

test('fenceposts: percentages round surge up and unavailability down; both zero means one unavailable', () => {
  assert.deepEqual(resolveFenceposts(deploy(10, '25%', '25%')), [3, 2]);
  assert.deepEqual(resolveFenceposts(deploy(3, 0, 0)), [0, 1]);
  assert.deepEqual(resolveFenceposts(deploy(4, 1, '0%')), [1, 0]);
});

test('new ReplicaSet size: up to replicas + maxSurge in total', () => {
  const d = deploy(4, 1, 1);
  const old = rs(4);
  const fresh = rs(0);
  assert.equal(newReplicaSetReplicas(d, [old, fresh], fresh), 1);
  assert.equal(newReplicaSetReplicas(d, [rs(3), rs(1)], rs(1)), 2);
});

test('status: Available follows maxUnavailable; complete when every replica is updated and available', () => {
  const d = deploy(4, 1, 1);
  const newRS = rs(4, 3);
  const st = calculateStatus([newRS], newRS, d, Date.parse('2025-01-01T00:00:00Z'));
  assert.equal(st.conditions?.find((c) => c.type === 'Available')?.status, 'True');
  assert.equal(st.unavailableReplicas, 1);
  assert.ok(!deploymentComplete(d, st));
  const done = calculateStatus([rs(4)], rs(4), d, 0);
  assert.ok(deploymentComplete(d, done));
  const low = calculateStatus([rs(4, 2)], rs(4, 2), d, 0);
  assert.equal(low.conditions?.find((c) => c.type === 'Available')?.reason, 'MinimumReplicasUnavailable');
});
