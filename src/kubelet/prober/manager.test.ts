// The prober's verdicts as the pod workers see them: no probe = ready and started, readiness
// false until it passes, startup gating, a kill request after a liveness failure, results of a
// replaced container dropped, workers gone with the pod.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../util/logger.js';
import type { ContainerInfo, PodRuntimeState } from '../runtime.js';
import type { Pod } from '../types.js';
import { Prober } from './manager.js';
import type { Outcome } from './types.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, fn: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

function info(name: string, id: string, state: ContainerInfo['state'] = 'CONTAINER_RUNNING'): ContainerInfo {
  return { id, name, attempt: 0, kind: 'app', sandboxId: 's', state, createdAt: 1, startedAt: Date.now() - 60_000, finishedAt: 0, exitCode: 0, reason: '', message: '', image: '', imageRef: '', logPath: '' };
}

const state = (...cs: ContainerInfo[]): PodRuntimeState => ({ sandboxes: [{ id: 's', attempt: 0, state: 'SANDBOX_READY', createdAt: 1, ip: '10.42.0.5' }], containers: cs });

test('prober: verdicts, kill requests and worker lifecycle', async () => {
  const answers = new Map<string, Outcome>(); // by kind of handler: the exec command names the probe
  const events: string[] = [];
  const changes: string[] = [];
  const ac = new AbortController();
  const prober = new Prober({
    run: async (spec, t) => {
      assert.equal(t.podIP, '10.42.0.5');
      return answers.get(spec.exec!.command![0]!) ?? { result: 'success', output: '' };
    },
    recorder: { event: async (_o, type, reason, message, fieldPath) => void events.push(`${type} ${reason} ${fieldPath} ${message}`) },
    clock: { now: () => Date.now() + 3_600_000, nowRFC3339: () => '' }, // long after the prober's start: no first-probe spreading
    log: silentLogger(),
    nodeIP: () => '192.168.1.2',
    onChange: (uid) => changes.push(uid),
  }, ac.signal);
  const probe = (name: string, extra = {}) => ({ exec: { command: [name] }, periodSeconds: 1, failureThreshold: 1, ...extra });
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default', uid: 'u1' },
    spec: {
      containers: [
        { name: 'plain' },
        { name: 'web', readinessProbe: probe('ready'), livenessProbe: probe('live', { terminationGracePeriodSeconds: 3 }) },
        { name: 'slow', startupProbe: probe('startup') },
      ],
    },
  };
  answers.set('startup', { result: 'failure', output: 'not yet' });
  prober.syncPod(pod, state(info('plain', 'p1'), info('web', 'w1'), info('slow', 's1')));
  assert.equal(prober.activeWorkers, 3, "one worker per probe");
  assert.equal(prober.ready('u1', 'plain', 'p1'), true, 'no probe: ready');
  assert.equal(prober.started('u1', 'plain', 'p1'), true, 'no probe: started');
  await until('web ready', () => prober.ready('u1', 'web', 'w1') === true);
  assert.equal(prober.started('u1', 'web', 'w1'), true);
  assert.ok(changes.includes('u1'), 'a result change kicks the pod worker');
  // startup failed (threshold 1): not started, and to be killed
  await until('startup verdict', () => prober.killRequest('u1', 'slow', 's1') !== undefined);
  assert.equal(prober.started('u1', 'slow', 's1'), false);
  assert.deepEqual(prober.killRequest('u1', 'slow', 's1'), { reason: 'StartupProbe', message: 'Container slow failed startup probe' });
  assert.ok(events.includes('Warning Unhealthy spec.containers{slow} Startup probe failed: not yet'), events.join('\n'));
  // liveness fails: kill request with the probe's grace period; readiness fails too
  answers.set('live', { result: 'failure', output: 'HTTP probe failed with statuscode: 500' });
  answers.set('ready', { result: 'failure', output: 'nope' });
  await until('liveness verdict', () => prober.killRequest('u1', 'web', 'w1') !== undefined);
  assert.deepEqual(prober.killRequest('u1', 'web', 'w1'), { reason: 'LivenessProbe', message: 'Container web failed liveness probe', gracePeriodSeconds: 3 });
  await until('web unready', () => prober.ready('u1', 'web', 'w1') === false);
  assert.ok(events.includes('Warning Unhealthy spec.containers{web} Liveness probe failed: HTTP probe failed with statuscode: 500'));
  // the container restarted: fresh results for the new id (readiness false until probed)
  answers.delete('live');
  prober.syncPod(pod, state(info('plain', 'p1'), info('web', 'w2'), info('slow', 's1')));
  assert.equal(prober.ready('u1', 'web', 'w2'), false);
  answers.delete('ready');
  await until('the new instance ready', () => prober.ready('u1', 'web', 'w2') === true);
  assert.equal(prober.killRequest('u1', 'web', 'w2'), undefined);
  assert.equal(prober.ready('u1', 'web', 'w1'), false, 'the old instance has no result left');
  prober.removePod('u1');
  await until('workers stopped', () => prober.activeWorkers === 0);
  assert.equal(prober.ready('u1', 'web', 'w2'), undefined, 'a removed pod has no verdicts');
  ac.abort();
});

test('prober: hostNetwork pods are probed on the node IP', async () => {
  const ac = new AbortController();
  let ip = '';
  const prober = new Prober({
    run: async (_s, t) => ((ip = t.podIP), { result: 'success', output: '' }),
    recorder: { event: async () => undefined },
    clock: { now: () => Date.now() + 3_600_000, nowRFC3339: () => '' },
    log: silentLogger(),
    nodeIP: () => '192.168.1.2',
    onChange: () => undefined,
  }, ac.signal);
  const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'h', namespace: 'default', uid: 'u2' }, spec: { hostNetwork: true, containers: [{ name: 'c', readinessProbe: { exec: { command: ['x'] }, periodSeconds: 1 } }] } };
  prober.syncPod(pod, { sandboxes: [{ id: 's', attempt: 0, state: 'SANDBOX_READY', createdAt: 1, ip: '' }], containers: [info('c', 'c1')] });
  await until('ready', () => prober.ready('u2', 'c', 'c1') === true);
  assert.equal(ip, '192.168.1.2');
  ac.abort();
  await until('workers stopped by the signal', () => prober.activeWorkers === 0);
});
