// CriClient against an in-process fake runtime on a temp unix socket: checks the proto
// (field names, enums, int64, bytes), the typed errors by gRPC code, timeouts and aborts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { CriClient } from './client.js';
import { criServices } from './services.js';
import { CriCancelledError, CriNotFoundError, CriNotReadyError, CriRuntimeError, CriTimeoutError, CriUnavailableError, CriAlreadyExistsError } from './errors.js';

type Handler = (call: grpc.ServerUnaryCall<Record<string, unknown>, unknown>, cb: grpc.sendUnaryData<unknown>) => void;

let dir: string;
let server: grpc.Server;
let socket: string;
const seen: Record<string, Record<string, unknown>> = {};
/** how many more calls answer as a containerd that is still recovering its pods */
let notReadyLeft = 0;
let notReadyCalls = 0;
const NOT_READY = 'server is not initialized yet';
/** StopContainer answers once this resolves (calls that wait, as a stop waits out a grace period) */
let release: () => void = () => undefined;
let held = new Promise<void>((r) => (release = r));
/** what ListContainers answers */
let listed: Record<string, unknown>[] = [];
/** ListContainers answers after this many ms */
let listDelayMs = 0;

function fail(code: grpc.status, details: string): grpc.ServiceError {
  return Object.assign(new Error(details), { code, details, metadata: new grpc.Metadata() });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'klt-cri-'));
  socket = join(dir, 'cri.sock');
  const { runtime, image } = criServices();
  server = new grpc.Server();
  const record = (name: string, h: Handler): Handler => (call, cb) => {
    seen[name] = call.request;
    if (notReadyLeft > 0) {
      notReadyLeft--;
      notReadyCalls++;
      return cb(fail(grpc.status.UNKNOWN, NOT_READY));
    }
    h(call, cb);
  };
  server.addService(runtime.service, {
    Version: record('Version', (_c, cb) => cb(null, { version: '0.1.0', runtimeName: 'fake', runtimeVersion: '1.0', runtimeApiVersion: 'v1' })),
    RunPodSandbox: record('RunPodSandbox', (_c, cb) => cb(null, { podSandboxId: 'sb1' })),
    ContainerStatus: record('ContainerStatus', (c, cb) => {
      if (c.request.containerId !== 'c1') return cb(fail(grpc.status.NOT_FOUND, 'an error occurred when try to find container'));
      cb(null, { status: { id: 'c1', state: 'CONTAINER_EXITED', createdAt: 1_700_000_000_123_456_789, exitCode: 137, reason: 'OOMKilled', metadata: { name: 'main', attempt: 2 } } });
    }),
    CreateContainer: record('CreateContainer', (_c, cb) => cb(fail(grpc.status.UNKNOWN, 'failed to reserve container name "main_pod"'))),
    StartContainer: record('StartContainer', (_c, cb) => cb(fail(grpc.status.ALREADY_EXISTS, 'exists'))),
    ExecSync: record('ExecSync', (_c, cb) => setTimeout(() => cb(null, { stdout: Buffer.from('hi\n'), stderr: Buffer.alloc(0), exitCode: 0 }), 300)),
    ListContainers: record('ListContainers', (_c, cb) => void setTimeout(() => cb(null, { containers: listed }), listDelayMs)),
    StopContainer: record('StopContainer', (_c, cb) => void held.then(() => cb(null, {}))),
  });
  server.addService(image.service, {
    ImageStatus: record('ImageStatus', (c, cb) => cb(null, { image: (c.request.image as { image: string }).image === 'present' ? { id: 'sha256:abc', repoTags: ['present'], size: 5 } : null })),
  });
  await new Promise<void>((resolve, reject) => server.bindAsync(`unix://${socket}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
});

after(() => {
  server.forceShutdown();
  rmSync(dir, { recursive: true, force: true });
});

test('connect waits for Version and decodes camelCase fields', async () => {
  const c = await CriClient.connect(socket);
  try {
    assert.deepEqual(await c.version(), { version: '0.1.0', runtimeName: 'fake', runtimeVersion: '1.0', runtimeApiVersion: 'v1' });
    assert.equal(seen.Version!.version, 'v1');
  } finally {
    c.close();
  }
});

test('requests carry nested messages, maps and enums', async () => {
  const c = new CriClient(socket);
  try {
    const id = await c.runPodSandbox({
      metadata: { name: 'p', uid: 'u', namespace: 'ns' },
      labels: { a: 'b' },
      linux: { cgroupParent: '/kubelite/podu', securityContext: { namespaceOptions: { pid: 'CONTAINER' } } },
    });
    assert.equal(id, 'sb1');
    const cfg = seen.RunPodSandbox!.config as { metadata: { uid: string }; labels: Record<string, string>; linux: { cgroupParent: string; securityContext: { namespaceOptions: { pid: string; network: string } } } };
    assert.equal(cfg.metadata.uid, 'u');
    assert.deepEqual(cfg.labels, { a: 'b' });
    assert.equal(cfg.linux.cgroupParent, '/kubelite/podu');
    assert.equal(cfg.linux.securityContext.namespaceOptions.pid, 'CONTAINER');
    assert.equal(cfg.linux.securityContext.namespaceOptions.network, 'POD');
  } finally {
    c.close();
  }
});

test('responses: enums as names, int64 as numbers, bytes as Buffers', async () => {
  const c = new CriClient(socket);
  try {
    const st = await c.containerStatus('c1');
    assert.equal(st.status?.state, 'CONTAINER_EXITED');
    assert.equal(st.status?.exitCode, 137);
    assert.equal(st.status?.reason, 'OOMKilled');
    assert.equal(st.status?.metadata?.attempt, 2);
    assert.ok(Math.abs(st.status!.createdAt - 1_700_000_000_123_456_789) < 1000);
    const ex = await c.execSync('c1', ['echo', 'hi'], 5);
    assert.ok(Buffer.isBuffer(ex.stdout));
    assert.equal(ex.stdout.toString(), 'hi\n');
    assert.deepEqual(seen.ExecSync!.cmd, ['echo', 'hi']);
    assert.equal(await c.imageStatus({ image: 'missing' }), null);
    assert.equal((await c.imageStatus({ image: 'present' }))?.id, 'sha256:abc');
  } finally {
    c.close();
  }
});

test('errors are typed by gRPC code', async () => {
  const c = new CriClient(socket);
  try {
    await assert.rejects(c.containerStatus('nope'), (e: unknown) => e instanceof CriNotFoundError && e.code === grpc.status.NOT_FOUND && e.method === 'ContainerStatus');
    await assert.rejects(c.createContainer('sb1', { metadata: { name: 'main' }, image: { image: 'x' } }, { metadata: { name: 'p', uid: 'u', namespace: 'n' } }), CriRuntimeError);
    await assert.rejects(c.startContainer('c1'), CriAlreadyExistsError);
    await assert.rejects(c.execSync('c1', ['x'], 0, { timeoutMs: 50 }), CriTimeoutError);
    const ac = new AbortController();
    const p = c.execSync('c1', ['x'], 0, { signal: ac.signal });
    ac.abort();
    await assert.rejects(p, CriCancelledError);
  } finally {
    c.close();
  }
});

test('a missing socket is Unavailable; connect gives up after its timeout', async () => {
  const t0 = Date.now();
  await assert.rejects(CriClient.connect(join(dir, 'none.sock'), { timeoutMs: 300 }), CriUnavailableError);
  assert.ok(Date.now() - t0 < 3000);
});

test('a runtime still recovering after a restart is asked again: connect and every call', async () => {
  notReadyLeft = 3;
  notReadyCalls = 0;
  const c = await CriClient.connect(socket, { timeoutMs: 10_000 });
  try {
    assert.equal(notReadyCalls, 3, 'Version was refused three times, then answered');
    notReadyLeft = 2;
    assert.equal(await c.runPodSandbox({ metadata: { name: 'p', uid: 'u', namespace: 'ns' } }), 'sb1');
    assert.equal(notReadyCalls, 5);
    // past the call's deadline the typed error comes out (a CriRuntimeError, as before)
    notReadyLeft = 1000;
    await assert.rejects(c.listContainers(undefined, { timeoutMs: 400 }), (e: unknown) => e instanceof CriNotReadyError && e instanceof CriRuntimeError && e.details === NOT_READY);
    // a refusal, then no answer before the deadline: the refusal is what the caller learns
    notReadyLeft = 1;
    listDelayMs = 2000;
    await assert.rejects(c.listContainers(undefined, { timeoutMs: 400 }), (e: unknown) => e instanceof CriNotReadyError && e.details === NOT_READY);
    listDelayMs = 0;
    notReadyLeft = 1000;
    // an abort ends the waiting at once
    const ac = new AbortController();
    const p = c.listContainers(undefined, { signal: ac.signal });
    setTimeout(() => ac.abort(), 150);
    await assert.rejects(p, CriCancelledError);
  } finally {
    notReadyLeft = 0;
    listDelayMs = 0;
    c.close();
  }
});

test('a runtime that restarts is reached again on a new connection', async () => {
  const sock = join(dir, 'restart.sock');
  const { runtime } = criServices();
  const serve = async () => {
    const s = new grpc.Server();
    s.addService(runtime.service, { Version: (_c: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, { version: '0.1.0', runtimeName: 'again', runtimeVersion: '1.0', runtimeApiVersion: 'v1' }) });
    await new Promise<void>((resolve, reject) => s.bindAsync(`unix://${sock}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
    return s;
  };
  let s = await serve();
  const c = await CriClient.connect(sock);
  try {
    s.forceShutdown();
    rmSync(sock, { force: true });
    await assert.rejects(c.version({ timeoutMs: 2000 }), CriUnavailableError);
    s = await serve();
    assert.equal((await c.version({ timeoutMs: 2000 })).runtimeName, 'again');
  } finally {
    c.close();
    s.forceShutdown();
  }
});

