// Jobs through the real kubectl with the controllers and simulated nodes: create job, the
// get jobs table (STATUS, COMPLETIONS, DURATION, AGE), create job --from=cronjob, and
// wait --for=condition=complete / failed. Pods finish through the sim's exit annotations.
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { startSim, type RunningSim } from '../../src/sim/index.js';
import { getJson, kubectlSuite, ok, poll, rows, writeManifest } from './support.js';

function jobYaml(name: string, exitCode: number, extra = ''): string {
  return `apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
spec:
  backoffLimit: 0${extra}
  template:
    metadata:
      annotations:
        sim.kubelite.io/exit-after: 1s
        sim.kubelite.io/exit-code: "${exitCode}"
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: busybox
        command: ["sh", "-c", "exit ${exitCode}"]
`;
}

kubectlSuite('kubectl with Jobs and CronJobs', () => {
  let c: TestCluster;
  let sim: RunningSim;
  const ac = new AbortController();

  before(async () => {
    c = await startTestCluster({ scheduler: true, controllers: true });
    sim = await startSim({ rest: { server: c.url, token: c.adminToken, caPem: c.caPem }, nodes: 2, namePrefix: 'worker-' }, ac.signal);
  });
  after(async () => {
    ac.abort();
    await sim?.stop();
    await c?.close();
  });

  it('create job runs a pod; get jobs shows it Running 0/1', async () => {
    assert.equal(ok(await c.kubectl(['create', 'job', 'hello', '--image=busybox', '--', 'sleep', '3600'])), 'job.batch/hello created\n');
    const pods = await poll('a running pod', async () => {
      const p = await getJson<{ items: { metadata: { name: string }; status?: { phase?: string } }[] }>(c, ['pods', '-l', 'job-name=hello']);
      return p.items.length === 1 && p.items[0]!.status?.phase === 'Running' ? p.items : undefined;
    }, 20_000);
    assert.match(pods[0]!.metadata.name, /^hello-[a-z0-9]{5}$/);
    const table = await poll('active=1 in the table', async () => {
      const t = rows(ok(await c.kubectl(['get', 'jobs'])));
      return t.find((r) => r[0] === 'hello') ? t : undefined;
    });
    assert.deepEqual(table[0], ['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE']);
    const row = table.find((r) => r[0] === 'hello')!;
    assert.deepEqual(row.slice(1, 3), ['Running', '0/1']);
    assert.match(row[3]!, /^\d+s$/);
    assert.match(row[4]!, /^\d+s$/);
  });

  it('wait --for=condition=complete returns once the Job completes; the table says Complete 1/1', async () => {
    ok(await c.kubectl(['apply', '-f', writeManifest(c, 'ok.yaml', jobYaml('ok', 0))]));
    const out = ok(await c.kubectl(['wait', '--for=condition=complete', 'job/ok', '--timeout=60s'], { timeoutMs: 65_000 }));
    assert.equal(out, 'job.batch/ok condition met\n');
    const row = rows(ok(await c.kubectl(['get', 'job', 'ok'])))[1]!;
    assert.deepEqual(row.slice(0, 3), ['ok', 'Complete', '1/1']);
    assert.match(row[3]!, /^\d+s$/, 'DURATION from startTime to completionTime');
    const j = await getJson(c, ['job', 'ok']);
    assert.equal(j.status.succeeded, 1);
    const described = ok(await c.kubectl(['describe', 'job', 'ok']));
    assert.match(described, /Pods Statuses:\s+0 Active \(0 Ready\) \/ 1 Succeeded \/ 0 Failed/);
    assert.match(described, /Normal\s+SuccessfulCreate\s+\S+\s+job-controller\s+Created pod: ok-[a-z0-9]{5}/);
    assert.match(described, /Normal\s+Completed\s+\S+\s+job-controller\s+Job completed/);
    assert.deepEqual(
      j.status.conditions.map((x: { type: string; reason: string }) => [x.type, x.reason]),
      [
        ['SuccessCriteriaMet', 'CompletionsReached'],
        ['Complete', 'CompletionsReached'],
      ],
    );
  });

  it('wait --for=condition=failed sees a Job fail; the table says Failed 0/1', async () => {
    ok(await c.kubectl(['apply', '-f', writeManifest(c, 'bad.yaml', jobYaml('bad', 1))]));
    assert.equal(ok(await c.kubectl(['wait', '--for=condition=failed', 'job/bad', '--timeout=60s'], { timeoutMs: 65_000 })), 'job.batch/bad condition met\n');
    const row = rows(ok(await c.kubectl(['get', 'job', 'bad'])))[1]!;
    assert.deepEqual(row.slice(0, 3), ['bad', 'Failed', '0/1']);
    assert.match(row[3]!, /^\d+s$/, 'no completionTime: DURATION is the time since start');
    const j = await getJson(c, ['job', 'bad']);
    assert.equal(j.status.completionTime, undefined);
  });

  it('create job --from=cronjob runs the CronJob template to completion', async () => {
    const cron = `apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        metadata:
          annotations:
            sim.kubelite.io/exit-after: 1s
        spec:
          restartPolicy: OnFailure
          containers:
          - name: main
            image: busybox
`;
    ok(await c.kubectl(['apply', '-f', writeManifest(c, 'cron.yaml', cron)]));
    assert.equal(ok(await c.kubectl(['create', 'job', 'nightly-manual', '--from=cronjob/nightly'])), 'job.batch/nightly-manual created\n');
    assert.equal(ok(await c.kubectl(['wait', '--for=condition=complete', 'job/nightly-manual', '--timeout=60s'], { timeoutMs: 65_000 })), 'job.batch/nightly-manual condition met\n');
    const t = rows(ok(await c.kubectl(['get', 'cronjobs'])));
    assert.deepEqual(t[0], ['NAME', 'SCHEDULE', 'TIMEZONE', 'SUSPEND', 'ACTIVE', 'LAST SCHEDULE', 'AGE']);
    assert.deepEqual(t[1]!.slice(0, 6), ['nightly', '0 3 * * *', '<none>', 'False', '0', '<none>']);
  });
});
