import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Backoff } from './backoff.js';
import { linuxResources, sandboxConfig } from './containers.js';
import { containerEnv, expand } from './env.js';
import type { ObjectSource } from './objects.js';
import { NO_PROBES } from './probes.js';
import type { ContainerInfo, PodRuntimeState } from './runtime.js';
import { canonical, computePodStatus, qosClass, statusDiffers } from './status.js';
import { StatusManager } from './statusmanager.js';
import type { Pod } from './types.js';
import { writeAtomic } from './volumes/atomic.js';
import { onlyStatusChanged, settled } from './workers.js';
import { silentLogger } from '../util/logger.js';

const pod = (spec: Partial<Pod['spec']> = {}): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'ns', uid: 'u1', labels: { a: 'b' } },
  spec: { containers: [{ name: 'c', image: 'img' }], restartPolicy: 'Always', ...spec },
});

function ctr(name: string, o: Partial<ContainerInfo> = {}): ContainerInfo {
  return { id: `${name}-${o.attempt ?? 0}`, name, attempt: 0, kind: 'app', sandboxId: 's', state: 'CONTAINER_RUNNING', createdAt: 1000, startedAt: 1000, finishedAt: 0, exitCode: 0, reason: '', message: '', image: 'img', imageRef: 'sha256:x', logPath: '', ...o };
}

const sandbox = { id: 's', attempt: 0, state: 'SANDBOX_READY' as const, createdAt: 1, ip: '10.42.0.5' };
const status = (p: Pod, state: PodRuntimeState, waiting = new Map<string, { reason: string; message?: string }>()) =>
  computePodStatus({ pod: p, state, waiting, hostIP: '192.168.1.2', probes: NO_PROBES, now: '2025-01-01T00:00:00Z' });

test('$(VAR) expansion as Kubernetes does it', () => {
  const vars = new Map([['A', 'x'], ['B', 'y']]);
  assert.equal(expand('$(A)-$(B)', vars), 'x-y');
  assert.equal(expand('$(C) stays', vars), '$(C) stays');
  assert.equal(expand('$$(A) escaped', vars), '$(A) escaped');
  assert.equal(expand('open $(A', vars), 'open $(A');
});

test('env: envFrom, then env in order with references and the Downward API', async () => {
  const objects: ObjectSource = {
    get: async (kind, _ns, name) => (kind === 'configmaps' && name === 'cm' ? { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { k: 'v' } } : undefined),
    getCluster: async () => undefined,
  };
  const p = pod();
  const env = await containerEnv(
    { name: 'c', envFrom: [{ configMapRef: { name: 'cm' }, prefix: 'P_' }], env: [{ name: 'N', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }, { name: 'M', value: '$(N)/$(P_k)' }, { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }] },
    { pod: p, podIP: '10.0.0.1', hostIP: 'h', node: { cpuMilli: 2000, memoryBytes: 1 << 30 }, objects },
  );
  assert.deepEqual(env, [{ key: 'P_k', value: 'v' }, { key: 'N', value: 'p' }, { key: 'M', value: 'p/v' }, { key: 'IP', value: '10.0.0.1' }]);
  await assert.rejects(containerEnv({ name: 'c', envFrom: [{ configMapRef: { name: 'missing' } }] }, { pod: p, podIP: '', hostIP: '', node: { cpuMilli: 1, memoryBytes: 1 }, objects }), /configmap "missing" not found/);
});

test('resources become cgroup settings', () => {
  assert.deepEqual(linuxResources({ name: 'c', resources: { requests: { cpu: '250m' }, limits: { cpu: '500m', memory: '64Mi' } } }), { cpuShares: 256, cpuPeriod: 100000, cpuQuota: 50000, memoryLimitInBytes: 64 * 1024 * 1024 });
  assert.deepEqual(linuxResources({ name: 'c' }), { cpuShares: 2 });
  assert.equal(qosClass(pod({ containers: [{ name: 'c', resources: { limits: { cpu: '1', memory: '1Gi' } } }] })), 'Guaranteed');
  assert.equal(qosClass(pod()), 'BestEffort');
});

