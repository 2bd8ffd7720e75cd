// The probe handlers and lifecycle hooks against local servers and a fake CRI: status codes,
// redirects, headers and User-Agent, named ports, timeouts, TCP, gRPC health, exec, retries.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import { createServer, type AddressInfo, type Server } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { CriRuntimeError, CriTimeoutError } from '../../cri/errors.js';
import type { ExecSyncResult } from '../../cri/types.js';
import { selfSignedKubeletCert } from '../server/cert.js';
import type { ContainerSpec, Pod } from '../types.js';
import { execProbe } from './exec.js';
import { grpcProbe, healthService } from './grpc.js';
import { runHandler } from './hooks.js';
import { httpGetRequest, httpProbe, requestURL } from './http.js';
import { criProbeRunner } from './runner.js';
import { tcpProbe } from './tcp.js';
import { resolvePort } from './types.js';

const LOCAL = '127.0.0.1';
const container: ContainerSpec = { name: 'web', ports: [{ name: 'http', containerPort: 8080 }] };
const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', uid: 'u1' }, spec: { containers: [container] } } as Pod;

function listen(s: http.Server | Server): Promise<number> {
  return new Promise((r) => s.listen(0, LOCAL, () => r((s.address() as AddressInfo).port)));
}

function fakeExec(answer: ExecSyncResult | Error) {
  const calls: { cmd: string[]; timeout: number }[] = [];
  return {
    calls,
    cri: {
      execSync: async (_id: string, cmd: string[], timeout = 0) => {
        calls.push({ cmd, timeout });
        if (answer instanceof Error) throw answer;
        return answer;
      },
    },
  };
}

const res = (exitCode: number, stdout = '', stderr = ''): ExecSyncResult => ({ exitCode, stdout: Buffer.from(stdout), stderr: Buffer.from(stderr) });

