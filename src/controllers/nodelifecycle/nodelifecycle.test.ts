// Unit tests of the node lifecycle's pure logic: toleration matching and timing, zone states
// and pacing, health observation and the Unknown conditions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/types.js';
import { matchingTolerations, minTolerationMs, tolerates, TAINT_UNREACHABLE, TAINT_NOT_READY } from './taints.js';
import { computeZoneState, TokenBucket, Zones, DEFAULT_ZONE_RATES } from './zones.js';
import { observe, unknownConditions } from './health.js';

const clockAt = (t: { now: number }) => ({ now: () => t.now, nowRFC3339: () => new Date(t.now).toISOString().replace(/\.\d{3}Z$/, 'Z') });
const unreachable = { key: TAINT_UNREACHABLE, effect: 'NoExecute' };
const notReady = { key: TAINT_NOT_READY, effect: 'NoExecute' };

test('tolerations: matching rules, the tolerations a pod uses, and how long it may stay', () => {
  assert.ok(tolerates({ operator: 'Exists' }, unreachable), 'empty key with Exists tolerates everything');
  assert.ok(tolerates({ key: TAINT_UNREACHABLE, operator: 'Exists' }, unreachable), 'empty effect matches every effect');
  assert.ok(!tolerates({ key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoSchedule' }, unreachable));
  assert.ok(tolerates({ key: 'k', value: 'v' }, { key: 'k', value: 'v', effect: 'NoExecute' }), 'operator defaults to Equal');
  assert.ok(!tolerates({ key: 'k', operator: 'Equal', value: 'w' }, { key: 'k', value: 'v', effect: 'NoExecute' }));
  const tols = [
    { key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 },
    { key: TAINT_NOT_READY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 },
  ];
  assert.equal(matchingTolerations([unreachable, { key: 'other', effect: 'NoExecute' }], tols), undefined, 'one untolerated taint: evict now');
  const used = matchingTolerations([unreachable, notReady], tols)!;
  assert.equal(minTolerationMs(used), 10_000, 'the smallest limit wins');
  assert.equal(minTolerationMs(matchingTolerations([unreachable], [{ key: TAINT_UNREACHABLE, operator: 'Exists' }])!), -1, 'no limit: forever');
  assert.equal(minTolerationMs([{ operator: 'Exists', tolerationSeconds: -5 }]), 0, 'negative: at once');
  assert.equal(minTolerationMs([{ operator: 'Exists' }, { operator: 'Exists', tolerationSeconds: 5 }]), 5000, 'a limit among unlimited ones still applies');
});

test('zones: disruption states and the pace of tainting', () => {
  assert.equal(computeZoneState(['True', 'True', 'Unknown'], 0.55), 'Normal');
  assert.equal(computeZoneState(['Unknown', 'False'], 0.55), 'FullDisruption');
  assert.equal(computeZoneState(['True', 'Unknown', 'Unknown', 'False'], 0.55), 'PartialDisruption');
  assert.equal(computeZoneState(['True', 'Unknown', 'Unknown'], 0.55), 'Normal', 'two NotReady nodes never disrupt a zone');

  const t = { now: 0 };
  const b = new TokenBucket(0.1, clockAt(t));
  assert.ok(b.tryTake(), 'burst of one');
  assert.ok(!b.tryTake());
  assert.equal(Math.round(b.waitMs()), 10_000);
  t.now = 10_000;
  assert.ok(b.tryTake());

  const node = (name: string, zone?: string): KubeObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: zone ? { 'topology.kubernetes.io/zone': zone } : {} } });
  const zones = new Zones(DEFAULT_ZONE_RATES, clockAt(t));
  zones.update([
    { node: node('a', 'z1'), ready: 'Unknown' },
    { node: node('b', 'z2'), ready: 'True' },
  ]);
  assert.equal(zones.state(node('a', 'z1')), 'FullDisruption');
  assert.ok(zones.admit(node('a', 'z1')).ok, 'one zone down while another is up: taint at the normal rate');
  assert.ok(zones.update([
    { node: node('a', 'z1'), ready: 'Unknown' },
    { node: node('b', 'z2'), ready: 'Unknown' },
  ]));
  assert.deepEqual(zones.admit(node('b', 'z2')), { ok: false, waitMs: Infinity }, 'every zone down: taint nothing');
  const small = new Zones(DEFAULT_ZONE_RATES, clockAt(t));
  const four = ['True', 'Unknown', 'Unknown', 'Unknown'].map((ready, i) => ({ node: node(`n${i}`), ready }));
  small.update(four);
  assert.equal(small.state(node('n0')), 'PartialDisruption');
  assert.ok(small.admit(node('n1')).ok, 'the token taken before the state changed');
  assert.deepEqual(small.admit(node('n2')), { ok: false, waitMs: Infinity }, 'a small cluster in partial disruption stops tainting');
});

test('health: a new lease renewal or heartbeat is a sign of life; silence makes the conditions Unknown', () => {
  const node: KubeObject = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'n', uid: 'u1', creationTimestamp: '2026-01-01T00:00:00Z' },
    status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: '2026-01-01T00:00:10Z', lastTransitionTime: '2026-01-01T00:00:01Z' }] },
  };
  const lease = (renewTime: string): KubeObject => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'n' }, spec: { renewTime } });
  const h = observe(undefined, node, lease('2026-01-01T00:00:10.000000Z'), 1000);
  assert.equal(h.probeMs, 1000);
  observe(h, node, lease('2026-01-01T00:00:10.000000Z'), 5000);
  assert.equal(h.probeMs, 1000, 'nothing new');
  observe(h, node, lease('2026-01-01T00:00:20.000000Z'), 6000);
  assert.equal(h.probeMs, 6000, 'lease renewed');
  observe(h, node, lease('2026-01-01T00:00:05.000000Z'), 7000);
  assert.equal(h.probeMs, 6000, 'an older renewal is no sign of life');

  const conds = unknownConditions(node, '2026-01-01T00:01:00Z')!;
  const ready = conds.find((c) => c.type === 'Ready')!;
  assert.deepEqual(
    { status: ready.status, reason: ready.reason, message: ready.message, hb: ready.lastHeartbeatTime, lt: ready.lastTransitionTime },
    { status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', hb: '2026-01-01T00:00:10Z', lt: '2026-01-01T00:01:00Z' },
  );
  const mem = conds.find((c) => c.type === 'MemoryPressure')!;
  assert.equal(mem.reason, 'NodeStatusNeverUpdated');
  assert.equal(mem.message, 'Kubelet never posted node status.');
  assert.equal(unknownConditions({ ...node, status: { conditions: conds } }, '2026-01-01T00:02:00Z'), undefined, 'already Unknown: no write');
});
