// The CronJob controller driven by a fake clock, with the Job controller and the garbage
// collector on the same clock and simulated nodes running the pods: Jobs on schedule with
// deterministic names, Allow/Forbid/Replace, history limits, suspend, startingDeadlineSeconds,
// timeZone and the TooManyMissedTimes warning.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { RestClient } from '../../src/client/rest.js';
import { startSim, type RunningSim } from '../../src/sim/index.js';
import { startControllerManager, type ControllerManager } from '../../src/controllers/index.js';
import type { Controller } from '../../src/controllers/runtime/controller.js';
import type { KubeList, KubeObject } from '../../src/api/types.js';
import { rfc3339, type Clock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';
import { MERGE, ensureNamespace, events, until } from './controllers-support.js';

/** A frozen clock the test moves by hand. */
class FakeClock implements Clock {
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
  nowRFC3339(): string {
    return rfc3339(this.t);
  }
}

const MINUTE = 60_000;

function cronJob(name: string, spec: Record<string, unknown>, podAnnotations: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name },
    spec: {
      schedule: '* * * * *',
      jobTemplate: {
        metadata: { labels: { from: name } },
        spec: {
          template: {
            metadata: { annotations: podAnnotations },
            spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '10m' } } }] },
          },
        },
      },
      ...spec,
    },
  };
}

