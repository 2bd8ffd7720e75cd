import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyDefaults } from '../defaults/index.js';
import { ApiError } from '../errors.js';
import type { KubeObject } from '../types.js';
import { validateObject } from './index.js';
import { check, clone, GVKS } from './testutil.test.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type J = any;
const pod = (spec: J, name = 'p'): J => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec });
const c = (extra: J = {}): J => ({ name: 'app', image: 'nginx:1.25', ...extra });

test('seed pods are valid', () => {
  const tomcat = pod({ containers: [{ name: 'tomcat', image: 'test/tomcat-8.5-jre8:v1', imagePullPolicy: 'IfNotPresent', ports: [{ containerPort: 8080, hostPort: 8888 }] }] }, 'pod-tomcat');
  tomcat.metadata.labels = { name: 'test', app: 'tomcat' };
  assert.deepEqual(check(tomcat), []);
  const init = pod({
    initContainers: [{ image: 'busybox', name: 'install', command: ['touch', '/workdir/calm.txt'], volumeMounts: [{ name: 'workdir', mountPath: '/workdir' }] }],
    containers: [{ image: 'nginx', name: 'lumpy-koala', command: ['sh', '-c', '[ -f /workdir/calm.txt ] && sleep 36000 || exit'], volumeMounts: [{ name: 'workdir', mountPath: '/workdir' }] }],
    volumes: [{ name: 'workdir', emptyDir: {} }],
  }, 'lumpy-koala');
  assert.deepEqual(check(init), []);
  const shared = pod({
    containers: [
      { name: 'tomcat', image: 'tomcat', ports: [{ containerPort: 8080 }], volumeMounts: [{ name: 'app-logs', mountPath: '/usr/local/tomcat/logs' }] },
      { name: 'busybox', image: 'busybox', command: ['sh', '-c', 'tail -f /logs/catalina*.log'], volumeMounts: [{ name: 'app-logs', mountPath: '/logs' }] },
    ],
    volumes: [{ name: 'app-logs', emptyDir: {} }],
  }, 'volume-pod');
  assert.deepEqual(check(shared), []);
  const envPod = pod({
    restartPolicy: 'Never',
    containers: [{ name: 'test-container', image: 'k8s.gcr.io/busybox', command: ['/bin/sh', '-c', 'env'],
      env: [{ name: 'SPECIAL_LEVEL_KEY', valueFrom: { configMapKeyRef: { name: 'special-config', key: 'special.how' } } }],
      volumeMounts: [{ name: 'config-volume', mountPath: '/etc/config' }] }],
    volumes: [{ name: 'config-volume', configMap: { name: 'special-config' } }],
  }, 'dapi-test-pod');
  assert.deepEqual(check(envPod), []);
});

