// The pod syncer with the start gate, on a scripted runtime: new pods' runtime steps run one
// pod after the other (the oldest first), and an image pull gives the slot to the next pod.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventRecorder } from '../client/events.js';
import type { CriClient } from '../cri/client.js';
import { realClock } from '../util/clock.js';
import { silentLogger } from '../util/logger.js';
import type { ImageManager, ImageResult } from './images.js';
import type { ContainerInfo, PodRuntimeState, RuntimeView } from './runtime.js';
import { StartGate } from './startgate.js';
import { PodSyncer } from './sync.js';
import type { Pod } from './types.js';

const pod = (name: string, image = 'img'): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'ns', uid: name },
  spec: { containers: [{ name: 'c', image, command: ['sleep', '1'] }], restartPolicy: 'Always' },
});

/** A runtime whose calls are logged and may be held: hold('runPodSandbox a') before the call, then release it. */
function scripted(dir: string, pullWaits?: Promise<void>) {
  const log: string[] = [];
  const held = new Map<string, { wait: Promise<void>; go: () => void }>();
  const hold = (what: string) => {
    let go!: () => void;
    held.set(what, { wait: new Promise<void>((r) => (go = r)), go });
  };
  const step = async (what: string) => {
    log.push(what);
    await held.get(what)?.wait;
  };
  const sandboxOf = new Map<string, string>();
  const cri = {
    runPodSandbox: async (cfg: { metadata: { uid: string } }) => (await step(`runPodSandbox ${cfg.metadata.uid}`), `sb-${cfg.metadata.uid}`),
    createContainer: async (sandboxId: string) => {
      const uid = sandboxId.slice(3);
      await step(`createContainer ${uid}`);
      sandboxOf.set(`c-${uid}`, sandboxId);
      return `c-${uid}`;
    },
    startContainer: async (id: string) => step(`startContainer ${id.slice(2)}`),
    removeContainer: async () => undefined,
  } as unknown as CriClient;
  const running = (id: string, sandboxId: string): ContainerInfo => ({ id, name: 'c', attempt: 0, kind: 'app', sandboxId, state: 'CONTAINER_RUNNING', createdAt: 1, startedAt: 1, finishedAt: 0, exitCode: 0, reason: '', message: '', image: 'img', imageRef: 'sha256:x', logPath: '' });
  const runtime = {
    podState: async (): Promise<PodRuntimeState> => ({ sandboxes: [], containers: [] }),
    withSandbox: async (state: PodRuntimeState, id: string): Promise<PodRuntimeState> => ({ ...state, sandboxes: [{ id, attempt: 0, state: 'SANDBOX_READY', createdAt: 1, ip: '10.42.0.9' }] }),
    withStarted: async (state: PodRuntimeState, started: { id: string; sandboxId: string }[]): Promise<PodRuntimeState> => ({ ...state, containers: started.map((s) => running(s.id, s.sandboxId)) }),
    trackStarted: async () => undefined,
    forget: () => undefined,
  } as unknown as RuntimeView;
  const images = {
    lookAhead: () => undefined,
    forgetPod: () => undefined,
    ensure: async (p: Pod, c: { image?: string }, _fp: string, _signal: AbortSignal, _present: unknown, onPull?: () => void): Promise<ImageResult> => {
      if (c.image === 'pulled') {
        log.push(`pull ${p.metadata.uid}`);
        onPull?.();
        await pullWaits;
      }
      return { ok: true, imageRef: 'sha256:x' };
    },
  } as unknown as ImageManager;
  const recorder = { event: async () => undefined } as unknown as EventRecorder;
  const gate = new StartGate(1);
  const syncer = new PodSyncer({
    cri,
    runtime,
    images,
    recorder,
    objects: { get: async () => undefined, getCluster: async () => undefined },
    clock: realClock,
    log: silentLogger(),
    nodeIP: () => '192.168.1.2',
    allocatable: () => ({ cpuMilli: 2000, memoryBytes: 1 << 30 }),
    podDir: (uid) => join(dir, uid),
    cgroupRoot: 'kubelite-test',
    startGate: gate,
  });
  return { log, hold, release: (what: string) => held.get(what)!.go(), syncer, gate };
}

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  assert.ok(cond(), 'condition never met');
};

test('start gate of 1: the second pod starts its sandbox only once the first pod has started its containers', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubelite-sync-'));
  try {
    const s = scripted(dir);
    s.hold('runPodSandbox a');
    const signal = new AbortController().signal;
    const a = s.syncer.sync(pod('a'), signal);
    await until(() => s.log.length === 1);
    const b = s.syncer.sync(pod('b'), signal);
    const c = s.syncer.sync(pod('c'), signal);
    await until(() => s.gate.queued() === 2);
    assert.deepEqual(s.log, ['runPodSandbox a'], 'b and c wait for the slot');
    s.release('runPodSandbox a');
    const results = await Promise.all([a, b, c]);
    assert.deepEqual(s.log, ['runPodSandbox a', 'createContainer a', 'startContainer a', 'runPodSandbox b', 'createContainer b', 'startContainer b', 'runPodSandbox c', 'createContainer c', 'startContainer c']);
    for (const r of results) assert.equal(r.state.containers[0]?.state, 'CONTAINER_RUNNING');
    assert.equal(s.gate.queued(), 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('start gate: a pod pulling its image gives the slot to the next pod meanwhile', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubelite-sync-'));
  try {
    let pulled!: () => void;
    const s = scripted(dir, new Promise<void>((r) => (pulled = r)));
    const signal = new AbortController().signal;
    const a = s.syncer.sync(pod('a', 'pulled'), signal);
    await until(() => s.log.includes('pull a'));
    await s.syncer.sync(pod('b'), signal); // runs to the end while a pulls
    assert.deepEqual(s.log, ['runPodSandbox a', 'pull a', 'runPodSandbox b', 'createContainer b', 'startContainer b']);
    pulled();
    await a;
    assert.deepEqual(s.log.slice(5), ['createContainer a', 'startContainer a']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
