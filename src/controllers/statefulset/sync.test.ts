// syncStatefulSet's decisions against a recording fake API: what it creates and deletes, in
// which order, and when it waits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/types.js';
import { EventRecorder } from '../../client/events.js';
import type { RestClient } from '../../client/rest.js';
import { realClock } from '../../util/clock.js';
import { silentLogger } from '../../util/logger.js';
import { newPod } from './identity.js';
import type { PodControlDeps } from './podcontrol.js';
import { syncStatefulSet, type SyncInput } from './sync.js';

function fakeDeps(): { d: PodControlDeps; calls: string[] } {
  const calls: string[] = [];
  const client = {
    json: async (method: string, path: string, body?: KubeObject) => {
      if (!path.includes('/events')) calls.push(method === 'POST' ? `POST ${body?.metadata?.name}@${body?.metadata?.labels?.['controller-revision-hash']}` : `${method} ${path.slice(path.lastIndexOf('/') + 1)}`);
      return body ?? {};
    },
  } as unknown as RestClient;
  return { d: { client, recorder: new EventRecorder({ json: async () => ({}) as never }, 'test', realClock, silentLogger()), claim: () => undefined }, calls };
}

const set = (replicas: number, spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'web', namespace: 'ns', uid: 'set-uid', generation: 1 },
  spec: { replicas, serviceName: 'web', podManagementPolicy: 'OrderedReady', updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } }, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x' }] } }, ...spec },
});

function pod(s: KubeObject, ord: number, rev: string, ready = true): KubeObject {
  const p = newPod(s, ord, rev);
  p.metadata.uid = `uid-${ord}`;
  p.status = { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: '2020-01-01T00:00:00Z' }] };
  return p;
}

function input(s: KubeObject, pods: KubeObject[], update = 'web-r1'): SyncInput {
  return { set: s, currentSet: s, updateSet: s, currentRevision: 'web-r1', updateRevision: update, collisionCount: 0, pods, now: Date.now() };
}

test('OrderedReady creates the first missing ordinal only once its predecessors are ready', async () => {
  const s = set(3);
  let f = fakeDeps();
  await syncStatefulSet(f.d, input(s, []));
  assert.deepEqual(f.calls, ['POST web-0@web-r1']);
  f = fakeDeps();
  await syncStatefulSet(f.d, input(s, [pod(s, 0, 'web-r1', false)]));
  assert.deepEqual(f.calls, [], 'web-0 not ready: wait');
  f = fakeDeps();
  const out = await syncStatefulSet(f.d, input(s, [pod(s, 0, 'web-r1')]));
  assert.deepEqual(f.calls, ['POST web-1@web-r1']);
  assert.equal(out.status.replicas, 2);
});

test('Parallel creates every missing pod at once', async () => {
  const s = set(3, { podManagementPolicy: 'Parallel' });
  const f = fakeDeps();
  await syncStatefulSet(f.d, input(s, [pod(s, 1, 'web-r1', false)]));
  assert.deepEqual(f.calls, ['POST web-0@web-r1', 'POST web-2@web-r1']);
});

test('scale down removes the highest ordinal first, one at a time', async () => {
  const s = set(1);
  const f = fakeDeps();
  await syncStatefulSet(f.d, input(s, [0, 1, 2].map((i) => pod(s, i, 'web-r1'))));
  assert.deepEqual(f.calls, ['DELETE web-2']);
});

test('a rolling update replaces pods from the top down to the partition', async () => {
  const s = set(3, { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } });
  let f = fakeDeps();
  await syncStatefulSet(f.d, input(s, [0, 1, 2].map((i) => pod(s, i, 'web-r1')), 'web-r2'));
  assert.deepEqual(f.calls, ['DELETE web-2']);
  f = fakeDeps();
  await syncStatefulSet(f.d, input(s, [pod(s, 0, 'web-r1'), pod(s, 1, 'web-r1'), pod(s, 2, 'web-r2')], 'web-r2'));
  assert.deepEqual(f.calls, ['DELETE web-1']);
  f = fakeDeps();
  const out = await syncStatefulSet(f.d, input(s, [pod(s, 0, 'web-r1'), pod(s, 1, 'web-r2'), pod(s, 2, 'web-r2')], 'web-r2'));
  assert.deepEqual(f.calls, [], 'ordinal 0 is below the partition');
  assert.deepEqual([out.status.currentReplicas, out.status.updatedReplicas], [1, 2]);
  // a recreated pod below the partition comes back at the current revision
  f = fakeDeps();
  await syncStatefulSet(f.d, input(s, [pod(s, 1, 'web-r2'), pod(s, 2, 'web-r2')], 'web-r2'));
  assert.deepEqual(f.calls, ['POST web-0@web-r1']);
  // and one above it at the update revision
  f = fakeDeps();
  await syncStatefulSet(f.d, input(s, [pod(s, 0, 'web-r1'), pod(s, 1, 'web-r2')], 'web-r2'));
  assert.deepEqual(f.calls, ['POST web-2@web-r2']);
});

test('OnDelete never deletes for an update', async () => {
  const s = set(2, { updateStrategy: { type: 'OnDelete' } });
  const f = fakeDeps();
  await syncStatefulSet(f.d, input(s, [0, 1].map((i) => pod(s, i, 'web-r1')), 'web-r2'));
  assert.deepEqual(f.calls, []);
});