test('pod spec rules: field paths and wording', () => {
  const cases: [string, J, string[]][] = [
    ['no containers', { containers: [] }, ['spec.containers: Required value']],
    ['image required', { containers: [{ name: 'a' }] }, ['spec.containers[0].image: Required value']],
    ['name required', { containers: [{ image: 'x' }] }, ['spec.containers[0].name: Required value']],
    ['bad name', { containers: [c({ name: 'Bad_Name' })] }, [
      `spec.containers[0].name: Invalid value: "Bad_Name": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
    ]],
    ['duplicate names', { containers: [c(), c()] }, ['spec.containers[1].name: Duplicate value: "app"']],
    ['init dup', { initContainers: [c()], containers: [c()] }, ['spec.initContainers[0].name: Duplicate value: "app"']],
    ['pull policy', { containers: [c({ imagePullPolicy: 'Sometimes' })] }, ['spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"']],
    ['port range', { containers: [c({ ports: [{ containerPort: 70000, hostPort: 0 }] })] }, ['spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive']],
    ['port required', { containers: [c({ ports: [{ name: 'http' }] })] }, ['spec.containers[0].ports[0].containerPort: Required value']],
    ['hostPort range', { containers: [c({ ports: [{ containerPort: 80, hostPort: 99999 }] })] }, ['spec.containers[0].ports[0].hostPort: Invalid value: 99999: must be between 1 and 65535, inclusive']],
    ['protocol', { containers: [c({ ports: [{ containerPort: 80, protocol: 'HTTP' }] })] }, ['spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"']],
    ['port names', { containers: [c({ ports: [{ containerPort: 80, name: 'web' }, { containerPort: 81, name: 'web' }] })] }, ['spec.containers[0].ports[1].name: Duplicate value: "web"']],
    ['port name syntax', { containers: [c({ ports: [{ containerPort: 80, name: 'Web' }] })] }, ['spec.containers[0].ports[0].name: Invalid value: "Web": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)']],
    ['env name', { containers: [c({ env: [{ name: 'A=B', value: 'x' }] })] }, [`spec.containers[0].env[0].name: Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII characters other than '='`]],
    ['env valueFrom two', { containers: [c({ env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'a', key: 'k' }, secretKeyRef: { name: 's', key: 'k' } } }] })] }, ['spec.containers[0].env[0].valueFrom: Invalid value: "": may not have more than one field specified at a time']],
    ['env valueFrom none', { containers: [c({ env: [{ name: 'A', valueFrom: {} }] })] }, ['spec.containers[0].env[0].valueFrom: Invalid value: "": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`']],
    ['limits >= requests', { containers: [c({ resources: { requests: { cpu: '1' }, limits: { cpu: '500m' } } })] }, ['spec.containers[0].resources.requests: Invalid value: "1": must be less than or equal to cpu limit of 500m']],
    ['negative request', { containers: [c({ resources: { requests: { memory: '-1Mi' } } })] }, ['spec.containers[0].resources.requests[memory]: Invalid value: "-1Mi": must be greater than or equal to 0']],
    ['unknown resource', { containers: [c({ resources: { requests: { gpu: '1' } } })] }, ['spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a standard resource for containers']],
    ['two handlers', { containers: [c({ livenessProbe: { exec: { command: ['true'] }, tcpSocket: { port: 80 } } })] }, ['spec.containers[0].livenessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type']],
    ['no handler', { containers: [c({ readinessProbe: { periodSeconds: 5 } })] }, ['spec.containers[0].readinessProbe: Required value: must specify a handler type']],
    ['liveness success', { containers: [c({ livenessProbe: { exec: { command: ['true'] }, successThreshold: 2 } })] }, ['spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1']],
    ['negative timing', { containers: [c({ readinessProbe: { exec: { command: ['true'] }, initialDelaySeconds: -1 } })] }, ['spec.containers[0].readinessProbe.initialDelaySeconds: Invalid value: -1: must be greater than or equal to 0']],
    ['httpGet port name', { containers: [c({ readinessProbe: { httpGet: { port: 'HTTP_' } } })] }, ['spec.containers[0].readinessProbe.httpGet.port: Invalid value: "HTTP_": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)', 'spec.containers[0].readinessProbe.httpGet.port: Invalid value: "HTTP_": must contain at least one letter (a-z)']],
    ['mount unknown volume', { containers: [c({ volumeMounts: [{ name: 'x', mountPath: '/x' }] })] }, ['spec.containers[0].volumeMounts[0].name: Not found: "x"']],
    ['mount path unique', { volumes: [{ name: 'v' }], containers: [c({ volumeMounts: [{ name: 'v', mountPath: '/x' }, { name: 'v', mountPath: '/x' }] })] }, ['spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/x": must be unique']],
    ['volume dup', { volumes: [{ name: 'v' }, { name: 'v' }], containers: [c()] }, ['spec.volumes[1].name: Duplicate value: "v"']],
    ['volume two sources', { volumes: [{ name: 'v', emptyDir: {}, hostPath: { path: '/x' } }], containers: [c()] }, ['spec.volumes[0].hostPath: Forbidden: may not specify more than 1 volume type']],
    ['restartPolicy', { restartPolicy: 'Sometimes', containers: [c()] }, ['spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"']],
    ['dnsPolicy', { dnsPolicy: 'Cluster', containers: [c()] }, ['spec.dnsPolicy: Unsupported value: "Cluster": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"']],
    ['hostNetwork ports', { hostNetwork: true, containers: [c({ ports: [{ containerPort: 8080, hostPort: 8888 }] })] }, ['spec.containers[0].ports[0].hostPort: Invalid value: 8888: must match `containerPort` when `hostNetwork` is true']],
    ['activeDeadlineSeconds', { activeDeadlineSeconds: 0, containers: [c()] }, ['spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive']],
    ['tolerations', { tolerations: [{ operator: 'Equal', value: 'x' }], containers: [c()] }, ['spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"']],
    ['toleration effect', { tolerations: [{ key: 'k', operator: 'Exists', effect: 'Never' }], containers: [c()] }, ['spec.tolerations[0].effect: Unsupported value: "Never": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"']],
    ['sidecar only on init', { containers: [c({ restartPolicy: 'Always' })] }, ['spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers']],
    ['init restartPolicy', { initContainers: [c({ name: 'i', restartPolicy: 'Never' })], containers: [c()] }, ['spec.initContainers[0].restartPolicy: Unsupported value: "Never": supported values: "Always"']],
    ['init probes', { initContainers: [c({ name: 'i', readinessProbe: { exec: { command: ['x'] } } })], containers: [c()] }, ['spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always']],
    ['nodeSelector', { nodeSelector: { 'bad key!': 'x' }, containers: [c()] }, [`spec.nodeSelector: Invalid value: "bad key!": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`]],
    ['grace', { terminationGracePeriodSeconds: -5, containers: [c()] }, []],
    ['securityContext', { securityContext: { runAsUser: -1 }, containers: [c()] }, ['spec.securityContext.runAsUser: Invalid value: -1: must be between 0 and 4294967295, inclusive']],
  ];
  for (const [name, spec, want] of cases) assert.deepEqual(check(pod(spec)), want, name);
});

test('sidecar init container may have probes', () => {
  assert.deepEqual(check(pod({ initContainers: [c({ name: 'side', restartPolicy: 'Always', readinessProbe: { exec: { command: ['true'] } } })], containers: [c()] })), []);
});

test('metadata rules', () => {
  const p = pod({ containers: [c()] });
  p.metadata = { namespace: 'default' };
  assert.deepEqual(check(p), ['metadata.name: Required value: name or generateName is required']);
  const g = pod({ containers: [c()] });
  g.metadata = { generateName: 'web-', namespace: 'default' };
  assert.deepEqual(check(g).filter((l) => !l.startsWith('metadata.name')), []);
  const bad = pod({ containers: [c()] }, 'Bad.Name');
  assert.match(check(bad)[0], /^metadata\.name: Invalid value: "Bad.Name": a lowercase RFC 1123 subdomain/);
  const lbl = pod({ containers: [c()] });
  lbl.metadata.labels = { app: 'x y' };
  assert.match(check(lbl)[0], /^metadata\.labels: Invalid value: "x y": a valid label must be an empty string/);
});

test('ApiError message format for an invalid pod', () => {
  const p = pod({ containers: [{ name: 'a' }, { name: 'a', image: 'x' }] }, 'x');
  applyDefaults(GVKS.Pod, p);
  const errs = validateObject(GVKS.Pod, p);
  const e = ApiError.invalid('Pod', '', 'x', errs);
  assert.equal(e.message, 'Pod "x" is invalid: [spec.containers[0].image: Required value, spec.containers[1].name: Duplicate value: "a"]');
});

test('pod update rules', () => {
  const base = pod({ containers: [c()], tolerations: [{ key: 'a', operator: 'Exists' }] });
  applyDefaults(GVKS.Pod, base);
  base.metadata.uid = 'u1';
  const ok = clone(base);
  ok.spec.containers[0].image = 'nginx:1.26';
  ok.spec.activeDeadlineSeconds = 100;
  ok.spec.tolerations.push({ key: 'b', operator: 'Exists' });
  assert.deepEqual(check(ok, base), []);
  const bad = clone(base);
  bad.spec.restartPolicy = 'Never';
  const errs = check(bad, base);
  assert.equal(errs.length, 1);
  assert.ok(errs[0].startsWith('spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n'), errs[0]);
  const add = clone(base);
  add.spec.containers.push(c({ name: 'b' }));
  assert.deepEqual(check(add, base), ['spec.containers: Forbidden: pod updates may not add or remove containers']);
  const tol = clone(base);
  tol.spec.tolerations = [];
  assert.deepEqual(check(tol, base), ['spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds']);
  const ads = clone(base);
  ads.spec.activeDeadlineSeconds = 50;
  const raised = clone(ads);
  raised.spec.activeDeadlineSeconds = 60;
  assert.deepEqual(check(raised, ads), ['spec.activeDeadlineSeconds: Invalid value: 60: must be less than or equal to previous value']);
  const renamed: KubeObject = clone(base);
  renamed.metadata.name = 'other';
  renamed.metadata.uid = 'u2';
  assert.deepEqual(check(renamed, base), ['metadata.name: Invalid value: "other": field is immutable', 'metadata.uid: Invalid value: "u2": field is immutable']);
});

test('a status-only change is checked for its metadata update, not for the spec it cannot change (ValidatePodStatusUpdate)', () => {
  // stored before a rule tightened (or by a trusted write): the spec would not pass today
  const old: J = { ...pod({ containers: [c({ name: 'Bad_Name' })] }), metadata: { name: 'p', namespace: 'default', uid: 'u1', resourceVersion: '5' } };
  assert.notDeepEqual(validateObject(GVKS.Pod, clone(old), old), []);
  // what the registry builds for pods/status: every member but status and managedFields is the stored one
  const statusWrite: J = { ...old, status: { phase: 'Running' }, metadata: { ...old.metadata, managedFields: [] } };
  assert.deepEqual(validateObject(GVKS.Pod, statusWrite, old), []);
  // metadata update rules still hold on that path
  const bad: J = { ...statusWrite, metadata: { ...old.metadata, labels: { 'bad key!': 'x' } } };
  assert.ok(validateObject(GVKS.Pod, bad, old).some((e) => e.field.startsWith('metadata.labels')));
});