describe('CronJob controller with a fake clock', () => {
  let c: TestCluster;
  let api: RestClient;
  let sim: RunningSim;
  let mgr: ControllerManager;
  const ac = new AbortController();
  const clock = new FakeClock(Date.now());

  before(async () => {
    c = await startTestCluster({ scheduler: true, controllers: false });
    const rest = { server: c.url, token: c.adminToken, caPem: c.caPem };
    api = new RestClient(rest);
    sim = await startSim({ rest, nodes: 2, namePrefix: 'node-' }, ac.signal);
    const client = new RestClient({ ...rest, userAgent: 'test-controller-manager' });
    mgr = startControllerManager({ client, clock, log: silentLogger(), leaderElection: false, controllers: ['job', 'cronjob', 'garbagecollector'] }, ac.signal);
    await mgr.ready;
  });
  after(async () => {
    await mgr?.stop();
    ac.abort();
    await sim?.stop();
    api?.close();
    await c?.close();
  });

  const cronController = () => mgr.controllers.get('cronjob-controller') as Controller;
  const path = (ns: string, name: string) => `/apis/batch/v1/namespaces/${ns}/cronjobs/${name}`;
  const getCJ = (ns: string, name: string) => api.json<KubeObject>('GET', path(ns, name));
  const jobsOf = async (ns: string, name: string) =>
    (await api.json<KubeList>('GET', `/apis/batch/v1/namespaces/${ns}/jobs`)).items.filter((j) => j.metadata.ownerReferences?.[0]?.name === name && !j.metadata.deletionTimestamp);
  /** Move the fake clock to ms and have the controller look at the CronJob. */
  const tickTo = (ns: string, name: string, ms: number) => {
    clock.t = ms;
    cronController().enqueue(`${ns}/${name}`);
  };
  const jobNameAt = (name: string, ms: number) => `${name}-${Math.floor(ms / MINUTE)}`;
  const isComplete = (j: KubeObject) => (j.status?.conditions ?? []).some((x: { type: string; status: string }) => x.type === 'Complete' && x.status === 'True');

  /** Create the CronJobs with the clock at their creation; nextMinute is the first run of them all. */
  async function setup(ns: string, ...cjs: KubeObject[]): Promise<{ created: KubeObject; nextMinute: number }> {
    await ensureNamespace(api, ns);
    // earlier tests moved the clock ahead; start each CronJob at its creation, not in its future
    clock.t = Date.now() - 2000;
    const all: KubeObject[] = [];
    for (const cj of cjs) all.push(await api.json<KubeObject>('POST', `/apis/batch/v1/namespaces/${ns}/cronjobs`, cj));
    const base = Math.max(...all.map((cj) => Date.parse(cj.metadata.creationTimestamp!)));
    clock.t = base;
    return { created: all[0]!, nextMinute: Math.floor(base / MINUTE) * MINUTE + MINUTE };
  }

  it('creates the Job of each scheduled minute, tracks it, and records its success', async () => {
    const ns = 'cj-allow';
    const { created, nextMinute } = await setup(ns, cronJob('tick', {}, { 'sim.kubelite.io/exit-after': '1s' }));
    assert.deepEqual(await jobsOf(ns, 'tick'), [], 'nothing before the first scheduled time');
    tickTo(ns, 'tick', nextMinute + 5000);
    const [job] = await until(async () => {
      const js = await jobsOf(ns, 'tick');
      return js.length === 1 ? js : undefined;
    }, 'the first Job');
    assert.equal(job!.metadata.name, jobNameAt('tick', nextMinute));
    assert.equal(job!.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'], rfc3339(nextMinute));
    assert.equal(job!.metadata.labels?.from, 'tick');
    assert.deepEqual(job!.metadata.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'tick', uid: created.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    const st = await until(async () => {
      const cj = await getCJ(ns, 'tick');
      return cj.status?.active?.length === 1 ? cj.status : undefined;
    }, 'status.active');
    assert.equal(st.lastScheduleTime, rfc3339(nextMinute));
    assert.deepEqual(
      { ...st.active[0], resourceVersion: undefined },
      { kind: 'Job', namespace: ns, name: job!.metadata.name, uid: job!.metadata.uid, apiVersion: 'batch/v1', resourceVersion: undefined },
    );
    // the Job completes on the sim; the CronJob notices on its next look
    const done = await until(async () => {
      const j = await api.json<KubeObject>('GET', `/apis/batch/v1/namespaces/${ns}/jobs/${job!.metadata.name}`);
      return isComplete(j) ? j : undefined;
    }, 'the Job completes', 30_000);
    const after = await until(async () => {
      const cj = await getCJ(ns, 'tick');
      return !cj.status?.active && cj.status?.lastSuccessfulTime ? cj.status : undefined;
    }, 'active cleared and lastSuccessfulTime set');
    assert.equal(after.lastSuccessfulTime, done.status.completionTime);
    // events trail the change they report (best effort, written after it): wait for them
    const evs = await until(async () => {
      const e = await events(api, ns, 'tick');
      return e.some((x) => x.reason === 'SawCompletedJob') ? e : undefined;
    }, 'the SawCompletedJob event');
    assert.ok(evs.some((e) => e.reason === 'SuccessfulCreate' && e.message === `Created job ${job!.metadata.name}`));
    assert.ok(evs.some((e) => e.reason === 'SawCompletedJob' && e.message === `Saw completed job: ${job!.metadata.name}, condition: Complete`));
    // a second look at the same time creates nothing more
    tickTo(ns, 'tick', nextMinute + 30_000);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await jobsOf(ns, 'tick')).length, 1);
  });

  it('keeps successfulJobsHistoryLimit finished Jobs, deleting the oldest', async () => {
    const ns = 'cj-history';
    const { nextMinute } = await setup(ns, cronJob('hist', { successfulJobsHistoryLimit: 2 }, { 'sim.kubelite.io/exit-after': '1s' }));
    const names: string[] = [];
    for (let i = 0; i < 4; i++) {
      const at = nextMinute + i * MINUTE;
      names.push(jobNameAt('hist', at));
      tickTo(ns, 'hist', at + 1000);
      await until(async () => {
        const j = (await jobsOf(ns, 'hist')).find((x) => x.metadata.name === names[i]);
        return j && isComplete(j) ? true : undefined;
      }, `job ${i} complete`, 30_000);
    }
    cronController().enqueue(`${ns}/hist`);
    const left = await until(async () => {
      const js = (await jobsOf(ns, 'hist')).map((j) => j.metadata.name).sort();
      return js.length === 2 ? js : undefined;
    }, 'two Jobs kept', 30_000);
    assert.deepEqual(left, names.slice(2).sort(), 'the newest two are kept');
    // events trail the change they report (best effort, written after it): wait for them
    await until(async () => ((await events(api, ns, 'hist')).some((e) => e.reason === 'SuccessfulDelete' && e.message === `Deleted job ${names[0]}`) ? true : undefined), 'the SuccessfulDelete event');
  });

  it('Forbid skips a run while one is active; Replace deletes the active one', async () => {
    const ns = 'cj-policy';
    const { nextMinute } = await setup(ns, cronJob('forbid', { concurrencyPolicy: 'Forbid' }), cronJob('replace', { concurrencyPolicy: 'Replace' }));
    tickTo(ns, 'forbid', nextMinute + 1000);
    cronController().enqueue(`${ns}/replace`);
    await until(async () => ((await jobsOf(ns, 'forbid')).length === 1 && (await jobsOf(ns, 'replace')).length === 1 ? true : undefined), 'first runs');
    await until(async () => ((await getCJ(ns, 'forbid')).status?.active?.length === 1 && (await getCJ(ns, 'replace')).status?.active?.length === 1 ? true : undefined), 'both active');
    const firstReplace = (await jobsOf(ns, 'replace'))[0]!;

    tickTo(ns, 'forbid', nextMinute + MINUTE + 1000);
    cronController().enqueue(`${ns}/replace`);
    await until(async () => ((await events(api, ns, 'forbid')).some((e) => e.reason === 'JobAlreadyActive') ? true : undefined), 'JobAlreadyActive event');
    const ev = (await events(api, ns, 'forbid')).find((e) => e.reason === 'JobAlreadyActive')!;
    assert.equal(ev.message, 'Not starting job because prior execution is running and concurrency policy is Forbid');
    assert.deepEqual(
      (await jobsOf(ns, 'forbid')).map((j) => j.metadata.name),
      [jobNameAt('forbid', nextMinute)],
    );

    const replaced = await until(async () => {
      const js = await jobsOf(ns, 'replace');
      return js.length === 1 && js[0]!.metadata.uid !== firstReplace.metadata.uid ? js[0] : undefined;
    }, 'the replacing Job alone');
    assert.equal(replaced.metadata.name, jobNameAt('replace', nextMinute + MINUTE));
    const st = await until(async () => {
      const cj = await getCJ(ns, 'replace');
      return cj.status?.active?.length === 1 && cj.status.active[0].uid === replaced.metadata.uid ? cj.status : undefined;
    }, 'active is the new Job');
    assert.equal(st.lastScheduleTime, rfc3339(nextMinute + MINUTE));
    // events are written best effort, after the change they report: wait for it
    await until(async () => ((await events(api, ns, 'replace')).some((e) => e.reason === 'SuccessfulDelete' && e.message === `Deleted job ${firstReplace.metadata.name}`) ? true : undefined), 'the SuccessfulDelete event');
  });

  it('Allow runs overlapping Jobs', async () => {
    const ns = 'cj-overlap';
    const { nextMinute } = await setup(ns, cronJob('many', { concurrencyPolicy: 'Allow' }));
    tickTo(ns, 'many', nextMinute + 1000);
    await until(async () => ((await getCJ(ns, 'many')).status?.active?.length === 1 ? true : undefined), 'one active');
    tickTo(ns, 'many', nextMinute + MINUTE + 1000);
    const st = await until(async () => {
      const cj = await getCJ(ns, 'many');
      return cj.status?.active?.length === 2 ? cj.status : undefined;
    }, 'two active');
    assert.deepEqual(st.active.map((r: { name: string }) => r.name).sort(), [jobNameAt('many', nextMinute), jobNameAt('many', nextMinute + MINUTE)].sort());
  });

  it('creates nothing while suspended', async () => {
    const ns = 'cj-suspend';
    const { nextMinute } = await setup(ns, cronJob('sleepy', { suspend: true }));
    tickTo(ns, 'sleepy', nextMinute + 1000);
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(await jobsOf(ns, 'sleepy'), []);
    // resuming picks up the run it missed (no startingDeadlineSeconds)
    await api.json('PATCH', path(ns, 'sleepy'), { spec: { suspend: false } }, MERGE);
    const js = await until(async () => {
      const j = await jobsOf(ns, 'sleepy');
      return j.length === 1 ? j : undefined;
    }, 'the missed run after resume');
    assert.equal(js[0]!.metadata.name, jobNameAt('sleepy', nextMinute));
  });

  it('skips runs more than startingDeadlineSeconds late, and starts those within it', async () => {
    const ns = 'cj-deadline';
    const { nextMinute } = await setup(ns, cronJob('late', { startingDeadlineSeconds: 10 }));
    tickTo(ns, 'late', nextMinute + 30_000);
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(await jobsOf(ns, 'late'), [], '30 s late with a 10 s deadline: skipped');
    tickTo(ns, 'late', nextMinute + MINUTE + 5000);
    const js = await until(async () => {
      const j = await jobsOf(ns, 'late');
      return j.length === 1 ? j : undefined;
    }, 'a Job 5 s late');
    assert.equal(js[0]!.metadata.name, jobNameAt('late', nextMinute + MINUTE));
  });

  it('reads the schedule in spec.timeZone', async () => {
    const ns = 'cj-tz';
    const { created } = await setup(ns, cronJob('tokyo', { schedule: '0 9 * * *', timeZone: 'Asia/Tokyo' }));
    // 09:00 in Tokyo is 00:00 UTC (no DST there): the next UTC midnight after creation
    const day = 24 * 60 * MINUTE;
    const midnight = Math.floor(Date.parse(created.metadata.creationTimestamp!) / day) * day + day;
    tickTo(ns, 'tokyo', midnight - 60_000);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(await jobsOf(ns, 'tokyo'), [], 'not yet 09:00 in Tokyo');
    tickTo(ns, 'tokyo', midnight + 2000);
    const [job] = await until(async () => {
      const j = await jobsOf(ns, 'tokyo');
      return j.length === 1 ? j : undefined;
    }, 'the 09:00 Tokyo run');
    assert.equal(job!.metadata.name, jobNameAt('tokyo', midnight));
    const d = new Date(midnight);
    const ymd = `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
    assert.equal(job!.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'], `${ymd}T09:00:00+09:00`);
  });

  it('warns TooManyMissedTimes after more than 100 missed runs and starts only the latest', async () => {
    const ns = 'cj-missed';
    const { nextMinute } = await setup(ns, cronJob('behind', {}));
    const at = nextMinute + 200 * MINUTE + 1000;
    tickTo(ns, 'behind', at);
    const js = await until(async () => {
      const j = await jobsOf(ns, 'behind');
      return j.length === 1 ? j : undefined;
    }, 'one Job');
    assert.equal(js[0]!.metadata.name, jobNameAt('behind', nextMinute + 200 * MINUTE));
    const ev = await until(async () => (await events(api, ns, 'behind')).find((e) => e.reason === 'TooManyMissedTimes'), 'TooManyMissedTimes event');
    assert.equal(ev.type, 'Warning');
    assert.equal(ev.message, 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
  });
});
