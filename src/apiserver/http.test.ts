import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import { connect, createSecureContext } from 'node:tls';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { ensureCredentials } from './certs.js';
import { orderAnswers, sendRawJson } from './http.js';
import { PipelinedClient } from '../scheduler/pipeline.js';

// Answers to pipelined requests: sendRawJson answers that are ready together go out in one
// socket write, and every answer (ours or written by Node) stays in request order.
describe('pipelined answers', () => {
  let server: Server;
  let dir: string;
  let caPem: string;
  let url: URL;
  /** socket writes per connection (the server side) */
  const writes = new Map<unknown, number>();
  /** answers released together, as a group commit resolves its writes in one turn */
  let batch: (() => void)[] = [];
  const release = (f: () => void) => {
    if (batch.length === 0) setImmediate(() => batch.splice(0).forEach((g) => g()));
    batch.push(f);
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubelite-answers-'));
    const creds = await ensureCredentials(dir);
    caPem = creds.caPem;
    server = createServer({ cert: creds.certPem, key: creds.keyPem, keepAlive: true }, (req, res) => {
      const sock = req.socket as unknown as { write: (...a: unknown[]) => boolean; __counted?: boolean };
      if (!sock.__counted) {
        sock.__counted = true;
        const w = sock.write.bind(sock);
        sock.write = (...a: unknown[]) => (writes.set(sock, (writes.get(sock) ?? 0) + 1), w(...a));
      }
      orderAnswers(req, res);
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url!;
        const answer = JSON.stringify({ path, body: Buffer.concat(chunks).toString('utf8'), text: 'héllo €' });
        if (path.startsWith('/node')) {
          // answered through Node's own writes (head, then the body in two writes)
          setTimeout(() => {
            res.writeHead(200, { 'Content-Type': 'application/json' });
            res.write(answer.slice(0, 5));
            res.end(answer.slice(5));
          }, 5);
        } else if (path.startsWith('/slow')) {
          setTimeout(() => sendRawJson(res, 201, answer), 20);
        } else if (path.startsWith('/big')) {
          release(() => sendRawJson(res, 201, JSON.stringify({ path, pad: 'x'.repeat(4000) })));
        } else if (path.startsWith('/head')) {
          res.writeHead(204);
          res.end();
        } else {
          release(() => sendRawJson(res, 201, answer));
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = new URL(`https://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  after(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers ready together share one socket write, in order', async () => {
    const client = new PipelinedClient({ url, token: 't', secureContext: createSecureContext({ ca: caPem }) }, 1, 8);
    try {
      await client.request('POST', '/warm', '{}');
      writes.clear();
      const replies = await Promise.all(Array.from({ length: 8 }, (_, i) => client.request('POST', `/b/${i}`, `{"i":${i}}`)));
      replies.forEach((r, i) => {
        assert.equal(r.status, 201);
        assert.deepEqual(JSON.parse(r.text), { path: `/b/${i}`, body: `{"i":${i}}`, text: 'héllo €' });
      });
      const n = [...writes.values()].reduce((a, b) => a + b, 0);
      assert.ok(n >= 1 && n < 8, `8 answers took ${n} socket writes`);
    } finally {
      client.close();
    }
  });

  it('keeps our answers and Node-written answers in request order', async () => {
    const client = new PipelinedClient({ url, token: 't', secureContext: createSecureContext({ ca: caPem }) }, 1, 8);
    try {
      const paths: string[] = [];
      for (let round = 0; round < 5; round++) paths.push(`/a/${round}`, `/node/${round}`, `/b/${round}`, `/slow/${round}`, `/head/${round}`, `/c/${round}`, `/d/${round}`);
      const replies = await Promise.all(paths.map((p) => client.request('POST', p, '{}')));
      replies.forEach((r, i) => {
        const p = paths[i]!;
        if (p.startsWith('/head')) {
          assert.equal(r.status, 204);
          return;
        }
        assert.equal(JSON.parse(r.text).path, p);
        assert.equal(r.status, p.startsWith('/node') ? 200 : 201);
      });
    } finally {
      client.close();
    }
  });

  it('keeps a connection whose coalesced answers exceed the socket buffer (no pause, no HPE_PAUSED)', async () => {
    const client = new PipelinedClient({ url, token: 't', secureContext: createSecureContext({ ca: caPem }) }, 1, 16);
    try {
      for (let round = 0; round < 20; round++) {
        const replies = await Promise.all(Array.from({ length: 16 }, (_, i) => client.request('POST', `/big/${round}/${i}`, '{}')));
        replies.forEach((r, i) => assert.equal(JSON.parse(r.text).path, `/big/${round}/${i}`));
      }
      // ... and more requests arrive while 64 KiB of answers are still on their way
      const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => client.request('POST', `/big/x/${i}`, '{}')));
      replies.forEach((r, i) => assert.equal(JSON.parse(r.text).path, `/big/x/${i}`));
      assert.equal(client.connections, 1);
    } finally {
      client.close();
    }
  });

  it('sends the head Node would send (Date, keep-alive, Content-Length of the UTF-8 body)', async () => {
    const sock = connect({ host: '127.0.0.1', port: Number(url.port), secureContext: createSecureContext({ ca: caPem }) });
    const text = await new Promise<string>((resolve, reject) => {
      let buf = '';
      sock.setEncoding('utf8');
      sock.on('data', (d: string) => {
        buf += d;
        if ((buf.match(/héllo €/g) ?? []).length === 2) resolve(buf);
      });
      sock.on('error', reject);
      sock.write('POST /x/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\nPOST /x/2 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n');
    });
    sock.destroy();
    const answers = text.split(/(?=HTTP\/1\.1 )/);
    assert.equal(answers.length, 2);
    answers.forEach((a, i) => {
      const [head, body] = a.split('\r\n\r\n') as [string, string];
      assert.match(head, /^HTTP\/1\.1 201 Created\r\n/);
      assert.match(head, /\r\nDate: [A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT/);
      assert.match(head, /\r\nConnection: keep-alive\r\nKeep-Alive: timeout=\d+/);
      assert.match(head, /\r\nCache-Control: no-cache, private/);
      assert.equal(Number(/Content-Length: (\d+)/.exec(head)![1]), Buffer.byteLength(body));
      assert.equal(JSON.parse(body).path, `/x/${i + 1}`);
    });
  });
});