test('sandbox config: hostname, labels, hostPort mappings', () => {
  const p = pod({ containers: [{ name: 'c', ports: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 81 }] }] });
  const cfg = sandboxConfig(p, { logDirectory: '/d', cgroupParent: '/k/podu1', attempt: 0 });
  assert.equal(cfg.hostname, 'p');
  assert.equal(cfg.labels?.['io.kubernetes.pod.uid'], 'u1');
  assert.deepEqual(cfg.portMappings, [{ protocol: 'TCP', containerPort: 80, hostPort: 8080, hostIp: '' }]);
  assert.equal(cfg.linux?.securityContext?.namespaceOptions?.pid, 'CONTAINER');
});

test('restart back-off: first restart at once, then 10 s doubling, reset after a long run', () => {
  let now = 0;
  const b = new Backoff({ now: () => now, nowRFC3339: () => '' });
  assert.equal(b.failure('k', 'c0', 1000, 5), 1000);
  assert.equal(b.failure('k', 'c0', 1000, 5), 1000, 'the same exit counts once');
  assert.equal(b.failure('k', 'c1', 2000, 5), 12_000);
  assert.equal(b.failure('k', 'c2', 20_000, 5), 40_000);
  now = 30_000;
  assert.ok(b.inBackoff('k'));
  assert.equal(b.failure('k', 'c3', 50_000, 11 * 60_000), 50_000, 'a container that ran 10 min starts over');
});

test('status: Running pod with IP, conditions and container state', () => {
  const st = status(pod(), { sandboxes: [sandbox], containers: [ctr('c')] });
  assert.equal(st.phase, 'Running');
  assert.equal(st.podIP, '10.42.0.5');
  const conds = st.conditions as { type: string; status: string }[];
  assert.deepEqual(conds.map((c) => `${c.type}=${c.status}`), ['PodReadyToStartContainers=True', 'Initialized=True', 'Ready=True', 'ContainersReady=True', 'PodScheduled=True']);
  const cs = (st.containerStatuses as { containerID: string; ready: boolean; restartCount: number }[])[0]!;
  assert.equal(cs.containerID, 'containerd://c-0');
  assert.ok(cs.ready);
});

test('status: phases by restartPolicy, init containers and back-off', () => {
  const exited = (code: number, attempt = 0) => ctr('c', { attempt, state: 'CONTAINER_EXITED', exitCode: code, finishedAt: 2000 });
  assert.equal(status(pod({ restartPolicy: 'Never' }), { sandboxes: [sandbox], containers: [exited(0)] }).phase, 'Succeeded');
  assert.equal(status(pod({ restartPolicy: 'Never' }), { sandboxes: [sandbox], containers: [exited(1)] }).phase, 'Failed');
  assert.equal(status(pod({ restartPolicy: 'OnFailure' }), { sandboxes: [sandbox], containers: [exited(1)] }).phase, 'Running');
  const crash = status(pod(), { sandboxes: [sandbox], containers: [exited(1, 3), ctr('c', { id: 'old', attempt: 2, state: 'CONTAINER_EXITED', exitCode: 1 })] }, new Map([['c', { reason: 'CrashLoopBackOff', message: 'back-off' }]]));
  const cs = (crash.containerStatuses as { state: { waiting?: { reason: string } }; lastState: { terminated?: { exitCode: number } }; restartCount: number }[])[0]!;
  assert.equal(cs.state.waiting?.reason, 'CrashLoopBackOff');
  assert.equal(cs.lastState.terminated?.exitCode, 1);
  assert.equal(cs.restartCount, 3);
  const withInit = pod({ initContainers: [{ name: 'i', image: 'img' }] });
  const pending = status(withInit, { sandboxes: [sandbox], containers: [ctr('i', { kind: 'init' })] });
  assert.equal(pending.phase, 'Pending');
  assert.equal(((pending.containerStatuses as { state: { waiting?: { reason: string } } }[])[0]!).state.waiting?.reason, 'PodInitializing');
  const initFailed = status({ ...withInit, spec: { ...withInit.spec, restartPolicy: 'Never' } }, { sandboxes: [sandbox], containers: [ctr('i', { kind: 'init', state: 'CONTAINER_EXITED', exitCode: 2 })] });
  assert.equal(initFailed.phase, 'Failed');
});

test('status comparison ignores key order, nulls and empty objects', () => {
  assert.equal(canonical({ b: 1, a: { x: null }, c: [] }), canonical({ c: [], b: 1 }));
  assert.ok(!statusDiffers({ phase: 'Running', podIP: '1' }, { podIP: '1', phase: 'Running', reason: null }));
  assert.ok(statusDiffers({ phase: 'Running', reason: 'x' }, { phase: 'Running', reason: null }));
});

