import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/types.js';
import { allContainersTerminated, isRunningAsSimulated, runningStatus, terminatedStatus } from './podstatus.js';

const T0 = '2025-01-01T00:00:00Z';
const T1 = '2025-01-01T00:01:00Z';

function pod(): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default', uid: 'u-1' },
    spec: {
      nodeName: 'n',
      initContainers: [{ name: 'init', image: 'busybox' }, { name: 'sidecar', image: 'envoy', restartPolicy: 'Always' }],
      containers: [{ name: 'app', image: 'nginx' }],
    },
    status: { phase: 'Pending', qosClass: 'BestEffort', conditions: [{ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: '2024-12-31T00:00:00Z' }] },
  };
}

describe('sim pod status', () => {
  it('reports Running/Ready with IPs, init containers Completed and sidecars running', () => {
    const p = pod();
    const s = runningStatus(p, '172.16.0.10', '10.42.0.2', T0);
    assert.equal(s.phase, 'Running');
    assert.equal(s.qosClass, 'BestEffort', 'other status fields kept');
    assert.deepEqual(s.podIPs, [{ ip: '10.42.0.2' }]);
    assert.deepEqual(s.hostIPs, [{ ip: '172.16.0.10' }]);
    assert.equal(s.startTime, T0);
    const conds = s.conditions as { type: string; status: string; lastTransitionTime: string }[];
    assert.deepEqual(conds.map((c) => c.type), ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']);
    assert.ok(conds.every((c) => c.status === 'True'));
    assert.equal(conds.find((c) => c.type === 'PodScheduled')!.lastTransitionTime, '2024-12-31T00:00:00Z', 'unchanged condition keeps its time');
    const init = s.initContainerStatuses as { name: string; state: { terminated?: { exitCode: number; reason: string }; running?: unknown } }[];
    assert.deepEqual(init[0]!.state.terminated && [init[0]!.state.terminated.exitCode, init[0]!.state.terminated.reason], [0, 'Completed']);
    assert.ok(init[1]!.state.running);
    const cs = s.containerStatuses as { ready: boolean; started: boolean; containerID: string; state: { running?: { startedAt: string } } }[];
    assert.equal(cs.length, 1);
    assert.ok(cs[0]!.ready && cs[0]!.started);
    assert.equal(cs[0]!.state.running?.startedAt, T0);
    assert.match(cs[0]!.containerID, /^kubelite-sim:\/\/[0-9a-f]{64}$/);

    assert.equal(isRunningAsSimulated(p, '172.16.0.10', '10.42.0.2'), false);
    const running = { ...p, status: s };
    assert.equal(isRunningAsSimulated(running, '172.16.0.10', '10.42.0.2'), true);
    assert.equal(isRunningAsSimulated(running, '172.16.0.10', '10.42.0.3'), false);
    // idempotent: a second computation later keeps the times
    assert.deepEqual(runningStatus(running, '172.16.0.10', '10.42.0.2', T1), s);
  });

  it('terminates containers gracefully on deletion', () => {
    const p = pod();
    assert.equal(allContainersTerminated(p), true, 'nothing ever started');
    const running = { ...p, status: runningStatus(p, '172.16.0.10', '10.42.0.2', T0) };
    assert.equal(allContainersTerminated(running), false);
    const s = terminatedStatus(running, T1);
    const done = { ...p, status: s };
    assert.equal(allContainersTerminated(done), true);
    assert.equal(s.phase, 'Succeeded');
    const app = (s.containerStatuses as { ready: boolean; state: { terminated: { exitCode: number; startedAt: string; finishedAt: string } } }[])[0]!;
    assert.equal(app.ready, false);
    assert.deepEqual([app.state.terminated.exitCode, app.state.terminated.startedAt, app.state.terminated.finishedAt], [0, T0, T1]);
    const ready = (s.conditions as { type: string; status: string }[]).find((c) => c.type === 'Ready');
    assert.equal(ready?.status, 'False');
  });
});
