// The in-process transport (apiserver/local.ts) that the server's own scheduler uses: the
// same answers as HTTPS for requests, errors and watches, and an informer that runs over it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { RestClient } from '../../src/client/rest.js';
import { Informer, dropManagedFields } from '../../src/client/informer.js';
import { ApiError } from '../../src/api/errors.js';
import { localTransport } from '../../src/apiserver/local.js';
import { silentLogger } from '../../src/util/logger.js';
import type { WatchEvent } from '../../src/client/watch.js';

async function until(f: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 10_000;
  while (!f()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('in-process transport', () => {
  let c: TestCluster;
  let https: RestClient;
  let local: RestClient;
  before(async () => {
    c = await startTestCluster();
    https = new RestClient({ server: c.url, token: c.adminToken, caPem: c.caPem });
    local = new RestClient({ server: c.url, token: c.adminToken, caPem: c.caPem, transport: localTransport(c.api, c.adminToken) });
  });
  after(async () => {
    https.close();
    local.close();
    await c?.close();
  });

  it('answers requests as HTTPS does', async () => {
    const created = await local.json<{ metadata: { name: string; resourceVersion: string } }>('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'lt-1' }, data: { a: 'b' } });
    assert.equal(created.metadata.name, 'lt-1');
    const viaLocal = await local.json('GET', '/api/v1/namespaces/default/configmaps/lt-1');
    const viaHttps = await https.json('GET', '/api/v1/namespaces/default/configmaps/lt-1');
    assert.deepEqual(viaLocal, viaHttps);
    const patched = await local.json<{ data: Record<string, string> }>('PATCH', '/api/v1/namespaces/default/configmaps/lt-1', { data: { c: 'd' } }, 'application/merge-patch+json');
    assert.deepEqual(patched.data, { a: 'b', c: 'd' });
    const list = await local.json<{ items: unknown[] }>('GET', '/api/v1/namespaces/default/configmaps?labelSelector=none%3Dhere');
    assert.deepEqual(list.items, []);
  });

  it('turns error answers into the same ApiError', async () => {
    await assert.rejects(local.json('GET', '/api/v1/namespaces/default/configmaps/missing'), (e: unknown) => e instanceof ApiError && e.code === 404 && e.reason === 'NotFound');
    await local.json('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'lt-dup' } });
    await assert.rejects(local.json('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'lt-dup' } }), (e: unknown) => e instanceof ApiError && e.code === 409 && e.reason === 'AlreadyExists');
    await assert.rejects(local.json('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'Bad_Name' } }), (e: unknown) => e instanceof ApiError && e.code === 422);
    const stranger = new RestClient({ server: c.url, token: 'not-a-token', caPem: c.caPem, transport: localTransport(c.api, 'not-a-token') });
    await assert.rejects(stranger.json('GET', '/api/v1/namespaces'), (e: unknown) => e instanceof ApiError && e.code === 401);
  });

  it('streams watches until aborted, and rejects a watch the server refuses', async () => {
    const ac = new AbortController();
    const events: WatchEvent[] = [];
    const done = local.watch('/api/v1/namespaces/default/configmaps?watch=true&labelSelector=w%3D1', (ev) => events.push(ev), ac.signal);
    await local.json('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'lt-w', labels: { w: '1' } } });
    await until(() => events.some((e) => e.type === 'ADDED' && e.object.metadata.name === 'lt-w'), 'the ADDED event');
    ac.abort();
    await done; // resolves once aborted
    await assert.rejects(local.watch('/api/v1/namespaces/default/nosuchthings?watch=true', () => undefined, new AbortController().signal), (e: unknown) => (e as { code?: number }).code === 404);
  });

  it('runs an informer: list, live changes, deletes', async () => {
    for (let i = 0; i < 5; i++) await https.json('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: `inf-${i}`, labels: { inf: 'x' } } });
    const inf = new Informer(local, { path: '/api/v1/namespaces/default/configmaps', labelSelector: 'inf=x', pageSize: 2 }, silentLogger());
    const seen: string[] = [];
    inf.addHandlers({ update: (_o, n) => seen.push(`update:${n.metadata.name}`), delete: (o) => seen.push(`delete:${o.metadata.name}`) });
    const ac = new AbortController();
    const running = inf.run(ac.signal);
    await inf.waitForSync();
    assert.equal(inf.size, 5);
    await https.json('PATCH', '/api/v1/namespaces/default/configmaps/inf-0', { data: { x: '1' } }, 'application/merge-patch+json');
    await https.json('DELETE', '/api/v1/namespaces/default/configmaps/inf-1');
    await until(() => seen.includes('update:inf-0') && seen.includes('delete:inf-1'), 'live events');
    assert.equal(inf.size, 4);
    ac.abort();
    await running;
  });

  it('decodes an event once for in-process watchers, and a transform of one stays its own', async (t) => {
    // the scheduler and the controller manager watch the same pods over two in-process clients
    const other = new RestClient({ server: c.url, token: c.adminToken, caPem: c.caPem, transport: localTransport(c.api, c.adminToken) });
    const path = '/api/v1/namespaces/default/configmaps';
    const trimmed = new Informer(local, { path, labelSelector: 'share=x', transform: dropManagedFields }, silentLogger());
    const full = new Informer(other, { path, labelSelector: 'share=x' }, silentLogger());
    const ac = new AbortController();
    const running = [trimmed.run(ac.signal), full.run(ac.signal)];
    t.after(async () => {
      ac.abort(); // also when an assertion failed: the informers must not keep the process alive
      await Promise.all(running);
      other.close();
    });
    await Promise.all([trimmed.waitForSync(), full.waitForSync()]);
    await https.json('POST', path, { metadata: { name: 'share-1', labels: { share: 'x' } }, data: { a: '1' } });
    await https.json('PATCH', `${path}/share-1`, { data: { a: '2' } }, 'application/merge-patch+json');
    const want = await https.json<{ metadata: { resourceVersion: string; managedFields?: unknown[] }; data: unknown }>('GET', `${path}/share-1`);
    const key = 'default/share-1';
    await until(() => trimmed.get(key)?.metadata.resourceVersion === want.metadata.resourceVersion && full.get(key)?.metadata.resourceVersion === want.metadata.resourceVersion, 'both informers at the patched version');
    assert.deepEqual(full.get(key), want, 'the untransformed cache holds the object as served, managedFields included');
    assert.ok((want.metadata.managedFields ?? []).length > 0);
    assert.equal(trimmed.get(key)!.metadata.managedFields, undefined);
    const { managedFields: _m, ...meta } = want.metadata;
    assert.deepEqual(trimmed.get(key), { ...want, metadata: meta });
  });
});