test('one signal cancels every call made with it; calls with other signals go on', async () => {
  const c = new CriClient(socket);
  try {
    const ac = new AbortController();
    const other = new AbortController();
    const a = c.execSync('c1', ['x'], 0, { signal: ac.signal });
    const b = c.execSync('c1', ['y'], 0, { signal: ac.signal });
    const d = c.execSync('c1', ['z'], 0, { signal: other.signal });
    ac.abort();
    await assert.rejects(a, CriCancelledError);
    await assert.rejects(b, CriCancelledError);
    assert.equal((await d).stdout.toString(), 'hi\n');
    await assert.rejects(c.version({ signal: ac.signal }), CriCancelledError, 'an aborted signal cancels before the call');
  } finally {
    c.close();
  }
});

test('more than 100 calls waiting on the runtime do not hold back the next call', async () => {
  const c = new CriClient(socket);
  try {
    held = new Promise<void>((r) => (release = r));
    const stops = Array.from({ length: 150 }, (_, i) => c.stopContainer(`c${i}`, 30));
    // answered while the 150 stops are still waiting (this server, like containerd, announces
    // no limit below 2^32-1; for a runtime announcing none, unary.ts sets peerMaxConcurrentStreams)
    assert.equal((await c.version({ timeoutMs: 10_000 })).runtimeName, 'fake');
    release();
    await Promise.all(stops);
  } finally {
    release();
    c.close();
  }
});

