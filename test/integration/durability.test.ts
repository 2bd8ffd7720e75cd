// kill -9 of the server during a stream of creates loses no acknowledged write, and watches
// resume across the restart. Also: clear start-up failures (port taken, unusable data dir).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { startServerChild, runServerToExit, httpsCall } from '../helpers/process.js';

const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { k: name } });

describe('kubelite server process', () => {
  it('keeps every acknowledged write across kill -9 and resumes watches', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubelite-crash-'));
    try {
      const s1 = await startServerChild(dir);
      const first = await httpsCall(s1, 'POST', '/api/v1/namespaces/default/configmaps', cm('before-crash'));
      assert.equal(first.status, 201, first.body);
      const rvBefore = JSON.parse(first.body).metadata.resourceVersion as string;

      const acked: string[] = [];
      let stop = false;
      let n = 0;
      const writers = Array.from({ length: 32 }, async () => {
        while (!stop) {
          const name = `c-${n++}`;
          try {
            const r = await httpsCall(s1, 'POST', '/api/v1/namespaces/default/configmaps', cm(name));
            if (r.status === 201) acked.push(name);
          } catch {
            return; // connection reset by the kill
          }
        }
      });
      await new Promise((r) => setTimeout(r, 1500));
      s1.child.kill('SIGKILL');
      stop = true;
      await Promise.all(writers);
      s1.agent.destroy();
      assert.ok(acked.length > 50, `only ${acked.length} creates were acknowledged before the kill`);

      const s2 = await startServerChild(dir);
      try {
        const list = await httpsCall(s2, 'GET', '/api/v1/namespaces/default/configmaps');
        assert.equal(list.status, 200);
        const names = new Set((JSON.parse(list.body).items as { metadata: { name: string } }[]).map((i) => i.metadata.name));
        const lost = acked.filter((a) => !names.has(a));
        assert.deepEqual(lost, [], `${lost.length} of ${acked.length} acknowledged creates were lost`);
        assert.ok(names.has('before-crash'));

        // a watch from a revision taken before the crash replays what happened since
        const w = await httpsCall(s2, 'GET', `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rvBefore}&timeoutSeconds=1&fieldSelector=metadata.name%3D${acked[0]}`);
        assert.equal(w.status, 200);
        const events = w.body.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; object: { metadata: { name: string } } });
        assert.deepEqual(events.map((e) => `${e.type}:${e.object.metadata.name}`), [`ADDED:${acked[0]}`]);
      } finally {
        s2.child.kill('SIGTERM');
        s2.agent.destroy();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits non-zero with a clear message when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    const dir = mkdtempSync(join(tmpdir(), 'kubelite-port-'));
    try {
      const r = await runServerToExit(['server', '--data-dir', dir, '--https-listen-port', String(port), '--bind-address', '127.0.0.1', '--disable-agent']);
      assert.notEqual(r.code, 0);
      assert.match(r.output, new RegExp(`port ${port} is already in use`));
    } finally {
      blocker.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits non-zero with a clear message when the data dir is unusable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubelite-dd-'));
    try {
      const file = join(dir, 'a-file');
      writeFileSync(file, 'not a directory');
      const r = await runServerToExit(['server', '--data-dir', file, '--https-listen-port', '0', '--disable-agent']);
      assert.notEqual(r.code, 0);
      assert.match(r.output, /data dir .*a-file is not usable/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers 401 without credentials and serves health and version without them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubelite-auth-'));
    const s = await startServerChild(dir);
    try {
      const anon = { ...s, token: '' };
      const denied = await httpsCall(anon, 'GET', '/api/v1/pods');
      assert.equal(denied.status, 401);
      assert.equal(JSON.parse(denied.body).reason, 'Unauthorized');
      const wrong = await httpsCall({ ...s, token: 'nope' }, 'GET', '/api/v1/pods');
      assert.equal(wrong.status, 401);
      for (const p of ['/healthz', '/livez', '/readyz']) assert.equal((await httpsCall(anon, 'GET', p)).status, 200, p);
      const v = JSON.parse((await httpsCall(anon, 'GET', '/version')).body);
      assert.equal(v.major, '1');
      assert.equal(v.minor, '32');
      const metrics = await httpsCall(s, 'GET', '/metrics');
      assert.match(metrics.body, /apiserver_request_total\{/);
      assert.match(metrics.body, /kubelite_storage_operation_duration_seconds/);
    } finally {
      s.child.kill('SIGTERM');
      s.agent.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