test('atomic writer: ..data swap, user-visible links, no-op when unchanged, removed keys', () => {
  const dir = mkdtempSync(join(tmpdir(), 'klt-atomic-'));
  try {
    const v = (s: string) => ({ data: Buffer.from(s), mode: 0o644 });
    assert.ok(writeAtomic(dir, new Map([['a', v('1')], ['sub/b', v('2')]]), 's1'));
    assert.equal(readFileSync(join(dir, 'a'), 'utf8'), '1');
    assert.equal(readFileSync(join(dir, 'sub', 'b'), 'utf8'), '2');
    assert.equal(readlinkSync(join(dir, 'a')), '..data/a');
    const first = readlinkSync(join(dir, '..data'));
    assert.equal(writeAtomic(dir, new Map([['a', v('1')], ['sub/b', v('2')]]), 's2'), false);
    assert.ok(writeAtomic(dir, new Map([['a', v('changed')]]), 's3'));
    assert.equal(readFileSync(join(dir, 'a'), 'utf8'), 'changed');
    assert.equal(existsSync(join(dir, 'sub')), false);
    assert.equal(existsSync(join(dir, first)), false, 'the old version is removed');
    assert.throws(() => writeAtomic(dir, new Map([['../x', v('')]]), 's4'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('settled: one ready sandbox and every container running, nothing waiting, no init containers', () => {
  const p = pod({ containers: [{ name: 'a', image: 'img' }, { name: 'b', image: 'img' }] });
  const running = { sandboxes: [sandbox], containers: [ctr('a'), ctr('b')] };
  assert.equal(settled(p, running, new Map()), true);
  assert.equal(settled(p, running, new Map([['a', { reason: 'CrashLoopBackOff' }]])), false);
  assert.equal(settled(p, { sandboxes: [sandbox], containers: [ctr('a')] }, new Map()), false, 'a container not started yet');
  assert.equal(settled(p, { sandboxes: [sandbox], containers: [ctr('a'), ctr('b', { state: 'CONTAINER_EXITED' })] }, new Map()), false, 'an exited container may restart');
  assert.equal(settled(p, { sandboxes: [sandbox], containers: [ctr('a'), ctr('b', { attempt: 1 }), ctr('b', { state: 'CONTAINER_EXITED' })] }, new Map()), false, 'an old instance to prune');
  assert.equal(settled(p, { sandboxes: [sandbox, { ...sandbox, id: 'old', state: 'SANDBOX_NOTREADY' }], containers: [ctr('a'), ctr('b')] }, new Map()), false, 'an old sandbox');
  assert.equal(settled(pod({ initContainers: [{ name: 'i', image: 'img' }], containers: [{ name: 'a', image: 'img' }] }), { sandboxes: [sandbox], containers: [ctr('a')] }, new Map()), false);
});

test('an informer update that only carries the status the kubelet wrote is its echo', async () => {
  const p = pod();
  const st = status(p, { sandboxes: [sandbox], containers: [ctr('c')] });
  const written: Pod = { ...p, metadata: { ...p.metadata, resourceVersion: '2' }, status: structuredClone(st) };
  assert.equal(onlyStatusChanged(p, written), true);
  assert.equal(onlyStatusChanged(p, { ...written, metadata: { ...written.metadata, labels: { a: 'c' } } }), false);
  assert.equal(onlyStatusChanged(p, { ...written, metadata: { ...written.metadata, deletionTimestamp: '2025-01-01T00:00:00Z' } }), false);
  assert.equal(onlyStatusChanged(p, { ...written, spec: { ...written.spec, activeDeadlineSeconds: 5 } }), false);
  // the API already shows this status: set() writes nothing (no client call) and remembers it
  const sm = new StatusManager(undefined as never, silentLogger());
  assert.equal(sm.echoes(written), false, 'nothing written yet');
  assert.equal(await sm.set(written, st), false);
  assert.equal(sm.echoes(written), true);
  assert.equal(sm.echoes({ ...written, status: { ...written.status, phase: 'Failed' } }), false, 'someone else changed the status');
  sm.forget('u1');
  assert.equal(sm.echoes(written), false);
});
