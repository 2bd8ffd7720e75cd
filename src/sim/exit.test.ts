import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/types.js';
import { exitDueAt, exitedStatus, exitHook, parseDuration } from './exit.js';
import { runningStatus } from './podstatus.js';

const T0 = '2025-01-01T00:00:00Z';
const T1 = '2025-01-01T00:00:02Z';

function running(annotations: Record<string, string>, restartPolicy = 'Never'): KubeObject {
  const p: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default', uid: 'u-1', annotations },
    spec: { nodeName: 'n', restartPolicy, containers: [{ name: 'app', image: 'busybox' }] },
    status: { phase: 'Pending' },
  };
  return { ...p, status: runningStatus(p, '172.16.0.10', '10.42.0.2', T0) };
}

describe('sim container exits', () => {
  it('parses Go durations and the annotations', () => {
    assert.equal(parseDuration('1s'), 1000);
    assert.equal(parseDuration('1m30s'), 90_000);
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration('soon'), undefined);
    assert.deepEqual(exitHook(running({ 'sim.kubelite.io/exit-after': '2s', 'sim.kubelite.io/exit-code': '3' })), { afterMs: 2000, code: 3 });
    assert.deepEqual(exitHook(running({ 'sim.kubelite.io/exit-after': '2s' })), { afterMs: 2000, code: 0 });
    assert.equal(exitHook(running({})), undefined);
    assert.equal(exitHook(running({ 'sim.kubelite.io/exit-after': 'x' })), undefined);
  });

  it('ends a restartPolicy Never pod Succeeded on exit 0 and Failed otherwise', () => {
    const ok = running({ 'sim.kubelite.io/exit-after': '2s' });
    const hook = exitHook(ok)!;
    assert.equal(exitDueAt(ok, hook), Date.parse(T1));
    const s = exitedStatus(ok, hook, T1);
    assert.equal(s.phase, 'Succeeded');
    const cs = (s.containerStatuses as { ready: boolean; state: { terminated: { exitCode: number; reason: string; startedAt: string; finishedAt: string } } }[])[0]!;
    assert.deepEqual(cs.state.terminated.exitCode, 0);
    assert.equal(cs.state.terminated.reason, 'Completed');
    assert.deepEqual([cs.state.terminated.startedAt, cs.state.terminated.finishedAt], [T0, T1]);
    assert.equal(cs.ready, false);
    const ready = (s.conditions as { type: string; status: string; reason?: string }[]).find((c) => c.type === 'Ready')!;
    assert.deepEqual([ready.status, ready.reason], ['False', 'PodCompleted']);

    const bad = running({ 'sim.kubelite.io/exit-after': '2s', 'sim.kubelite.io/exit-code': '1' });
    const f = exitedStatus(bad, exitHook(bad)!, T1);
    assert.equal(f.phase, 'Failed');
    assert.equal((f.containerStatuses as { state: { terminated: { reason: string } } }[])[0]!.state.terminated.reason, 'Error');
  });

  it('restarts the containers under OnFailure with a non-zero code', () => {
    const p = running({ 'sim.kubelite.io/exit-after': '2s', 'sim.kubelite.io/exit-code': '1' }, 'OnFailure');
    const s = exitedStatus(p, exitHook(p)!, T1);
    assert.equal(s.phase, 'Running');
    const cs = (s.containerStatuses as { restartCount: number; lastState: { terminated?: { exitCode: number } }; state: { running?: { startedAt: string } } }[])[0]!;
    assert.equal(cs.restartCount, 1);
    assert.equal(cs.lastState.terminated?.exitCode, 1);
    assert.equal(cs.state.running?.startedAt, T1);
    assert.equal(exitDueAt({ ...p, status: s }, exitHook(p)!), Date.parse(T1) + 2000);
  });
});
