import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../api/types.js';
import { podPrinter, podSummary } from './pod.js';

const NOW = Date.parse('2024-01-01T12:00:00Z');
const ago = (ms: number): string => new Date(NOW - ms).toISOString();

function pod(spec: Record<string, unknown>, status: Record<string, unknown>, meta: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', creationTimestamp: ago(3600_000), ...meta }, spec, status };
}

const twoContainers = { containers: [{ name: 'a' }, { name: 'b' }] };
const running = (name: string, ready: boolean, restartCount = 0, extra: Record<string, unknown> = {}) => ({ name, ready, restartCount, state: { running: { startedAt: ago(60_000) } }, ...extra });

test('pending pod without status shows Pending and 0/N', () => {
  assert.deepEqual(podSummary(pod(twoContainers, {}), NOW), { ready: '0/2', status: 'Pending', restarts: '0' });
});

test('running pod counts ready containers', () => {
  const s = podSummary(pod(twoContainers, { phase: 'Running', containerStatuses: [running('a', true), running('b', false)] }), NOW);
  assert.deepEqual(s, { ready: '1/2', status: 'Running', restarts: '0' });
});

test('waiting reasons win (CrashLoopBackOff) and restarts show time since last termination', () => {
  const crashing = {
    name: 'b',
    ready: false,
    restartCount: 4,
    state: { waiting: { reason: 'CrashLoopBackOff' } },
    lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(5 * 60_000) } },
  };
  const s = podSummary(pod(twoContainers, { phase: 'Running', containerStatuses: [running('a', true, 1), crashing] }), NOW);
  assert.deepEqual(s, { ready: '1/2', status: 'CrashLoopBackOff', restarts: '5 (5m ago)' });
});

test('terminated container without reason: Signal:N / ExitCode:N', () => {
  const sig = podSummary(pod({ containers: [{ name: 'a' }] }, { phase: 'Failed', containerStatuses: [{ name: 'a', state: { terminated: { exitCode: 137, signal: 9 } } }] }), NOW);
  assert.equal(sig.status, 'Signal:9');
  const code = podSummary(pod({ containers: [{ name: 'a' }] }, { phase: 'Failed', containerStatuses: [{ name: 'a', state: { terminated: { exitCode: 3 } } }] }), NOW);
  assert.equal(code.status, 'ExitCode:3');
});

test('Completed with a container still running: Running if pod Ready, else NotReady', () => {
  // statuses are walked in reverse, so the first container decides the reason
  const statuses = [{ name: 'a', state: { terminated: { exitCode: 0, reason: 'Completed' } } }, running('b', true)];
  const readyCond = [{ type: 'Ready', status: 'True' }];
  assert.equal(podSummary(pod(twoContainers, { phase: 'Running', containerStatuses: statuses, conditions: readyCond }), NOW).status, 'Running');
  assert.equal(podSummary(pod(twoContainers, { phase: 'Running', containerStatuses: statuses }), NOW).status, 'NotReady');
});

test('init containers: Init:x/y, Init:<reason>, Init:Error, Init:ExitCode, Init:Signal', () => {
  const spec = { initContainers: [{ name: 'i1' }, { name: 'i2' }], containers: [{ name: 'a' }] };
  const st = (i2: Record<string, unknown>) => ({
    phase: 'Pending',
    initContainerStatuses: [{ name: 'i1', state: { terminated: { exitCode: 0, reason: 'Completed' } } }, { name: 'i2', ...i2 }],
    containerStatuses: [{ name: 'a', state: { waiting: { reason: 'PodInitializing' } } }],
  });
  assert.equal(podSummary(pod(spec, st({ state: { running: {} } })), NOW).status, 'Init:1/2');
  assert.equal(podSummary(pod(spec, st({ state: { waiting: { reason: 'PodInitializing' } } })), NOW).status, 'Init:1/2');
  assert.equal(podSummary(pod(spec, st({ state: { waiting: { reason: 'ImagePullBackOff' } } })), NOW).status, 'Init:ImagePullBackOff');
  assert.equal(podSummary(pod(spec, st({ state: { terminated: { exitCode: 1, reason: 'Error' } } })), NOW).status, 'Init:Error');
  assert.equal(podSummary(pod(spec, st({ state: { terminated: { exitCode: 2 } } })), NOW).status, 'Init:ExitCode:2');
  assert.equal(podSummary(pod(spec, st({ state: { terminated: { exitCode: 2, signal: 15 } } })), NOW).status, 'Init:Signal:15');
});

test('restartable init containers (sidecars) count towards ready/total and restarts', () => {
  const spec = { initContainers: [{ name: 'side', restartPolicy: 'Always' }], containers: [{ name: 'a' }] };
  const status = {
    phase: 'Running',
    conditions: [{ type: 'Initialized', status: 'True' }],
    initContainerStatuses: [{ name: 'side', ready: true, started: true, restartCount: 2, state: { running: {} }, lastState: { terminated: { exitCode: 1, finishedAt: ago(30_000) } } }],
    containerStatuses: [running('a', true)],
  };
  assert.deepEqual(podSummary(pod(spec, status), NOW), { ready: '2/2', status: 'Running', restarts: '2 (30s ago)' });
});

test('deletion: Terminating unless terminal; Unknown when NodeLost', () => {
  const del = { deletionTimestamp: ago(1000) };
  assert.equal(podSummary(pod(twoContainers, { phase: 'Running' }, del), NOW).status, 'Terminating');
  assert.equal(podSummary(pod(twoContainers, { phase: 'Succeeded' }, del), NOW).status, 'Succeeded');
  assert.equal(podSummary(pod(twoContainers, { phase: 'Running', reason: 'NodeLost' }, del), NOW).status, 'Unknown');
});

test('SchedulingGated and status.reason override the phase', () => {
  const gated = { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] };
  assert.equal(podSummary(pod(twoContainers, gated), NOW).status, 'SchedulingGated');
  assert.equal(podSummary(pod(twoContainers, { phase: 'Failed', reason: 'Evicted' }), NOW).status, 'Evicted');
});

test('pod row cells, including wide columns', () => {
  const p = pod(
    { ...twoContainers, nodeName: 'n1', readinessGates: [{ conditionType: 'x/ok' }, { conditionType: 'x/lb' }] },
    { phase: 'Running', podIPs: [{ ip: '10.0.0.7' }], podIP: '10.0.0.7', conditions: [{ type: 'x/ok', status: 'True' }], containerStatuses: [running('a', true), running('b', true)] },
  );
  assert.deepEqual(podPrinter.cells(p, NOW), ['p', '2/2', 'Running', '0', '60m', '10.0.0.7', 'n1', '<none>', '1/2']);
  assert.deepEqual(podPrinter.cells(pod(twoContainers, {}), NOW).slice(5), ['<none>', '<none>', '<none>', '<none>']);
});
