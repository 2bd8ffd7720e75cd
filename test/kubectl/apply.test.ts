// kubectl apply of the tutorials' seed manifests: client-side and server-side, re-apply
// after an edit (configured / unchanged), conflicts, and the deliberately broken seeds.
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { kubectlSuite, ok, fails, getJson, isGone, seedPath, seedText } from './support.js';

/** Valid seeds and what applying each one creates. */
const SEEDS: { file: string; ref: string }[] = [
  { file: '000-deployment-test.yaml', ref: 'deployment.apps/test' },
  { file: '000-pod-tomcat.yaml', ref: 'pod/pod-tomcat' },
  { file: '002-deployment-go.yaml', ref: 'deployment.apps/go-controller-test' },
  { file: '002-pod-try-go.yaml', ref: 'pod/go-test' },
  { file: '003-lumpy-koala.yaml', ref: 'pod/lumpy-koala' },
  { file: '004-cm-appvars.yaml', ref: 'configmap/cm-appvars' },
  { file: '004-dapi-test-pod-env.yaml', ref: 'pod/dapi-test-pod' },
  { file: '004-volume-pod.yaml', ref: 'pod/volume-pod' },
];

/** The seed, moved to another namespace (some seeds pin `namespace: default`). */
function inNamespace(file: string, ns: string): string {
  const text = seedText(file);
  if (/^\s+namespace:/m.test(text)) return text.replace(/^(\s+)namespace: default\b/m, `$1namespace: ${ns}`);
  return text.replace(/^metadata:\n/m, `metadata:\n  namespace: ${ns}\n`);
}

