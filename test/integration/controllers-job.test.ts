// The Job and TTL-after-finished controllers on simulated nodes, whose containers exit when the
// pod says so (sim.kubelite.io/exit-after / exit-code): completions and parallelism, the
// backoff limit with its replacement delay, activeDeadlineSeconds, Indexed completion,
// suspend/resume, tracking finalizers, conditions, events and ttlSecondsAfterFinished.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/types.js';
import { MERGE, ensureNamespace, events, eventsUntil, listPods, startControllerEnv, until, type ControllerEnv } from './controllers-support.js';

const EXIT_AFTER = 'sim.kubelite.io/exit-after';
const EXIT_CODE = 'sim.kubelite.io/exit-code';

function job(name: string, spec: Record<string, unknown>, annotations: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: {
      template: {
        metadata: { annotations },
        spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '10m' } } }] },
      },
      ...spec,
    },
  };
}

interface Cond {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

const conds = (j: KubeObject): Cond[] => (j.status?.conditions ?? []) as Cond[];
const cond = (j: KubeObject, type: string) => conds(j).find((c) => c.type === type);
const isTerminalPod = (p: KubeObject) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';

describe('Job controller on simulated nodes', () => {
  let env: ControllerEnv;
  const ns = 'jobs';
  const jobPath = (name: string) => `/apis/batch/v1/namespaces/${ns}/jobs/${name}`;
  const getJob = (name: string) => env.api.json<KubeObject>('GET', jobPath(name));
  const podsOf = (name: string) => listPods(env.api, ns, `batch.kubernetes.io/job-name=${name}`);
  const create = (j: KubeObject) => env.api.json<KubeObject>('POST', `/apis/batch/v1/namespaces/${ns}/jobs`, j);

  before(async () => {
    env = await startControllerEnv();
    await ensureNamespace(env.api, ns);
  });
  after(async () => env?.close());

  it('runs completions=3 with parallelism=2 to Complete, never more than 2 pods at once', async () => {
    const created = await create(job('pi', { completions: 3, parallelism: 2 }, { [EXIT_AFTER]: '1s' }));
    let maxActive = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const live = (await podsOf('pi')).filter((p) => !isTerminalPod(p) && !p.metadata.deletionTimestamp);
        maxActive = Math.max(maxActive, live.length);
        const j = await getJob('pi');
        maxActive = Math.max(maxActive, Number(j.status?.active ?? 0));
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const done = await until(async () => {
      const j = await getJob('pi');
      return cond(j, 'Complete')?.status === 'True' ? j : undefined;
    }, 'Job Complete', 60_000);
    sampling = false;
    await sampler;
    assert.ok(maxActive <= 2, `at most 2 active pods, saw ${maxActive}`);
    assert.ok(maxActive === 2, 'both slots were used');
    const st = done.status;
    assert.equal(st.succeeded, 3);
    assert.equal(st.failed, undefined);
    assert.equal(st.active, undefined);
    assert.equal(st.ready, 0);
    assert.equal(st.terminating, 0);
    assert.deepEqual(st.uncountedTerminatedPods, {});
    assert.ok(st.startTime && st.completionTime && Date.parse(st.completionTime) >= Date.parse(st.startTime));
    // 1.32 sets the interim SuccessCriteriaMet condition first, then Complete, same reason
    assert.deepEqual(
      conds(done).map((c) => [c.type, c.status, c.reason, c.message]),
      [
        ['SuccessCriteriaMet', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods'],
        ['Complete', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods'],
      ],
    );
    assert.equal(done.status.completionTime, cond(done, 'Complete')!.lastTransitionTime);
    const pods = await podsOf('pi');
    assert.equal(pods.filter((p) => p.status?.phase === 'Succeeded').length, 3);
    for (const p of pods) {
      assert.match(p.metadata.name!, /^pi-[a-z0-9]{5}$/);
      assert.deepEqual(p.metadata.finalizers ?? [], [], 'tracking finalizer removed once counted');
      assert.equal(p.metadata.labels?.['batch.kubernetes.io/controller-uid'], created.metadata.uid);
      assert.equal(p.metadata.labels?.['controller-uid'], created.metadata.uid);
      assert.equal(p.metadata.labels?.['job-name'], 'pi');
      assert.deepEqual(p.metadata.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'Job', name: 'pi', uid: created.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    }
    const evs = await until(async () => {
      const e = await events(env.api, ns, 'pi');
      return e.some((x) => x.reason === 'Completed') ? e : undefined;
    }, 'Completed event');
    assert.equal(evs.filter((e) => e.reason === 'SuccessfulCreate').length, 3);
    assert.match(evs.find((e) => e.reason === 'SuccessfulCreate')!.message as string, /^Created pod: pi-/);
    assert.equal(evs.find((e) => e.reason === 'Completed')!.message, 'Job completed');
  });

  it('holds running pods with the job-tracking finalizer, and lets them go when the Job is deleted', async () => {
    await create(job('held', { completions: 1 }));
    const pod = await until(async () => (await podsOf('held')).find((p) => p.status?.phase === 'Running'), 'a running pod');
    assert.deepEqual(pod.metadata.finalizers, ['batch.kubernetes.io/job-tracking']);
    // the Job goes first; its pod must not stay stuck on the finalizer
    await env.api.json('DELETE', jobPath('held'), { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background' });
    await until(async () => ((await podsOf('held')).length === 0 ? true : undefined), 'the orphaned pod released and deleted', 30_000);
  });

  it('retries failed pods after a back-off until backoffLimit, then fails with BackoffLimitExceeded', async () => {
    await create(job('flaky', { backoffLimit: 1 }, { [EXIT_AFTER]: '1s', [EXIT_CODE]: '1' }));
    const failed = await until(
      async () => {
        const j = await getJob('flaky');
        return cond(j, 'Failed')?.status === 'True' ? j : undefined;
      },
      'Job Failed',
      60_000,
    );
    assert.equal(failed.status.failed, 2);
    assert.equal(failed.status.succeeded, undefined);
    assert.equal(failed.status.completionTime, undefined, 'only a Complete job has a completionTime');
    assert.deepEqual(
      conds(failed).map((c) => [c.type, c.status, c.reason, c.message]),
      [
        ['FailureTarget', 'True', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'],
        ['Failed', 'True', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'],
      ],
    );
    const pods = (await podsOf('flaky')).sort((a, b) => Date.parse(a.metadata.creationTimestamp!) - Date.parse(b.metadata.creationTimestamp!));
    assert.equal(pods.length, 2, 'one replacement: backoffLimit 1 allows one retry');
    assert.ok(pods.every((p) => p.status?.phase === 'Failed'));
    const firstFinished = Date.parse(pods[0]!.status.containerStatuses[0].state.terminated.finishedAt);
    const secondCreated = Date.parse(pods[1]!.metadata.creationTimestamp!);
    assert.ok(secondCreated - firstFinished >= 9000, `the replacement waited the 10 s back-off (waited ${secondCreated - firstFinished} ms)`);
    const evs = await until(async () => {
      const e = await events(env.api, ns, 'flaky');
      return e.some((x) => x.reason === 'BackoffLimitExceeded') ? e : undefined;
    }, 'BackoffLimitExceeded event');
    const ev = evs.find((e) => e.reason === 'BackoffLimitExceeded')!;
    assert.equal(ev.type, 'Warning');
    assert.equal(ev.message, 'Job has reached the specified backoff limit');
  });

  it('podFailurePolicy: FailJob on a matching exit code fails the Job at once; Ignore does not count', async () => {
    const policy = {
      rules: [
        { action: 'FailJob', onExitCodes: { containerName: 'c', operator: 'In', values: [42] } },
        { action: 'Ignore', onExitCodes: { operator: 'In', values: [3] } },
      ],
    };
    await create(job('fatal', { backoffLimit: 6, podFailurePolicy: policy }, { [EXIT_AFTER]: '1s', [EXIT_CODE]: '42' }));
    const failed = await until(
      async () => {
        const j = await getJob('fatal');
        return cond(j, 'Failed')?.status === 'True' ? j : undefined;
      },
      'Job Failed by the policy',
      30_000,
    );
    const [pod] = await podsOf('fatal');
    const message = `Container c for pod ${ns}/${pod!.metadata.name} failed with exit code 42 matching FailJob rule at index 0`;
    assert.deepEqual([cond(failed, 'FailureTarget')?.reason, cond(failed, 'FailureTarget')?.message], ['PodFailurePolicy', message]);
    assert.deepEqual([cond(failed, 'Failed')?.reason, cond(failed, 'Failed')?.message], ['PodFailurePolicy', message]);
    assert.equal(failed.status.failed, 1);
    // events are written best effort, after the status: wait for it rather than expect it already stored
    await until(async () => ((await events(env.api, ns, 'fatal')).some((e) => e.reason === 'PodFailurePolicy' && e.message === message) ? true : undefined), 'the PodFailurePolicy event');

    await create(job('ignored', { backoffLimit: 0, podFailurePolicy: policy }, { [EXIT_AFTER]: '1s', [EXIT_CODE]: '3' }));
    // with backoffLimit 0 a counted failure would fail the Job; an ignored one is just replaced
    await until(async () => ((await podsOf('ignored')).length >= 2 ? true : undefined), 'a replacement pod', 40_000);
    const j = await getJob('ignored');
    assert.equal(j.status.failed, undefined);
    assert.equal(cond(j, 'Failed'), undefined);
    await env.api.json('DELETE', jobPath('ignored'), { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background' });
  });

  it('fails a Job that runs past activeDeadlineSeconds and deletes its pods', async () => {
    await create(job('slow', { parallelism: 2, completions: 4, activeDeadlineSeconds: 2 }));
    await until(async () => ((await podsOf('slow')).length === 2 ? true : undefined), '2 pods');
    const failed = await until(
      async () => {
        const j = await getJob('slow');
        return cond(j, 'Failed')?.status === 'True' ? j : undefined;
      },
      'Job Failed by deadline',
      30_000,
    );
    assert.equal(cond(failed, 'Failed')!.reason, 'DeadlineExceeded');
    assert.equal(cond(failed, 'Failed')!.message, 'Job was active longer than specified deadline');
    assert.equal(cond(failed, 'FailureTarget')!.reason, 'DeadlineExceeded');
    assert.equal(failed.status.failed, 2, 'the active pods count as failed');
    assert.equal(failed.status.active, undefined);
    await until(async () => ((await podsOf('slow')).length === 0 ? true : undefined), 'pods deleted');
    const evs = await until(async () => {
      const e = await events(env.api, ns, 'slow');
      return e.some((x) => x.reason === 'DeadlineExceeded') ? e : undefined;
    }, 'DeadlineExceeded event');
    assert.ok(evs.some((e) => e.reason === 'SuccessfulDelete' && /^Deleted pod: slow-/.test(e.message as string)));
  });

  it('gives Indexed pods their completion index and reports completedIndexes', async () => {
    await create(job('idx', { completions: 3, parallelism: 3, completionMode: 'Indexed' }, { [EXIT_AFTER]: '1s' }));
    const done = await until(
      async () => {
        const j = await getJob('idx');
        return cond(j, 'Complete')?.status === 'True' ? j : undefined;
      },
      'Indexed Job Complete',
      60_000,
    );
    assert.equal(done.status.completedIndexes, '0-2');
    assert.equal(done.status.succeeded, 3);
    const pods = await podsOf('idx');
    const byIndex = new Map(pods.map((p) => [p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'], p]));
    assert.deepEqual([...byIndex.keys()].sort(), ['0', '1', '2']);
    for (const [ix, p] of byIndex) {
      assert.equal(p.metadata.labels?.['batch.kubernetes.io/job-completion-index'], ix);
      assert.equal(p.spec.hostname, `idx-${ix}`);
      assert.match(p.metadata.name!, new RegExp(`^idx-${ix}-[a-z0-9]{5}$`));
      assert.deepEqual(p.spec.containers[0].env, [
        { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: "metadata.labels['batch.kubernetes.io/job-completion-index']" } } },
      ]);
    }
  });

  it('completes an Indexed Job early when its successPolicy is met', async () => {
    await create(job('leader', { completions: 3, parallelism: 1, completionMode: 'Indexed', successPolicy: { rules: [{ succeededIndexes: '0' }] } }, { [EXIT_AFTER]: '1s' }));
    const done = await until(
      async () => {
        const j = await getJob('leader');
        return cond(j, 'Complete')?.status === 'True' ? j : undefined;
      },
      'Complete by success policy',
      60_000,
    );
    assert.deepEqual(
      conds(done).map((c) => [c.type, c.reason, c.message]),
      [
        ['SuccessCriteriaMet', 'SuccessPolicy', 'Matched rules at index 0'],
        ['Complete', 'SuccessPolicy', 'Matched rules at index 0'],
      ],
    );
    assert.equal(done.status.completedIndexes, '0');
    assert.equal(done.status.succeeded, 1);
  });

  it('backoffLimitPerIndex: each index retries on its own, then the Job fails with FailedIndexes', async () => {
    await create(job('per-index', { completions: 2, parallelism: 2, completionMode: 'Indexed', backoffLimitPerIndex: 1 }, { [EXIT_AFTER]: '1s', [EXIT_CODE]: '1' }));
    const failed = await until(
      async () => {
        const j = await getJob('per-index');
        return cond(j, 'Failed')?.status === 'True' ? j : undefined;
      },
      'Job Failed with failed indexes',
      60_000,
    );
    assert.deepEqual([cond(failed, 'Failed')?.reason, cond(failed, 'Failed')?.message], ['FailedIndexes', 'Job has failed indexes']);
    assert.equal(failed.status.failedIndexes, '0,1');
    assert.equal(failed.status.failed, 4, 'two tries per index');
    const pods = await podsOf('per-index');
    const counts = pods.map((p) => `${p.metadata.annotations?.['batch.kubernetes.io/job-completion-index']}:${p.metadata.annotations?.['batch.kubernetes.io/job-index-failure-count']}`).sort();
    assert.deepEqual(counts, ['0:0', '0:1', '1:0', '1:1']);
  });

  it('suspends (deleting active pods) and resumes a Job', async () => {
    await create(job('paused', { suspend: true, parallelism: 2, completions: 2 }));
    const suspended = await until(async () => {
      const j = await getJob('paused');
      return cond(j, 'Suspended')?.status === 'True' ? j : undefined;
    }, 'Suspended condition');
    assert.equal(cond(suspended, 'Suspended')!.reason, 'JobSuspended');
    assert.equal(cond(suspended, 'Suspended')!.message, 'Job suspended');
    assert.equal(suspended.status.startTime, undefined, 'a suspended job has not started');
    assert.equal((await podsOf('paused')).length, 0);

    await env.api.json('PATCH', jobPath('paused'), { spec: { suspend: false } }, MERGE);
    const resumed = await until(async () => {
      const j = await getJob('paused');
      return cond(j, 'Suspended')?.status === 'False' && j.status?.active === 2 ? j : undefined;
    }, 'resumed with 2 active pods');
    assert.equal(cond(resumed, 'Suspended')!.reason, 'JobResumed');
    assert.ok(resumed.status.startTime);

    await env.api.json('PATCH', jobPath('paused'), { spec: { suspend: true } }, MERGE);
    const again = await until(async () => {
      const j = await getJob('paused');
      return cond(j, 'Suspended')?.status === 'True' && !j.status?.active ? j : undefined;
    }, 'suspended again, no active pods');
    assert.equal(again.status.failed, undefined, 'pods deleted by suspension are not failures');
    await until(async () => ((await podsOf('paused')).length === 0 ? true : undefined), 'pods deleted');
    const evs = await eventsUntil(env.api, ns, 'paused', (e) => e.some((x) => x.reason === 'Suspended') && e.some((x) => x.reason === 'Resumed'), 'the Suspended and Resumed events');
    assert.ok(evs.some((e) => e.reason === 'Suspended' && e.message === 'Job suspended'));
    assert.ok(evs.some((e) => e.reason === 'Resumed' && e.message === 'Job resumed'));
  });

  it('deletes a finished Job and its pods after ttlSecondsAfterFinished', async () => {
    const created = await create(job('short-lived', { ttlSecondsAfterFinished: 1 }, { [EXIT_AFTER]: '1s' }));
    await until(async () => ((await podsOf('short-lived')).length === 1 ? true : undefined), 'a pod');
    await until(
      async () => {
        try {
          const j = await getJob('short-lived');
          return j.metadata.uid !== created.metadata.uid ? true : undefined;
        } catch {
          return true;
        }
      },
      'the Job deleted after its TTL',
      30_000,
    );
    await until(async () => ((await podsOf('short-lived')).length === 0 ? true : undefined), 'its pods deleted', 30_000);
  });
});
