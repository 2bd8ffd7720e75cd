import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { RESOURCES, type ResourceInfo } from '../api/resources.js';
import { buildOpenApiV3, hashOf } from './openapi.js';

type Json = Record<string, any>; // parsed documents are walked loosely in assertions
const api = buildOpenApiV3();
const index = JSON.parse(api.index()) as { paths: Record<string, { serverRelativeURL: string }> };
const docOf = (p: string): Json => JSON.parse(api.doc(p)!.body) as Json;
const gvPath = (r: { group: string; version: string }): string => (r.group ? `apis/${r.group}/${r.version}` : `api/${r.version}`);

test('index lists every group/version with a hash matching its document', () => {
  const expected = new Set([...RESOURCES.map(gvPath), 'apis/autoscaling/v1', 'apis/policy/v1']);
  assert.deepEqual(new Set(Object.keys(index.paths)), expected);
  for (const [p, { serverRelativeURL }] of Object.entries(index.paths)) {
    const d = api.doc(p)!;
    assert.match(d.hash, /^[0-9A-F]{128}$/);
    assert.equal(d.hash, hashOf(d.body));
    assert.equal(serverRelativeURL, `/openapi/v3/${p}?hash=${d.hash}`);
    const doc = JSON.parse(d.body) as Json;
    assert.equal(doc.openapi, '3.0.0');
    assert.ok(doc.info && doc.paths && doc.components.schemas);
  }
  assert.equal(api.doc('apis/nope/v1'), undefined);
  assert.equal(buildOpenApiV3().doc('api/v1')!.hash, api.doc('api/v1')!.hash, 'deterministic');
  assert.notEqual(hashOf('{"a":1}'), hashOf('{"a":2}'));
});

test('every resource has a PATCH operation with a GVK object, fieldValidation and strategic merge patch', () => {
  for (const r of RESOURCES) {
    const doc = docOf(gvPath(r));
    const found = Object.values(doc.paths as Record<string, Json>).filter((p) => {
      const g = p.patch?.['x-kubernetes-group-version-kind'];
      return g && g.group === r.group && g.version === r.version && g.kind === r.kind;
    });
    assert.ok(found.length > 0, `${r.kind} has a PATCH`);
    for (const p of found) {
      assert.ok(p.patch.parameters.some((x: Json) => x.name === 'fieldValidation' && x.in === 'query'));
      for (const t of ['application/strategic-merge-patch+json', 'application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml'])
        assert.ok(p.patch.requestBody.content[t], t);
    }
    const base = `/${gvPath(r)}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.resource}`;
    assert.ok(doc.paths[base].get && doc.paths[base].post, `${base} list/create`);
    assert.ok(doc.paths[`${base}/{name}`].get && doc.paths[`${base}/{name}`].put && doc.paths[`${base}/{name}`].delete);
    for (const s of r.subresources) assert.ok(doc.paths[`${base}/{name}/${s.name}`], `${base}/{name}/${s.name}`);
    const schemas = doc.components.schemas as Record<string, Json>;
    const holder = Object.values(schemas).filter((s) =>
      (s['x-kubernetes-group-version-kind'] ?? []).some((g: Json) => g.group === r.group && g.version === r.version && g.kind === r.kind),
    );
    assert.equal(holder.length, 1, `${r.kind} schema with GVK array`);
  }
  const scale = docOf('apis/apps/v1').paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'];
  assert.deepEqual(scale.patch['x-kubernetes-group-version-kind'], { group: 'autoscaling', version: 'v1', kind: 'Scale' });
});

test('all $refs in every document resolve inside that document', () => {
  for (const p of Object.keys(index.paths)) {
    const doc = docOf(p);
    const refs: string[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) k === '$ref' ? refs.push(x as string) : walk(x);
    };
    walk(doc);
    for (const r of refs) assert.ok(doc.components.schemas[r.replace('#/components/schemas/', '')], `${p}: ${r}`);
  }
  assert.ok(docOf('apis/policy/v1').components.schemas['io.k8s.api.policy.v1.Eviction']);
  assert.ok(docOf('apis/autoscaling/v1').components.schemas['io.k8s.api.autoscaling.v1.Scale']);
});

// ---- end to end with the real kubectl ------------------------------------------------------

const KUBECTL = '/usr/bin/kubectl';

function resourceList(gv: string, rs: ResourceInfo[]): Json {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: gv,
    resources: rs.flatMap((r) => [
      { name: r.resource, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: r.verbs, shortNames: r.shortNames, categories: r.categories },
      ...r.subresources.map((s) => ({ name: `${r.resource}/${s.name}`, singularName: '', namespaced: r.namespaced, group: s.kind.group, version: s.kind.version, kind: s.kind.kind, verbs: s.verbs })),
    ]),
  };
}

/** Last PATCH seen by the fake server: content type and body. */
interface Seen {
  patch?: { type: string; body: string; query: string };
}