kubectlSuite('kubectl apply', () => {
  let c: TestCluster;
  before(async () => {
    c = await startTestCluster();
    for (const ns of ['csa', 'ssa', 'csa-vol']) ok(await c.kubectl(['create', 'namespace', ns]));
  });
  after(async () => c?.close());

  it('rejects the broken seeds with a YAML error and creates nothing', async () => {
    for (const [file, line] of [
      ['002-deployment-go.broken.yaml', 20],
      ['002-pod-try-go.broken.yaml', 11],
    ] as const) {
      const err = fails(await c.kubectl(['apply', '-f', seedPath(file)]));
      assert.match(err, new RegExp(`^error: error parsing .*${file.replace(/\./g, '\\.')}: error converting YAML to JSON: yaml: line ${line}: `));
      assert.doesNotMatch(err, /Error from server/);
    }
    assert.ok(await isGone(c, ['deployment', 'go-controller-test']));
    assert.ok(await isGone(c, ['pod', 'go-test']));
    assert.equal(ok(await c.kubectl(['get', 'pods,deployments', '-n', 'default', '-o', 'name'])), '');
  });

  it('applies every valid seed client-side', async () => {
    for (const { file, ref } of SEEDS) {
      const r = await c.kubectl(['apply', '-f', seedPath(file)]);
      assert.equal(ok(r), `${ref} created\n`, file);
      assert.equal(r.stderr, '', file);
    }
    // the Downward API variant reuses the pod name: it goes to its own namespace
    assert.equal(ok(await c.kubectl(['apply', '-n', 'csa-vol', '-f', seedPath('004-dapi-test-pod-volume.yaml')])), 'pod/dapi-test-pod created\n');

    const d = await getJson(c, ['deployment', 'test']);
    assert.equal(d.spec.replicas, 2);
    assert.deepEqual(d.spec.selector, { matchLabels: { app: 'test' } });
    assert.equal(d.metadata.generation, 1);
    const last = JSON.parse(d.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']);
    assert.equal(last.metadata.name, 'test');
    assert.equal(last.spec.template.spec.containers[0].image, 'nginx');

    const koala = await getJson(c, ['pod', 'lumpy-koala']);
    assert.equal(koala.spec.initContainers[0].name, 'install');
    assert.deepEqual(koala.spec.volumes, [{ name: 'workdir', emptyDir: {} }]);
    assert.equal(koala.status.phase, 'Pending');
    const vol = await getJson(c, ['pod', 'dapi-test-pod', '-n', 'csa-vol']);
    assert.equal(vol.spec.volumes[0].configMap.name, 'special-config');
    assert.equal(vol.spec.restartPolicy, 'Never');
    const cm = await getJson(c, ['configmap', 'cm-appvars']);
    assert.deepEqual(cm.data, { apploglevel: 'info', appdatadir: '/var/data' });
    const tomcat = await getJson(c, ['pod', 'pod-tomcat']);
    assert.deepEqual(tomcat.spec.containers[0].ports, [{ containerPort: 8080, hostPort: 8888, protocol: 'TCP' }]);
  });

  it('re-applies: unchanged, then configured after a label or image edit', async () => {
    assert.equal(ok(await c.kubectl(['apply', '-f', seedPath('000-deployment-test.yaml')])), 'deployment.apps/test unchanged\n');
    assert.equal(ok(await c.kubectl(['apply', '-f', seedPath('004-volume-pod.yaml')])), 'pod/volume-pod unchanged\n');
    const before = await getJson(c, ['deployment', 'test']);

    const edited = seedText('000-deployment-test.yaml').replace('image: nginx', 'image: nginx:1.27').replace(/^(  labels:\n    app: test)$/m, '$1\n    tier: web');
    assert.equal(ok(await c.kubectl(['apply', '-f', '-'], { input: edited })), 'deployment.apps/test configured\n');
    const d = await getJson(c, ['deployment', 'test']);
    assert.equal(d.spec.template.spec.containers[0].image, 'nginx:1.27');
    assert.deepEqual(d.metadata.labels, { app: 'test', tier: 'web' });
    assert.equal(d.metadata.generation, 2, 'a template change bumps generation');
    assert.notEqual(d.metadata.resourceVersion, before.metadata.resourceVersion);
    assert.equal(ok(await c.kubectl(['apply', '-f', '-'], { input: edited })), 'deployment.apps/test unchanged\n');

    // the annotated tomcat seed is the same pod with another image: an allowed pod update
    assert.equal(ok(await c.kubectl(['apply', '-f', seedPath('000-pod-tomcat-annotated.yaml')])), 'pod/pod-tomcat configured\n');
    const p = await getJson(c, ['pod', 'pod-tomcat']);
    assert.equal(p.spec.containers[0].image, 'xianchao/tomcat-8.5-jre8:v1');

    // a label removed from the manifest is removed from the object (three-way diff)
    assert.equal(ok(await c.kubectl(['apply', '-f', seedPath('000-deployment-test.yaml')])), 'deployment.apps/test configured\n');
    const back = await getJson(c, ['deployment', 'test']);
    assert.deepEqual(back.metadata.labels, { app: 'test' });
    assert.equal(back.spec.template.spec.containers[0].image, 'nginx');
  });

  it('applies every valid seed server-side', async () => {
    for (const { file, ref } of SEEDS) {
      const r = await c.kubectl(['apply', '--server-side', '-f', '-'], { input: inNamespace(file, 'ssa') });
      assert.equal(ok(r), `${ref} serverside-applied\n`, file);
    }
    const d = await c.kubectl(['get', 'deployment', 'test', '-n', 'ssa', '-o', 'json', '--show-managed-fields']);
    const dep = JSON.parse(ok(d));
    assert.equal(dep.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'], undefined);
    const mf = dep.metadata.managedFields.find((m: { manager: string }) => m.manager === 'kubectl');
    assert.equal(mf?.operation, 'Apply', JSON.stringify(dep.metadata.managedFields));
    assert.ok(mf.fieldsV1['f:spec']['f:template'], JSON.stringify(mf.fieldsV1));
    const pods = ok(await c.kubectl(['get', 'pods', '-n', 'ssa', '-o', 'name']));
    assert.deepEqual(pods.trim().split('\n'), ['pod/dapi-test-pod', 'pod/go-test', 'pod/lumpy-koala', 'pod/pod-tomcat', 'pod/volume-pod']);
  });

  it('re-applies server-side and drops fields the manager stopped applying', async () => {
    const text = inNamespace('004-cm-appvars.yaml', 'ssa').replace('apploglevel: info', 'apploglevel: debug').replace(/^  appdatadir:.*\n/m, '');
    assert.equal(ok(await c.kubectl(['apply', '--server-side', '-f', '-'], { input: text })), 'configmap/cm-appvars serverside-applied\n');
    const cm = await getJson(c, ['configmap', 'cm-appvars', '-n', 'ssa']);
    assert.deepEqual(cm.data, { apploglevel: 'debug' });
  });

  it('reports server-side apply conflicts with a client-side applied field', async () => {
    const text = seedText('000-deployment-test.yaml').replace('image: nginx', 'image: nginx:1.28');
    const err = fails(await c.kubectl(['apply', '--server-side', '--field-manager=ci', '-f', '-'], { input: text }));
    assert.match(err, /Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps\/v1: \.spec\.template\.spec\.containers\[name="test"\]\.image/);
    assert.match(err, /--force-conflicts/);
    assert.equal((await getJson(c, ['deployment', 'test'])).spec.template.spec.containers[0].image, 'nginx');
    const forced = await c.kubectl(['apply', '--server-side', '--field-manager=ci', '--force-conflicts', '-f', '-'], { input: text });
    assert.equal(ok(forced), 'deployment.apps/test serverside-applied\n');
    assert.equal((await getJson(c, ['deployment', 'test'])).spec.template.spec.containers[0].image, 'nginx:1.28');
  });

  it('upgrades a client-side applied object to server-side apply without conflicts (manager kubectl)', async () => {
    const text = seedText('002-deployment-go.yaml').replace(/image: .*/, 'image: go:2');
    assert.equal(ok(await c.kubectl(['apply', '--server-side', '-f', '-'], { input: text })), 'deployment.apps/go-controller-test serverside-applied\n');
    const d = JSON.parse(ok(await c.kubectl(['get', 'deployment', 'go-controller-test', '-o', 'json', '--show-managed-fields'])));
    assert.equal(d.spec.template.spec.containers[0].image, 'go:2');
    assert.ok(d.metadata.managedFields.some((m: { manager: string; operation: string }) => m.manager === 'kubectl' && m.operation === 'Apply'));
  });

  it('diff -f shows what apply would change, through a server dry run', async () => {
    const env = { TMPDIR: c.dir };
    const same = await c.kubectl(['diff', '-f', seedPath('004-cm-appvars.yaml')], { env });
    assert.equal(ok(same), '');
    const cm = seedText('004-cm-appvars.yaml').replace('apploglevel: info', 'apploglevel: debug');
    const r = await c.kubectl(['diff', '-f', '-'], { input: cm, env });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^-  apploglevel: info$/m);
    assert.match(r.stdout, /^\+  apploglevel: debug$/m);
    assert.doesNotMatch(r.stdout, /^[-+] +resourceVersion:/m, 'a dry run keeps the resourceVersion');
    const dep = seedText('000-deployment-test.yaml').replace('image: nginx', 'image: nginx:3');
    const d = await c.kubectl(['diff', '-f', '-'], { input: dep, env });
    assert.equal(d.code, 1, d.stderr);
    const gen = (await getJson(c, ['deployment', 'test'])).metadata.generation;
    assert.match(d.stdout, new RegExp(`^-  generation: ${gen}\n\\+  generation: ${gen + 1}$`, 'm'));
    assert.match(d.stdout, /^\+ +- image: nginx:3$/m);
    assert.doesNotMatch(d.stdout, /^[-+] +resourceVersion:/m);
    assert.equal((await getJson(c, ['configmap', 'cm-appvars'])).data.apploglevel, 'info', 'diff changes nothing');
  });

  it('supports --dry-run=server and --dry-run=client without storing', async () => {
    const text = seedText('004-cm-appvars.yaml').replace('name: cm-appvars', 'name: dry');
    assert.equal(ok(await c.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: text })), 'configmap/dry created (server dry run)\n');
    assert.equal(ok(await c.kubectl(['apply', '--server-side', '--dry-run=server', '-f', '-'], { input: text })), 'configmap/dry serverside-applied (server dry run)\n');
    assert.equal(ok(await c.kubectl(['apply', '--dry-run=client', '-f', '-'], { input: text })), 'configmap/dry created (dry run)\n');
    assert.ok(await isGone(c, ['configmap', 'dry']));
  });
});
