// The probe worker's state machine with a fake clock and a scripted runner: thresholds,
// initial delay, startup gating, hold after a liveness failure, container restarts, deletion.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../types.js';
import { ProbeError, type Outcome, type ProbeKind, type ProbeSpec } from './types.js';
import { ProbeWorker, type ContainerView, type Result } from './worker.js';

const T0 = 1_700_000_000_000;
const ok: Outcome = { result: 'success', output: '' };
const bad: Outcome = { result: 'failure', output: 'HTTP probe failed with statuscode: 500' };

/** One step of a scenario: advance the clock, change the container or pod, then probe once. */
interface Step {
  /** seconds since the container started */
  at?: number;
  /** what the runner answers (an Error: the probe errored); absent: the runner must not be called */
  answer?: Outcome | Error;
  container?: Partial<ContainerView>;
  started?: boolean;
  deleting?: boolean;
  /** the result recorded for the container after the step (undefined: none) */
  want: Result | undefined;
  /** doProbe's answer (default true: keep going) */
  keep?: boolean;
}

interface Case {
  name: string;
  kind: ProbeKind;
  spec: ProbeSpec;
  restartPolicy?: 'Always' | 'Never';
  steps: Step[];
  events?: string[];
}

const spec = (extra: Partial<ProbeSpec> = {}): ProbeSpec => ({ httpGet: { port: 80, path: '/' }, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3, ...extra });

const cases: Case[] = [
  {
    name: 'readiness starts as failure and turns success on the first success',
    kind: 'readiness',
    spec: spec(),
    steps: [{ answer: ok, want: 'success' }],
  },
  {
    name: 'readiness needs successThreshold successes in a row',
    kind: 'readiness',
    spec: spec({ successThreshold: 3 }),
    steps: [
      { answer: ok, want: 'failure' },
      { answer: ok, want: 'failure' },
      { answer: ok, want: 'success' },
      { answer: bad, want: 'success' },
      { answer: bad, want: 'success' },
      { answer: bad, want: 'failure' },
      { answer: ok, want: 'failure' },
    ],
    events: ['Warning Unhealthy Readiness probe failed: HTTP probe failed with statuscode: 500'],
  },
  {
    name: 'liveness starts as success and fails after failureThreshold failures in a row, then holds',
    kind: 'liveness',
    spec: spec(),
    steps: [
      { answer: bad, want: 'success' },
      { answer: ok, want: 'success' },
      { answer: bad, want: 'success' },
      { answer: bad, want: 'success' },
      { answer: bad, want: 'failure' },
      { want: 'failure' }, // on hold: no probe until a new container
      { container: { id: 'c2', startedAt: 0 }, answer: ok, want: 'success' },
    ],
    events: ['Warning Unhealthy Liveness probe failed: HTTP probe failed with statuscode: 500'],
  },
  {
    name: 'failureThreshold 1 fails at once',
    kind: 'liveness',
    spec: spec({ failureThreshold: 1 }),
    steps: [{ answer: bad, want: 'failure' }],
  },
  {
    name: 'no probe within initialDelaySeconds',
    kind: 'liveness',
    spec: spec({ initialDelaySeconds: 5, failureThreshold: 1 }),
    steps: [
      { at: 0, want: 'success' },
      { at: 4.9, want: 'success' },
      { at: 5, answer: bad, want: 'failure' },
    ],
  },
  {
    name: 'readiness keeps its initial failure during the initial delay',
    kind: 'readiness',
    spec: spec({ initialDelaySeconds: 3 }),
    steps: [
      { at: 1, want: 'failure' },
      { at: 3, answer: ok, want: 'success' },
    ],
  },
  {
    name: 'liveness waits until the startup probe passed',
    kind: 'liveness',
    spec: spec({ failureThreshold: 1 }),
    steps: [
      { started: false, want: 'success' },
      { started: false, want: 'success' },
      { started: true, answer: bad, want: 'failure' },
    ],
  },
  {
    name: 'startup probes until started, then stops probing; failure threshold kills',
    kind: 'startup',
    spec: spec({ failureThreshold: 2 }),
    steps: [
      { started: false, answer: bad, want: 'unknown' },
      { started: false, answer: ok, want: 'success' },
      { started: true, want: 'success' },
      { container: { id: 'c2', startedAt: 0 }, started: false, answer: bad, want: 'unknown' },
      { started: false, answer: bad, want: 'failure' },
      { started: false, want: 'failure' },
    ],
    events: ['Warning Unhealthy Startup probe failed: HTTP probe failed with statuscode: 500'],
  },
  {
    name: 'an errored probe leaves the result and the run alone',
    kind: 'liveness',
    spec: spec({ failureThreshold: 2 }),
    steps: [
      { answer: bad, want: 'success' },
      { answer: new ProbeError('strconv.Atoi: parsing "web": invalid syntax'), want: 'success' },
      { answer: bad, want: 'failure' },
    ],
    events: [
      'Warning Unhealthy Liveness probe failed: HTTP probe failed with statuscode: 500',
      'Warning Unhealthy Liveness probe errored: strconv.Atoi: parsing "web": invalid syntax',
    ],
  },
  {
    name: 'a warning counts as success and is told',
    kind: 'readiness',
    spec: spec(),
    steps: [{ answer: { result: 'warning', output: 'Probe terminated redirects, Response body: ' }, want: 'success' }],
    events: ['Warning ProbeWarning Readiness probe warning: Probe terminated redirects, Response body: '],
  },
  {
    name: 'a container that is not running fails; exited under restartPolicy Never ends the worker',
    kind: 'readiness',
    spec: spec(),
    restartPolicy: 'Never',
    steps: [
      { answer: ok, want: 'success' },
      { container: { running: false, exited: true }, want: 'failure', keep: false },
    ],
  },
  {
    name: 'an exited container is waited for when it will restart',
    kind: 'liveness',
    spec: spec(),
    steps: [{ container: { running: false, exited: true }, want: 'failure', keep: true }],
  },
  {
    name: 'liveness turns success and stops when the pod is being deleted',
    kind: 'liveness',
    spec: spec({ failureThreshold: 1 }),
    steps: [{ deleting: true, want: 'success', keep: false }],
  },
  {
    name: 'readiness keeps probing while the pod is being deleted',
    kind: 'readiness',
    spec: spec(),
    steps: [{ deleting: true, answer: bad, want: 'failure', keep: true }],
  },
];