function fakeServer(seen: Seen): http.Server {
  const last = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p2', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'nginx:1', ports: [{ containerPort: 80 }] }] } };
  const existing = { ...last, metadata: { ...last.metadata, resourceVersion: '5', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(last) } } };
  const groups = [...new Set(RESOURCES.filter((r) => r.group).map((r) => `${r.group}/${r.version}`))];
  return http.createServer((req, res) => {
    const p = new URL(req.url ?? '/', 'http://x').pathname;
    const send = (code: number, body: unknown): void => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (p === '/api/v1/namespaces/default/pods/p2') {
      if (req.method !== 'PATCH') return send(200, existing);
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.patch = { type: String(req.headers['content-type']), body, query: new URL(req.url ?? '/', 'http://x').search };
        send(200, existing);
      });
      return;
    }
    if (p === '/version') return send(200, { major: '1', minor: '32', gitVersion: 'v1.32.4', platform: 'linux/amd64' });
    if (p === '/api') return send(200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] });
    if (p === '/api/v1') return send(200, resourceList('v1', RESOURCES.filter((r) => r.group === '')));
    if (p === '/apis')
      return send(200, {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: groups.map((gv) => {
          const [name, version] = gv.split('/');
          return { name, versions: [{ groupVersion: gv, version }], preferredVersion: { groupVersion: gv, version } };
        }),
      });
    const m = /^\/apis\/([^/]+)\/([^/]+)$/.exec(p);
    if (m && groups.includes(`${m[1]}/${m[2]}`)) return send(200, resourceList(`${m[1]}/${m[2]}`, RESOURCES.filter((r) => r.group === m[1] && r.version === m[2])));
    if (p === '/openapi/v3') return send(200, api.index());
    const d = p.startsWith('/openapi/v3/') ? api.doc(p.slice('/openapi/v3/'.length)) : undefined;
    if (d) return send(200, d.body);
    send(404, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'NotFound', code: 404, message: 'the server could not find the requested resource' });
  });
}

test('kubectl explain and client-side apply work against our documents', { skip: existsSync(KUBECTL) ? false : `${KUBECTL} not found` }, async () => {
  const seen: Seen = {};
  const srv = fakeServer(seen);
  await new Promise<void>((ok) => srv.listen(0, '127.0.0.1', ok));
  const dir = mkdtempSync(join(tmpdir(), 'kubelite-explain-'));
  try {
    const port = (srv.address() as AddressInfo).port;
    const kubeconfig = join(dir, 'config');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: "http://127.0.0.1:${port}"}\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\nusers:\n- name: u\n  user: {}\n`,
    );
    const run = promisify(execFile);
    const kubectl = (...args: string[]) =>
      run(KUBECTL, [...args, `--cache-dir=${join(dir, 'cache')}`], { env: { PATH: process.env.PATH, HOME: dir, KUBECONFIG: kubeconfig }, timeout: 60_000, maxBuffer: 16 << 20 });
    const explain = async (...args: string[]): Promise<string> => (await kubectl('explain', ...args)).stdout;

    const probe = await explain('pod.spec.containers.livenessProbe');
    assert.match(probe, /KIND:\s+Pod/);
    assert.match(probe, /FIELD: livenessProbe <Probe>/);
    assert.match(probe, /httpGet\s+<HTTPGetAction>/);
    assert.match(probe, /periodSeconds\s+<integer>/);

    const strategy = await explain('deployment.spec.strategy');
    assert.match(strategy, /GROUP:\s+apps/);
    assert.match(strategy, /rollingUpdate\s+<RollingUpdateDeployment>/);
    assert.match(strategy, /Recreate, RollingUpdate/);

    const recursive = await explain('pods', '--recursive');
    for (const f of ['tolerations\t<[]Toleration>', 'topologySpreadConstraints\t<[]TopologySpreadConstraint>', 'ephemeralContainers\t<[]EphemeralContainer>'])
      assert.ok(recursive.includes(f), f);
    assert.ok(recursive.split('\n').length > 500);

    const limits = await explain('pod.spec.containers.resources');
    assert.match(limits, /limits\s+<map\[string\]Quantity>/);
    assert.match(await explain('cronjob.spec.jobTemplate.spec.template.spec.containers.ports'), /containerPort\s+<integer> -required-/);
    assert.match(await explain('leases.spec'), /holderIdentity\s+<string>/);

    // client-side apply: validation handshake (fieldValidation=Strict) and a strategic merge
    // patch computed from our v3 schema (kubectl logs a warning at -v=5 when it has to fall back).
    const manifest = join(dir, 'pod.json');
    const want = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p2' }, spec: { containers: [{ name: 'c', image: 'nginx:2', ports: [{ containerPort: 80 }, { containerPort: 443 }] }] } };
    writeFileSync(manifest, JSON.stringify(want));
    const applied = await kubectl('apply', '-f', manifest, '-v=5');
    assert.doesNotMatch(applied.stderr, /error calculating patch from openapi/);
    assert.equal(seen.patch?.type, 'application/strategic-merge-patch+json');
    assert.match(seen.patch!.query, /fieldValidation=Strict/);
    assert.match(seen.patch!.body, /"\$setElementOrder\/ports":\[\{"containerPort":80\},\{"containerPort":443\}\]/);
  } finally {
    srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
