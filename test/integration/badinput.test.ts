// Bad input gets a Kubernetes Status with the right code, a clear message and field paths,
// and changes nothing.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:https';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { httpsCall, type Reply } from '../helpers/process.js';

const basePod = () => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'bad' },
  spec: { containers: [{ name: 'main', image: 'busybox', ports: [{ containerPort: 80 }] }] } as Record<string, any>,
});

describe('bad input', () => {
  let c: TestCluster;
  let s: { port: number; token: string; agent: Agent };
  const call = (method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply> => httpsCall(s, method, path, body, headers);
  const status = (r: Reply) => JSON.parse(r.body) as { kind: string; code: number; reason: string; message: string; details?: { causes?: { field: string; reason: string }[] } };
  const podCount = async () => (JSON.parse((await call('GET', '/api/v1/namespaces/default/pods')).body).items as unknown[]).length;

  before(async () => {
    c = await startTestCluster();
    s = { port: c.port, token: c.adminToken, agent: new Agent({ keepAlive: true, ca: c.caPem }) };
  });
  after(async () => {
    s.agent.destroy();
    await c?.close();
  });

  it('malformed JSON and YAML are 400 and store nothing', async () => {
    const before = await podCount();
    const j = await call('POST', '/api/v1/namespaces/default/pods', '{"apiVersion":"v1","kind":"Pod",');
    assert.equal(j.status, 400);
    assert.equal(status(j).kind, 'Status');
    assert.equal(status(j).reason, 'BadRequest');
    const y = await call('POST', '/api/v1/namespaces/default/pods', 'kind: Pod\n  metadata: [oops\n', { 'Content-Type': 'application/yaml' });
    assert.equal(y.status, 400);
    assert.match(status(y).message, /YAML/);
    const notObject = await call('POST', '/api/v1/namespaces/default/pods', '[1,2]');
    assert.equal(notObject.status, 400);
    assert.equal(await podCount(), before);
  });

  it('wrong content types are 415', async () => {
    const r = await call('POST', '/api/v1/namespaces/default/pods', 'hello', { 'Content-Type': 'text/plain' });
    assert.equal(r.status, 415);
    assert.equal(status(r).reason, 'UnsupportedMediaType');
    const p = await call('PATCH', '/api/v1/namespaces/default/pods/x', '{}', { 'Content-Type': 'application/json' });
    assert.equal(p.status, 415);
    const pb = await call('POST', '/api/v1/namespaces/default/pods', Buffer.from('not protobuf'), { 'Content-Type': 'application/vnd.kubernetes.protobuf' });
    assert.ok(pb.status === 400 || pb.status === 415, `protobuf garbage: ${pb.status}`);
  });

  it('bodies over 3 MiB are refused with 413', async () => {
    const big = basePod();
    (big.metadata as Record<string, unknown>).annotations = { big: 'x'.repeat(3 * 1024 * 1024 + 10) };
    const r = await call('POST', '/api/v1/namespaces/default/pods', big);
    assert.equal(r.status, 413);
    assert.equal(status(r).reason, 'RequestEntityTooLarge');
  });

  it('unknown fields: Strict refuses, Warn warns, Ignore accepts', async () => {
    const p = basePod();
    p.metadata.name = 'strict-1';
    p.spec.containers[0].foo = 1;
    const strict = await call('POST', '/api/v1/namespaces/default/pods?fieldValidation=Strict', p);
    assert.equal(strict.status, 400);
    assert.match(status(strict).message, /strict decoding error: unknown field "spec.containers\[0\].foo"/);
    const warn = await httpsCallWithHeaders(s, 'POST', '/api/v1/namespaces/default/pods?fieldValidation=Warn', p);
    assert.equal(warn.status, 201);
    assert.match(String(warn.headers.warning), /unknown field \\"spec.containers\[0\].foo\\"/);
    p.metadata.name = 'strict-2';
    const ignore = await call('POST', '/api/v1/namespaces/default/pods?fieldValidation=Ignore', p);
    assert.equal(ignore.status, 201);
    assert.equal(JSON.parse(ignore.body).spec.containers[0].foo, undefined, 'unknown fields are dropped, never stored');
    const bogus = await call('POST', '/api/v1/namespaces/default/pods?fieldValidation=Loose', p);
    assert.equal(bogus.status, 400);
  });

  const invalidCases: [string, (p: ReturnType<typeof basePod>) => void, string[]][] = [
    ['bad name', (p) => (p.metadata.name = 'Not_Valid'), ['metadata.name']],
    ['no containers', (p) => (p.spec.containers = []), ['spec.containers']],
    ['empty image', (p) => (p.spec.containers[0].image = ''), ['spec.containers[0].image']],
    ['duplicate container names', (p) => p.spec.containers.push({ name: 'main', image: 'x' }), ['spec.containers[1].name']],
    ['port out of range', (p) => (p.spec.containers[0].ports[0].containerPort = 70000), ['spec.containers[0].ports[0].containerPort']],
    ['bad protocol', (p) => (p.spec.containers[0].ports[0].protocol = 'HTTP'), ['spec.containers[0].ports[0].protocol']],
    ['limit below request', (p) => (p.spec.containers[0].resources = { requests: { cpu: '500m' }, limits: { cpu: '250m' } }), ['spec.containers[0].resources.requests']],
    [
      'two probe handlers',
      (p) => (p.spec.containers[0].livenessProbe = { exec: { command: ['true'] }, tcpSocket: { port: 80 } }),
      ['spec.containers[0].livenessProbe'],
    ],
    ['mount of a missing volume', (p) => (p.spec.containers[0].volumeMounts = [{ name: 'nope', mountPath: '/x' }]), ['spec.containers[0].volumeMounts[0].name']],
    ['bad restartPolicy', (p) => (p.spec.restartPolicy = 'Sometimes'), ['spec.restartPolicy']],
  ];
  for (const [title, mutate, fields] of invalidCases) {
    it(`422 for ${title}, naming ${fields.join(', ')}`, async () => {
      const p = basePod();
      mutate(p);
      const before = await podCount();
      const r = await call('POST', '/api/v1/namespaces/default/pods', p);
      assert.equal(r.status, 422, r.body);
      const st = status(r);
      assert.equal(st.reason, 'Invalid');
      const got = (st.details?.causes ?? []).map((x) => x.field);
      for (const f of fields) assert.ok(got.some((g) => g.startsWith(f)), `${f} not in ${got.join(', ')} (${st.message})`);
      assert.match(st.message, /^Pod ".*" is invalid: /);
      assert.equal(await podCount(), before);
    });
  }

  it('a malformed quantity is a 400 at decoding, as upstream', async () => {
    const p = basePod();
    p.spec.containers[0].resources = { requests: { memory: '12 GB' } };
    const r = await call('POST', '/api/v1/namespaces/default/pods', p);
    assert.equal(r.status, 400, r.body);
    assert.match(status(r).message, /cannot be handled as a Pod: quantities must match the regular expression/);
  });

  it('lists every bad field at once', async () => {
    const p = basePod();
    p.spec.containers[0].image = '';
    p.spec.containers[0].ports[0].containerPort = 0;
    p.spec.restartPolicy = 'Sometimes';
    const r = await call('POST', '/api/v1/namespaces/default/pods', p);
    assert.equal(r.status, 422);
    assert.ok((status(r).details?.causes ?? []).length >= 3, r.body);
  });

  it('pod spec fields are immutable, except the image', async () => {
    const p = basePod();
    p.metadata.name = 'immutable';
    assert.equal((await call('POST', '/api/v1/namespaces/default/pods', p)).status, 201);
    const ports = await call('PATCH', '/api/v1/namespaces/default/pods/immutable', { spec: { containers: [{ name: 'main', ports: [{ containerPort: 81 }] }] } }, { 'Content-Type': 'application/strategic-merge-patch+json' });
    assert.equal(ports.status, 422, ports.body);
    assert.match(status(ports).message, /Forbidden: pod updates may not change fields/);
    const image = await call('PATCH', '/api/v1/namespaces/default/pods/immutable', { spec: { containers: [{ name: 'main', image: 'busybox:2' }] } }, { 'Content-Type': 'application/strategic-merge-patch+json' });
    assert.equal(image.status, 200, image.body);
  });

  it('a Deployment selector must match its template labels', async () => {
    const d = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'mismatch' },
      spec: { selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
    };
    const r = await call('POST', '/apis/apps/v1/namespaces/default/deployments', d);
    assert.equal(r.status, 422);
    assert.ok(status(r).details?.causes?.some((x) => x.field === 'spec.template.metadata.labels'), r.body);
  });

  it('bad selectors, continue tokens, paths and methods', async () => {
    assert.equal((await call('GET', '/api/v1/pods?labelSelector=a%20in%20(')).status, 400);
    const fs = await call('GET', '/api/v1/pods?fieldSelector=spec.bogus%3Dx');
    assert.equal(fs.status, 400);
    assert.match(status(fs).message, /field label not supported: spec.bogus/);
    assert.equal((await call('GET', '/api/v1/pods?limit=1&continue=garbage')).status, 400);
    const nf = await call('GET', '/api/v1/nothings');
    assert.equal(nf.status, 404);
    assert.equal(status(nf).message, 'the server could not find the requested resource');
    assert.equal((await call('GET', '/api/v1/namespaces/default/pods/missing')).status, 404);
    assert.equal((await call('POST', '/api/v1/namespaces/default/pods/x', basePod())).status, 405);
    const noManager = await call('PATCH', '/api/v1/namespaces/default/configmaps/x', { apiVersion: 'v1', kind: 'ConfigMap' }, { 'Content-Type': 'application/apply-patch+yaml' });
    assert.equal(noManager.status, 422);
    assert.match(status(noManager).message, /fieldManager: Required value/);
  });

  it('dry run validates and answers but stores nothing', async () => {
    const p = basePod();
    p.metadata.name = 'dry';
    const r = await call('POST', '/api/v1/namespaces/default/pods?dryRun=All', p);
    assert.equal(r.status, 201);
    assert.equal(JSON.parse(r.body).metadata.name, 'dry');
    assert.equal((await call('GET', '/api/v1/namespaces/default/pods/dry')).status, 404);
    const bad = await call('POST', '/api/v1/namespaces/default/pods?dryRun=Maybe', p);
    assert.equal(bad.status, 400);
  });
});

