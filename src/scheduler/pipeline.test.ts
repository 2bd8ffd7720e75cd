import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import { createSecureContext } from 'node:tls';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { ensureCredentials } from '../apiserver/certs.js';
import { PipelinedClient, PipelineConnectionError } from './pipeline.js';

describe('PipelinedClient', () => {
  let server: Server;
  let dir: string;
  let client: PipelinedClient;
  let caPem: string;
  let url: URL;
  const seen: { method: string; url: string; auth: string; type: string; body: string }[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubelite-pipeline-'));
    const creds = await ensureCredentials(dir);
    caPem = creds.caPem;
    server = createServer({ cert: creds.certPem, key: creds.keyPem, keepAlive: true }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization ?? '', type: req.headers['content-type'] ?? '', body });
        const u = new URL(req.url!, 'https://x');
        const answer = JSON.stringify({ path: u.pathname, body: body ? JSON.parse(body) : null });
        switch (u.pathname) {
          case '/chunked': {
            // a body in several chunks, a multi-byte character cut between two of them
            res.writeHead(200, { 'Content-Type': 'application/json' });
            const b = Buffer.from(JSON.stringify({ text: 'héllo wörld €' }));
            const cut = b.indexOf(Buffer.from('€')) + 1;
            res.write(b.subarray(0, cut));
            setImmediate(() => res.end(b.subarray(cut)));
            return;
          }
          case '/slow': {
            // answered after the requests behind it: HTTP/1.1 still answers in order
            setTimeout(() => {
              res.writeHead(201, { 'Content-Type': 'application/json' });
              res.end(answer);
            }, 30);
            return;
          }
          case '/close':
            res.writeHead(200, { 'Content-Type': 'application/json', Connection: 'close' });
            res.end(answer);
            return;
          case '/destroy':
            req.socket.destroy();
            return;
          case '/empty':
            res.writeHead(204);
            res.end();
            return;
          case '/conflict':
            res.writeHead(409, { 'Content-Type': 'application/json' });
            res.end(JSON.stringify({ kind: 'Status', reason: 'Conflict', message: 'already bound', code: 409 }));
            return;
          default:
            res.writeHead(201, { 'Content-Type': 'application/json' });
            res.end(answer);
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = new URL(`https://127.0.0.1:${(server.address() as AddressInfo).port}`);
    client = new PipelinedClient({ url, token: 'tok', secureContext: createSecureContext({ ca: caPem }), userAgent: 'test' }, 2);
  });
  after(async () => {
    client?.close();
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers many pipelined requests, each with its own answer, on at most two connections', async () => {
    const n = 300;
    const replies = await Promise.all(Array.from({ length: n }, (_, i) => client.request('POST', `/p/${i}`, JSON.stringify({ i, name: `ü-${i}` }))));
    replies.forEach((r, i) => {
      assert.equal(r.status, 201);
      assert.deepEqual(JSON.parse(r.text), { path: `/p/${i}`, body: { i, name: `ü-${i}` } });
    });
    assert.ok(client.connections <= 2);
    const mine = seen.filter((s) => s.url.startsWith('/p/'));
    assert.equal(mine.length, n);
    assert.ok(mine.every((s) => s.method === 'POST' && s.auth === 'Bearer tok' && s.type === 'application/json'));
  });

  it('keeps answers in order when an early request is slow', async () => {
    const [slow, ...fast] = await Promise.all([client.request('POST', '/slow', '{}'), ...Array.from({ length: 20 }, (_, i) => client.request('POST', `/f/${i}`, '{}'))]);
    assert.equal(slow.status, 201);
    assert.equal(JSON.parse(slow.text).path, '/slow');
    fast.forEach((r, i) => assert.equal(JSON.parse(r.text).path, `/f/${i}`));
  });

  it('reads chunked bodies, empty answers and error statuses', async () => {
    const [c, e, x] = await Promise.all([client.request('GET', '/chunked', ''), client.request('DELETE', '/empty', ''), client.request('POST', '/conflict', '{}', 'application/merge-patch+json')]);
    assert.deepEqual(JSON.parse(c.text), { text: 'héllo wörld €' });
    assert.equal(e.status, 204);
    assert.equal(e.text, '');
    assert.equal(x.status, 409);
    assert.equal(JSON.parse(x.text).reason, 'Conflict');
    assert.equal(seen.find((s) => s.url === '/conflict')?.type, 'application/merge-patch+json');
  });

  it('fails the requests of a broken connection and carries on with a new one', async () => {
    const before = client.request('POST', '/before', '{}');
    const broken = client.request('POST', '/destroy', '{}');
    const r1 = await before;
    assert.equal(r1.status, 201);
    await assert.rejects(broken, PipelineConnectionError);
    const after = await client.request('POST', '/after', '{}');
    assert.equal(JSON.parse(after.text).path, '/after');
  });

  it('opens a new connection after the server says Connection: close', async () => {
    const r = await client.request('POST', '/close', '{}');
    assert.equal(JSON.parse(r.text).path, '/close');
    const replies = await Promise.all(Array.from({ length: 10 }, (_, i) => client.request('POST', `/again/${i}`, '{}')));
    replies.forEach((x, i) => assert.equal(JSON.parse(x.text).path, `/again/${i}`));
  });

  it('refuses requests once closed', async () => {
    const c = new PipelinedClient({ url, token: 'tok', secureContext: createSecureContext({ ca: caPem }) });
    assert.equal((await c.request('POST', '/one', '{}')).status, 201);
    c.close();
    await assert.rejects(c.request('POST', '/two', '{}'), PipelineConnectionError);
  });
});
