// Bad input through kubectl: validation errors (one `* field: message` line per problem),
// strict decoding of unknown fields, --validate=false|warn, type errors, bad selectors.
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { kubectlSuite, ok, fails, getJson, isGone, writeManifest, seedPath } from './support.js';

const INVALID_POD = `apiVersion: v1
kind: Pod
metadata:
  name: x
spec:
  containers:
  - name: a
    image: ""
    ports:
    - containerPort: 70000
  - name: a
    image: busybox
    resources:
      requests: {cpu: "2"}
      limits: {cpu: "1"}
`;

const UNKNOWN_FIELD_POD = `apiVersion: v1
kind: Pod
metadata:
  name: unknown
spec:
  containers:
  - name: a
    image: busybox
    foo: bar
`;

const BAD_SELECTOR = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: mismatch
spec:
  replicas: 1
  selector:
    matchLabels: {app: one}
  template:
    metadata:
      labels: {app: two}
    spec:
      containers:
      - name: c
        image: nginx
`;

kubectlSuite('kubectl with bad input', () => {
  let c: TestCluster;
  before(async () => {
    c = await startTestCluster();
  });
  after(async () => c?.close());

  it('an invalid pod lists every problem, exits 1 and stores nothing', async () => {
    const file = writeManifest(c, 'invalid-pod.yaml', INVALID_POD);
    for (const args of [
      ['create', '-f', file],
      ['apply', '-f', file],
      ['apply', '--server-side', '-f', file],
    ]) {
      const r = await c.kubectl(args);
      const err = fails(r);
      assert.equal(r.stdout, '');
      const lines = err.trimEnd().split('\n');
      assert.equal(lines[0], 'The Pod "x" is invalid: ', args.join(' '));
      const causes = lines.slice(1);
      for (const l of causes) assert.match(l, /^\* [a-z][\w.[\]]*: \S/, l);
      const expected = [
        '* spec.containers[0].image: Required value',
        '* spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
        '* spec.containers[1].name: Duplicate value: "a"',
      ];
      for (const e of expected) assert.ok(causes.includes(e), `${e}\nnot in\n${err}`);
      assert.ok(
        causes.some((l) => /^\* spec\.containers\[1\]\.resources\.requests(\[cpu\])?: Invalid value: "2": must be less than or equal to cpu limit( of 1)?$/.test(l)),
        err,
      );
      assert.equal(causes.length, 4, err);
    }
    assert.ok(await isGone(c, ['pod', 'x']));
  });

  it('a single problem is printed on one line', async () => {
    const r = await c.kubectl(['run', 'empty-image', '--image=nginx', '--port=70000']);
    assert.equal(fails(r), 'The Pod "empty-image" is invalid: spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive\n');
    const name = fails(await c.kubectl(['create', 'configmap', 'Bad_Name']));
    assert.match(name, /^error: failed to create configmap: ConfigMap "Bad_Name" is invalid: metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of/);
  });

  it('rejects an unknown field under strict validation', async () => {
    const file = writeManifest(c, 'unknown.yaml', UNKNOWN_FIELD_POD);
    const msg = 'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].foo"';
    assert.equal(fails(await c.kubectl(['apply', '-f', file])), `Error from server (BadRequest): error when creating "${file}": ${msg}\n`);
    assert.equal(fails(await c.kubectl(['create', '-f', file])), `Error from server (BadRequest): error when creating "${file}": ${msg}\n`);
    assert.equal(fails(await c.kubectl(['apply', '--server-side', '-f', file])), `Error from server (BadRequest): ${msg}\n`);
    assert.ok(await isGone(c, ['pod', 'unknown']));
  });

  it('--validate=warn warns and --validate=false accepts; the unknown field is dropped', async () => {
    const warn = await c.kubectl(['create', '--validate=warn', '-f', '-'], { input: UNKNOWN_FIELD_POD });
    assert.equal(ok(warn), 'pod/unknown created\n');
    assert.equal(warn.stderr, 'Warning: unknown field "spec.containers[0].foo"\n');
    ok(await c.kubectl(['delete', 'pod', 'unknown']));

    const r = await c.kubectl(['apply', '--validate=false', '-f', '-'], { input: UNKNOWN_FIELD_POD });
    assert.equal(ok(r), 'pod/unknown created\n');
    assert.equal(r.stderr, '');
    const p = await getJson(c, ['pod', 'unknown']);
    assert.equal(p.spec.containers[0].foo, undefined, 'a typed decoder drops unknown fields');
    assert.equal(p.spec.containers[0].image, 'busybox');
  });

  it('rejects a Deployment whose selector does not match its template labels', async () => {
    const err = fails(await c.kubectl(['apply', '-f', '-'], { input: BAD_SELECTOR }));
    assert.match(err, /^The Deployment "mismatch" is invalid: spec\.template\.metadata\.labels: Invalid value: .*"app":"two".*: `selector` does not match template `labels`$/m);
    assert.ok(await isGone(c, ['deployment', 'mismatch']));
  });

  it('rejects a value of the wrong JSON type', async () => {
    const text = BAD_SELECTOR.replace('replicas: 1', 'replicas: "two"').replace('{app: two}', '{app: one}');
    const err = fails(await c.kubectl(['create', '-f', '-'], { input: text }));
    assert.equal(
      err,
      'Error from server (BadRequest): error when creating "STDIN": Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32\n',
    );
    assert.ok(await isGone(c, ['deployment', 'mismatch']));
  });

  it('refuses to change an immutable selector', async () => {
    ok(await c.kubectl(['apply', '-f', seedPath('000-deployment-test.yaml')]));
    const err = fails(await c.kubectl(['patch', 'deployment', 'test', '-p', '{"spec":{"selector":{"matchLabels":{"app":"other"}},"template":{"metadata":{"labels":{"app":"other"}}}}}']));
    assert.match(err, /^The Deployment "test" is invalid: spec\.selector: Invalid value: .*"app":"other".*: field is immutable$/m);
    assert.deepEqual((await getJson(c, ['deployment', 'test'])).spec.selector, { matchLabels: { app: 'test' } });
  });

  it('reports a missing namespace and a kind the server does not serve', async () => {
    const err = fails(await c.kubectl(['apply', '-n', 'nope', '-f', seedPath('004-cm-appvars.yaml')]));
    assert.equal(err, `Error from server (NotFound): error when creating "${seedPath('004-cm-appvars.yaml')}": namespaces "nope" not found\n`);
    const unknownKind = fails(await c.kubectl(['apply', '-f', '-'], { input: 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n' }));
    assert.match(unknownKind, /resource mapping not found for name: "w" namespace: "" from "STDIN": no matches for kind "Widget" in version "example\.com\/v1"/);
  });
});