for (const tc of cases) {
  test(`probe worker: ${tc.name}`, async () => {
    let now = T0;
    const clock = { now: () => now, nowRFC3339: () => new Date(now).toISOString() };
    const results = new Map<string, Result>();
    const events: string[] = [];
    let container: ContainerView = { id: 'c1', running: true, exited: false, startedAt: T0 };
    let started = true;
    let deleting = false;
    let answer: Outcome | Error | undefined;
    let calls = 0;
    const pod = (): Pod => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'default', uid: 'u1', ...(deleting ? { deletionTimestamp: '2025-01-01T00:00:00Z' } : {}) },
      spec: { restartPolicy: tc.restartPolicy ?? 'Always', containers: [{ name: 'web' }] },
    });
    const w = new ProbeWorker(tc.kind, { name: 'web' }, tc.spec, {
      clock,
      run: async () => {
        calls++;
        if (answer === undefined) throw new Error('the runner was called although no probe was due');
        if (answer instanceof Error) throw answer;
        return answer;
      },
      view: () => ({ pod: pod(), podIP: '10.42.0.9', container, started }),
      set: (id, r) => results.set(id, r),
      remove: (id) => results.delete(id),
      event: (type, reason, message) => events.push(`${type} ${reason} ${message}`),
    });
    for (const [i, s] of tc.steps.entries()) {
      if (s.container) {
        container = { ...container, ...s.container };
        if (s.container.startedAt !== undefined) container.startedAt = now + s.container.startedAt * 1000;
      }
      if (s.at !== undefined) now = container.startedAt + s.at * 1000;
      if (s.started !== undefined) started = s.started;
      deleting = s.deleting ?? false;
      answer = s.answer;
      const before = calls;
      const keep = await w.doProbe();
      assert.equal(calls - before, s.answer === undefined ? 0 : 1, `step ${i}: runner calls`);
      assert.equal(results.get(container.id), s.want, `step ${i}: result`);
      assert.equal(keep, s.keep ?? true, `step ${i}: keep going`);
      if (s.container?.id) assert.equal(results.has('c1'), false, `step ${i}: the old container's result is gone`);
    }
    if (tc.events) assert.deepEqual([...new Set(events)], tc.events);
  });
}

test('probe worker: run() probes every period and stops when told', async () => {
  let calls = 0;
  const w = new ProbeWorker('readiness', { name: 'web' }, { exec: { command: ['true'] }, periodSeconds: 1 }, {
    clock: { now: () => Date.now(), nowRFC3339: () => '' },
    run: async () => {
      calls++;
      return ok;
    },
    view: () => ({ pod: { metadata: { uid: 'u' }, spec: { containers: [] } } as unknown as Pod, podIP: '', container: { id: 'c', running: true, exited: false, startedAt: 0 }, started: true }),
    set: () => undefined,
    remove: () => undefined,
    event: () => undefined,
  });
  const done = w.run();
  w.trigger(); // at once, not a period later
  const end = Date.now() + 10_000;
  while (calls < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  assert.ok(calls >= 2, `probed ${calls} times`);
  w.stop();
  await done;
  assert.equal(w.isStopped, true);
});
