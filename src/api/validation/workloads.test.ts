import assert from 'node:assert/strict';
import { test } from 'node:test';
import { check, clone } from './testutil.test.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type J = any;
const tmpl = (labels: Record<string, string> = { app: 'test' }, extra: J = {}): J => ({
  metadata: { name: 'test', labels },
  spec: { containers: [{ name: 'test', image: 'nginx', imagePullPolicy: 'IfNotPresent' }], restartPolicy: 'Always', ...extra },
});
const deploy = (spec: J): J => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'test', namespace: 'default', labels: { app: 'test' } }, spec });

test('seed deployment: valid, and invalid with mismatching labels', () => {
  assert.deepEqual(check(deploy({ replicas: 2, template: tmpl(), selector: { matchLabels: { app: 'test' } } })), []);
  assert.deepEqual(check(deploy({ replicas: 2, template: tmpl({ app: 'other' }), selector: { matchLabels: { app: 'test' } } })), [
    'spec.template.metadata.labels: Invalid value: {"app":"other"}: `selector` does not match template `labels`',
  ]);
});

test('apps workload rules', () => {
  const sel = { matchLabels: { app: 'test' } };
  const cases: [string, J, string[]][] = [
    ['no selector', deploy({ template: tmpl() }), ['spec.selector: Required value']],
    ['empty selector', deploy({ selector: {}, template: tmpl() }), ['spec.selector: Invalid value: {}: empty selector is invalid for deployment']],
    ['negative replicas', deploy({ replicas: -1, selector: sel, template: tmpl() }), ['spec.replicas: Invalid value: -1: must be greater than or equal to 0']],
    ['restartPolicy', deploy({ selector: sel, template: tmpl(undefined, { restartPolicy: 'Never' }) }), ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"']],
    ['strategy type', deploy({ selector: sel, template: tmpl(), strategy: { type: 'Blue' } }), ['spec.strategy.type: Unsupported value: "Blue": supported values: "Recreate", "RollingUpdate"']],
    ['both zero', deploy({ selector: sel, template: tmpl(), strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } } }), ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0']],
    ['bad percent', deploy({ selector: sel, template: tmpl(), strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '10 %' } } }), [`spec.strategy.rollingUpdate.maxSurge: Invalid value: "10 %": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')`]],
    ['recreate + rollingUpdate', deploy({ selector: sel, template: tmpl(), strategy: { type: 'Recreate', rollingUpdate: {} } }), ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"]],
    ['selector operator', deploy({ selector: { matchExpressions: [{ key: 'app', operator: 'Is' }] }, template: tmpl() }), ['spec.selector.matchExpressions[0].operator: Invalid value: "Is": not a valid selector operator']],
  ];
  for (const [name, obj, want] of cases) assert.deepEqual(check(obj), want, name);

  const rs: J = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'r', namespace: 'default' }, spec: { selector: sel, template: tmpl() } };
  assert.deepEqual(check(rs), []);
  const ds: J = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'd', namespace: 'default' }, spec: { selector: sel, template: tmpl() } };
  assert.deepEqual(check(ds), []);
  const sts: J = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 's', namespace: 'default' }, spec: { selector: sel, serviceName: 's', template: tmpl(), podManagementPolicy: 'Random' } };
  assert.deepEqual(check(sts), ['spec.podManagementPolicy: Unsupported value: "Random": supported values: "OrderedReady", "Parallel"']);
  const rc: J = { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'rc', namespace: 'default' }, spec: { selector: { app: 'x' }, template: tmpl() } };
  assert.deepEqual(check(rc), ['spec.template.metadata.labels: Invalid value: {"app":"test"}: `selector` does not match template `labels`']);
  const rcDefaulted: J = { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'rc', namespace: 'default' }, spec: { template: tmpl() } };
  assert.deepEqual(check(rcDefaulted), []);
});

test('apps/v1 selector is immutable', () => {
  const d = deploy({ selector: { matchLabels: { app: 'test' } }, template: tmpl() });
  check(d);
  const upd = clone(d);
  upd.spec.selector = { matchLabels: { app: 'test', tier: 'x' } };
  upd.spec.template.metadata.labels.tier = 'x';
  assert.deepEqual(check(upd, d), ['spec.selector: Invalid value: {"matchLabels":{"app":"test","tier":"x"}}: field is immutable']);
  const scaled = clone(d);
  scaled.spec.replicas = 5;
  assert.deepEqual(check(scaled, d), []);
});

const job = (spec: J): J => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'default' }, spec });

test('job rules', () => {
  const t = tmpl({ 'controller-uid': 'u' }, { restartPolicy: 'Never' });
  const sel = { matchLabels: { 'controller-uid': 'u' } };
  assert.deepEqual(check(job({ selector: sel, template: t })), []);
  assert.deepEqual(check(job({ selector: sel, template: tmpl({ 'controller-uid': 'u' }) })), ['spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"']);
  assert.deepEqual(check(job({ selector: sel, template: t, parallelism: -1, backoffLimit: -2 })), [
    'spec.parallelism: Invalid value: -1: must be greater than or equal to 0',
    'spec.backoffLimit: Invalid value: -2: must be greater than or equal to 0',
  ]);
  assert.deepEqual(check(job({ selector: sel, template: t, completionMode: 'Sometimes' })), ['spec.completionMode: Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"']);
  assert.deepEqual(check(job({ template: t })), ['spec.selector: Required value']);
});

const cron = (spec: J): J => ({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c', namespace: 'default' }, spec: { jobTemplate: { spec: { template: tmpl(undefined, { restartPolicy: 'OnFailure' }) } }, ...spec } });

test('cronjob rules', () => {
  for (const s of ['*/5 * * * *', '0 0 * * 0', '0 9-17 * * mon-fri', '@hourly', '@daily', '15,45 */2 1 jan,jul *', '0 0 1 */3 ?', '@every 1h30m']) {
    assert.deepEqual(check(cron({ schedule: s })), [], s);
  }
  const cases: [J, string[]][] = [
    [{}, ['spec.schedule: Required value']],
    [{ schedule: '* * *' }, ['spec.schedule: Invalid value: "* * *": expected exactly 5 fields, found 3: [* * *]']],
    [{ schedule: '61 * * * *' }, ['spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61']],
    [{ schedule: 'x * * * *' }, ['spec.schedule: Invalid value: "x * * * *": failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax']],
    [{ schedule: '5-1 * * * *' }, ['spec.schedule: Invalid value: "5-1 * * * *": beginning of range (5) beyond end of range (1): 5-1']],
    [{ schedule: '@fortnightly' }, ['spec.schedule: Invalid value: "@fortnightly": unrecognized descriptor: @fortnightly']],
    [{ schedule: 'TZ=UTC * * * * *' }, ['spec.schedule: Invalid value: "TZ=UTC * * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead']],
    [{ schedule: '* * * * *', timeZone: 'Mars/Olympus' }, ['spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus']],
    [{ schedule: '* * * * *', concurrencyPolicy: 'Sometimes' }, ['spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"']],
  ];
  for (const [spec, want] of cases) assert.deepEqual(check(cron(spec)), want, JSON.stringify(spec));
  assert.deepEqual(check(cron({ schedule: '* * * * *', timeZone: 'Europe/Berlin' })), []);
  const bad = cron({ schedule: '* * * * *' });
  bad.spec.jobTemplate.spec.template.spec.restartPolicy = 'Always';
  assert.deepEqual(check(bad), ['spec.jobTemplate.spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"']);
});