test('sameAsLast: an answer with the same bytes as the last one is the same object, not decoded again', async () => {
  const c = new CriClient(socket);
  try {
    listed = [{ id: 'c1', podSandboxId: 's1', state: 'CONTAINER_RUNNING', labels: { a: 'b' } }];
    const first = await c.listContainers(undefined, { sameAsLast: true });
    assert.equal(first[0]!.id, 'c1');
    assert.equal(await c.listContainers(undefined, { sameAsLast: true }), first, 'unchanged: the same array');
    assert.notEqual(await c.listContainers(undefined), first, 'without sameAsLast: decoded anew');
    assert.notEqual(await c.listContainers({ id: 'c1' }, { sameAsLast: true }), first, 'another request: not the answer of the last one');
    const again = await c.listContainers(undefined, { sameAsLast: true });
    assert.deepEqual(again, first);
    listed = [{ id: 'c1', podSandboxId: 's1', state: 'CONTAINER_EXITED', labels: { a: 'b' } }];
    const changed = await c.listContainers(undefined, { sameAsLast: true });
    assert.notEqual(changed, again);
    assert.equal(changed[0]!.state, 'CONTAINER_EXITED');
    assert.equal(await c.listContainers(undefined, { sameAsLast: true }), changed);
  } finally {
    listed = [];
    c.close();
  }
});