describe('probe handlers', () => {
  let server: http.Server;
  let port: number;
  const seen: http.IncomingHttpHeaders[] = [];

  before(async () => {
    server = http.createServer((req, rsp) => {
      seen.push(req.headers);
      const u = new URL(req.url ?? '/', 'http://x');
      if (u.pathname === '/ok') return rsp.end('fine');
      if (u.pathname === '/fail') return rsp.writeHead(500).end('secret body');
      if (u.pathname === '/local-redirect') return rsp.writeHead(302, { location: '/ok' }).end();
      if (u.pathname === '/away') return rsp.writeHead(301, { location: 'http://127.0.0.2:1/x' }).end('moved');
      if (u.pathname === '/loop') return rsp.writeHead(302, { location: '/loop' }).end();
      if (u.pathname === '/slow') return setTimeout(() => rsp.end('late'), 3000).unref();
      rsp.writeHead(404).end();
    });
    port = await listen(server);
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const get = (path: string, extra: Partial<Parameters<typeof httpGetRequest>[0]> = {}) => httpProbe(httpGetRequest({ port, path, ...extra }, container, LOCAL, 'probe'), 1);

  it('httpGet: 2xx healthy, 500 fails without the body, same-host redirects followed', async () => {
    assert.deepEqual(await get('/ok'), { result: 'success', output: 'fine' });
    assert.deepEqual(await get('/fail'), { result: 'failure', output: 'HTTP probe failed with statuscode: 500' });
    assert.deepEqual(await get('/local-redirect'), { result: 'success', output: 'fine' });
    assert.deepEqual(await get('/away'), { result: 'warning', output: 'Probe terminated redirects, Response body: moved' });
    const loop = await get('/loop');
    assert.equal(loop.result, 'failure');
    assert.equal(loop.output, `Get "http://127.0.0.1:${port}/loop": stopped after 10 redirects`);
  });

  it('httpGet: kube-probe User-Agent and Accept unless set; headers sent canonical', async () => {
    seen.length = 0;
    await get('/ok');
    assert.equal(seen[0]!['user-agent'], 'kube-probe/1.32');
    assert.equal(seen[0]!.accept, '*/*');
    seen.length = 0;
    await get('/ok', { httpHeaders: [{ name: 'user-agent', value: 'mine' }, { name: 'x-custom', value: 'v' }, { name: 'Accept', value: '' }] });
    assert.equal(seen[0]!['user-agent'], 'mine');
    assert.equal(seen[0]!['x-custom'], 'v');
    assert.equal(seen[0]!.accept, undefined, 'an empty Accept sends none');
    const req = httpGetRequest({ port: 'http', path: 'healthz', httpHeaders: [{ name: 'x-custom-header', value: 'a' }] }, container, '10.42.0.7', 'lifecycle');
    assert.equal(requestURL(req), 'http://10.42.0.7:8080/healthz');
    assert.deepEqual(req.headers, [['X-Custom-Header', 'a'], ['User-Agent', 'kube-lifecycle/1.32'], ['Accept', '*/*']]);
  });

  it('httpGet: refused connections and timeouts fail with Go wording', async () => {
    const closed = createServer();
    const p = await listen(closed);
    closed.close();
    assert.deepEqual(await httpProbe(httpGetRequest({ port: p, path: '/' }, container, LOCAL, 'probe'), 1), {
      result: 'failure',
      output: `Get "http://127.0.0.1:${p}/": dial tcp 127.0.0.1:${p}: connect: connection refused`,
    });
    assert.deepEqual(await get('/slow'), { result: 'failure', output: `Get "http://127.0.0.1:${port}/slow": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` });
  });

  it('httpGet: HTTPS without certificate verification', async () => {
    const { certPem, keyPem } = await selfSignedKubeletCert('probe-test');
    const tls = https.createServer({ cert: certPem, key: keyPem }, (_req, rsp) => rsp.end('secure'));
    const p = await listen(tls);
    try {
      assert.deepEqual(await httpProbe(httpGetRequest({ port: p, path: '/', scheme: 'HTTPS' }, container, LOCAL, 'probe'), 2), { result: 'success', output: 'secure' });
    } finally {
      tls.closeAllConnections();
      tls.close();
    }
  });

  it('ports: numbers, container port names, numeric strings; bad ones error like the kubelet', () => {
    assert.equal(resolvePort(81, container), 81);
    assert.equal(resolvePort('http', container), 8080);
    assert.equal(resolvePort('9090', container), 9090);
    assert.throws(() => resolvePort('metrics', container), { message: 'strconv.Atoi: parsing "metrics": invalid syntax' });
    assert.throws(() => resolvePort(70000, container), { message: 'invalid port number: 70000' });
  });

  it('tcpSocket: open port healthy, closed port fails', async () => {
    assert.deepEqual(await tcpProbe(LOCAL, port, 1), { result: 'success', output: '' });
    const closed = createServer();
    const p = await listen(closed);
    closed.close();
    assert.deepEqual(await tcpProbe(LOCAL, p, 1), { result: 'failure', output: `dial tcp 127.0.0.1:${p}: connect: connection refused` });
  });

  it('grpc: SERVING healthy, NOT_SERVING and a missing service fail, nothing listening times out', async () => {
    const srv = new grpc.Server();
    const statuses: Record<string, number> = { '': 1, down: 2 };
    srv.addService(healthService().service, {
      Check: (call: grpc.ServerUnaryCall<{ service: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        const s = statuses[call.request.service];
        if (s === undefined) return cb({ code: grpc.status.NOT_FOUND, details: 'unknown service' });
        cb(null, { status: s });
      },
    });
    const gp = await new Promise<number>((r, j) => srv.bindAsync(`${LOCAL}:0`, grpc.ServerCredentials.createInsecure(), (e, p) => (e ? j(e) : r(p))));
    try {
      assert.deepEqual(await grpcProbe(LOCAL, gp, '', 2), { result: 'success', output: 'service healthy' });
      assert.deepEqual(await grpcProbe(LOCAL, gp, 'down', 2), { result: 'failure', output: 'service unhealthy (responded with "NOT_SERVING")' });
      assert.deepEqual(await grpcProbe(LOCAL, gp, 'other', 2), { result: 'failure', output: 'error: health rpc probe failed: rpc error: code = NotFound desc = unknown service' });
    } finally {
      srv.forceShutdown();
    }
    const closed = createServer();
    const p = await listen(closed);
    closed.close();
    assert.deepEqual(await grpcProbe(LOCAL, p, '', 1), { result: 'failure', output: `timeout: failed to connect service "127.0.0.1:${p}" within 1s: context deadline exceeded` });
  });

  it('exec: exit 0 healthy with output, non-zero fails with stdout+stderr, timeout fails, runtime errors are errors', async () => {
    assert.deepEqual(await execProbe(fakeExec(res(0, 'ok\n')).cri, 'c', ['true'], 1), { result: 'success', output: 'ok\n' });
    const f = fakeExec(res(1, '', "cat: can't open '/tmp/healthy': No such file or directory\n"));
    assert.deepEqual(await execProbe(f.cri, 'c', ['cat', '/tmp/healthy'], 2), { result: 'failure', output: "cat: can't open '/tmp/healthy': No such file or directory\n" });
    assert.deepEqual(f.calls, [{ cmd: ['cat', '/tmp/healthy'], timeout: 2 }]);
    assert.deepEqual(await execProbe(fakeExec(new CriTimeoutError('ExecSync', 4, 'timeout 1s exceeded')).cri, 'c', ['sleep', '9'], 1), { result: 'failure', output: '' });
    await assert.rejects(execProbe(fakeExec(new CriRuntimeError('ExecSync', 2, 'container not running')).cri, 'c', ['x'], 1), { message: 'rpc error: code = Unknown desc = container not running' });
  });

  it('runner: expands literal env in exec commands; retries an errored probe 3 times', async () => {
    const f = fakeExec(res(0));
    const c: ContainerSpec = { name: 'w', env: [{ name: 'F', value: '/tmp/ok' }, { name: 'S', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] };
    await criProbeRunner(f.cri)({ exec: { command: ['cat', '$(F)', '$(S)'] }, timeoutSeconds: 3 }, { pod, container: c, containerId: 'c', podIP: '' });
    assert.deepEqual(f.calls, [{ cmd: ['cat', '/tmp/ok', '$(S)'], timeout: 3 }]);
    const e = fakeExec(new CriRuntimeError('ExecSync', 2, 'boom'));
    await assert.rejects(criProbeRunner(e.cri)({ exec: { command: ['x'] } }, { pod, container: c, containerId: 'c', podIP: '' }), { message: 'rpc error: code = Unknown desc = boom' });
    assert.equal(e.calls.length, 3);
  });

  it('hooks: exec, httpGet (any status) and sleep; failures carry the kubelet message', async () => {
    const t = { pod, container, containerId: 'c', podIP: LOCAL };
    assert.equal(await runHandler(fakeExec(res(0)).cri, { exec: { command: ['true'] } }, t), undefined);
    assert.equal(
      await runHandler(fakeExec(res(1, 'out', 'err')).cri, { exec: { command: ['sh', '-c', 'exit 1'] } }, t),
      'Exec lifecycle hook ([sh -c exit 1]) for Container "web" in Pod "p_ns(u1)" failed - error: command \'sh -c exit 1\' exited with 1: err, message: "outerr"',
    );
    seen.length = 0;
    assert.equal(await runHandler(fakeExec(res(0)).cri, { httpGet: { port, path: '/fail' } }, t), undefined, 'a hook ignores the status code');
    assert.equal(seen[0]!['user-agent'], 'kube-lifecycle/1.32');
    const closed = createServer();
    const p = await listen(closed);
    closed.close();
    assert.equal(
      await runHandler(fakeExec(res(0)).cri, { httpGet: { port: p, path: '/x' } }, t),
      `HTTP lifecycle hook (/x) for Container "web" in Pod "p_ns(u1)" failed - error: Get "http://127.0.0.1:${p}/x": dial tcp 127.0.0.1:${p}: connect: connection refused`,
    );
    const t0 = Date.now();
    assert.equal(await runHandler(fakeExec(res(0)).cri, { sleep: { seconds: 1 } }, t), undefined);
    assert.ok(Date.now() - t0 >= 900);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    assert.match((await runHandler(fakeExec(res(0)).cri, { sleep: { seconds: 30 } }, t, ac.signal)) ?? '', /^Sleep lifecycle hook \(30\) .* container terminated before sleep hook finished$/);
  });
});