import { request } from 'node:https';
function httpsCallWithHeaders(s: { port: number; token: string; agent: Agent }, method: string, path: string, body: unknown): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(JSON.stringify(body));
    const req = request(
      { host: '127.0.0.1', port: s.port, method, path, agent: s.agent, headers: { Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/json', 'Content-Length': data.length } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

describe('secrets', () => {
  let c: TestCluster;
  let s: { port: number; token: string; agent: Agent };
  before(async () => {
    c = await startTestCluster();
    s = { port: c.port, token: c.adminToken, agent: new Agent({ keepAlive: true, ca: c.caPem }) };
  });
  after(async () => {
    s.agent.destroy();
    await c?.close();
  });

  it('merges stringData into data and refuses data that is not base64', async () => {
    const ok = await httpsCall(s, 'POST', '/api/v1/namespaces/default/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's1' }, data: { a: 'YQ==' }, stringData: { b: 'bee' } });
    assert.equal(ok.status, 201, ok.body);
    const sec = JSON.parse(ok.body);
    assert.deepEqual(sec.data, { a: 'YQ==', b: Buffer.from('bee').toString('base64') });
    assert.equal(sec.stringData, undefined);
    assert.equal(sec.type, 'Opaque');
    const bad = await httpsCall(s, 'POST', '/api/v1/namespaces/default/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's2' }, data: { a: 'not base64!' } });
    assert.equal(bad.status, 400);
    assert.match(JSON.parse(bad.body).message, /illegal base64 data at input byte/);
    assert.equal((await httpsCall(s, 'GET', '/api/v1/namespaces/default/secrets/s2')).status, 404);
  });
});
