// The counting protocol of syncJob against a recording fake API: a finished pod is first written
// into status.uncountedTerminatedPods, only then is its finalizer removed, and only then is it
// counted; a sync that finds a pod already uncounted (a crash in between) never counts it twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/types.js';
import type { RestClient } from '../../client/rest.js';
import type { EventRecorder } from '../../client/events.js';
import { Expectations } from '../runtime/expectations.js';
import { BackoffStore } from './backoff.js';
import { FinalizerExpectations, type SyncDeps } from './state.js';
import { newState, syncJob } from './sync.js';

interface Call {
  method: string;
  path: string;
  body: any;
}

function fakeDeps(): { deps: SyncDeps; calls: Call[]; events: string[] } {
  const calls: Call[] = [];
  const events: string[] = [];
  const clock = { now: () => Date.parse('2025-01-01T00:10:00Z'), nowRFC3339: () => '2025-01-01T00:10:00Z' };
  const client = {
    json: async (method: string, path: string, body?: unknown) => {
      calls.push({ method, path, body: structuredClone(body) });
      return method === 'PUT' ? body : {};
    },
  } as unknown as RestClient;
  const recorder = { event: async (_o: KubeObject, _t: string, reason: string) => void events.push(reason) } as unknown as EventRecorder;
  return { deps: { client, recorder, clock, expectations: new Expectations(clock), finalizers: new FinalizerExpectations(), backoff: new BackoffStore() }, calls, events };
}

const job = (status: Record<string, unknown>): KubeObject => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'j', namespace: 'ns', uid: 'job-uid', resourceVersion: '1' },
  spec: { completions: 1, parallelism: 1, backoffLimit: 6, selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'job-uid' } }, template: { spec: {} } },
  status: { startTime: '2025-01-01T00:00:00Z', ...status },
});

const succeededPod: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'j-abcde', namespace: 'ns', uid: 'pod-1', finalizers: ['batch.kubernetes.io/job-tracking'], ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'j', uid: 'job-uid', controller: true }] },
  spec: {},
  status: { phase: 'Succeeded', containerStatuses: [{ name: 'c', state: { terminated: { exitCode: 0, finishedAt: '2025-01-01T00:05:00Z' } } }] },
};

test('a finished pod is recorded as uncounted before its finalizer goes, then counted once', async () => {
  const { deps, calls, events } = fakeDeps();
  const s = newState('ns/j', job({}), [succeededPod], deps);
  await syncJob(deps, s, true);
  const order = calls.map((c) => `${c.method} ${c.path.split('/').slice(-2).join('/')}`);
  assert.deepEqual(order, ['PUT j/status', 'PATCH pods/j-abcde', 'PUT j/status']);
  assert.deepEqual(calls[0]!.body.status.uncountedTerminatedPods, { succeeded: ['pod-1'] });
  assert.equal(calls[0]!.body.status.succeeded, undefined, 'not counted before the finalizer is removed');
  assert.deepEqual(calls[0]!.body.status.conditions.map((c: { type: string }) => c.type), ['SuccessCriteriaMet']);
  assert.deepEqual(calls[1]!.body, { metadata: { '$deleteFromPrimitiveList/finalizers': ['batch.kubernetes.io/job-tracking'] } });
  const last = calls[2]!.body.status;
  assert.equal(last.succeeded, 1);
  assert.deepEqual(last.uncountedTerminatedPods, {});
  assert.deepEqual(last.conditions.map((c: { type: string; reason: string }) => [c.type, c.reason]), [
    ['SuccessCriteriaMet', 'CompletionsReached'],
    ['Complete', 'CompletionsReached'],
  ]);
  assert.equal(last.completionTime, '2025-01-01T00:10:00Z');
  assert.deepEqual(events, ['Completed']);
});

test('after a crash between the writes, the uncounted pod is counted exactly once', async () => {
  const { deps, calls } = fakeDeps();
  // status already lists the pod as uncounted; its finalizer is still there
  const s = newState('ns/j', job({ uncountedTerminatedPods: { succeeded: ['pod-1'] } }), [succeededPod], deps);
  await syncJob(deps, s, true);
  const puts = calls.filter((c) => c.method === 'PUT');
  assert.ok(puts.every((p) => (p.body.status.uncountedTerminatedPods.succeeded ?? []).length <= 1), 'never listed twice');
  const last = puts[puts.length - 1]!.body.status;
  assert.equal(last.succeeded, 1);
  assert.deepEqual(last.uncountedTerminatedPods, {});
});

test('a pod whose finalizer is already gone is not counted again', async () => {
  const { deps, calls } = fakeDeps();
  const counted = { ...succeededPod, metadata: { ...succeededPod.metadata, finalizers: [] } };
  const s = newState('ns/j', job({ succeeded: 1, uncountedTerminatedPods: {} }), [counted], deps);
  await syncJob(deps, s, true);
  const last = calls.filter((c) => c.method === 'PUT').pop()!.body.status;
  assert.equal(last.succeeded, 1);
  assert.ok(calls.every((c) => c.method !== 'PATCH'));
});
