import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventRecorder } from '../../client/events.js';
import type { RestClient } from '../../client/rest.js';
import { realClock } from '../../util/clock.js';
import { silentLogger } from '../../util/logger.js';
import type { Pod } from '../types.js';
import { EvictionManager } from './manager.js';
import { bytesQuantity, evictionMessage, rankForMemory, type Candidate } from './rank.js';
import { nodeMemory, podMemory } from './stats.js';
import { parseThresholds, thresholdBytes, ThresholdError } from './thresholds.js';

const Mi = 1024 * 1024;
const pod = (name: string, request?: string, priority?: number): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', uid: `uid-${name}` },
  spec: { containers: [{ name: 'c', ...(request ? { resources: { requests: { memory: request }, limits: { memory: request } } } : {}) }], ...(priority !== undefined ? { priority } : {}) } as Pod['spec'],
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
});
const cand = (p: Pod, usage: number | undefined): Candidate => ({ pod: p, usage, containers: new Map(usage === undefined ? [] : [['c', usage]]) });

describe('eviction thresholds', () => {
  it('parses quantities and percentages', () => {
    const [mem, fs] = parseThresholds('memory.available<100Mi, nodefs.available<10%');
    assert.equal(thresholdBytes(mem!, 1000 * Mi), 100 * Mi);
    assert.equal(thresholdBytes(fs!, 1000), 100);
    assert.throws(() => parseThresholds('memory.available>1Mi'), ThresholdError);
    assert.throws(() => parseThresholds('memory.free<1Mi'), ThresholdError);
    assert.throws(() => parseThresholds('memory.available<lots'), ThresholdError);
    assert.throws(() => parseThresholds('memory.available<120%'), ThresholdError);
  });
});

describe('memory eviction ranking', () => {
  it('evicts pods above their requests first, then by priority, then by usage above requests', () => {
    const guaranteed = cand(pod('guaranteed', '64Mi'), 1 * Mi);
    const hog = cand(pod('hog', '1Mi'), 40 * Mi);
    const bigHog = cand(pod('big-hog', '1Mi'), 80 * Mi);
    const important = cand(pod('important', undefined, 1000), 100 * Mi);
    const order = rankForMemory([guaranteed, important, hog, bigHog]).map((c) => c.pod.metadata.name);
    assert.deepEqual(order, ['big-hog', 'hog', 'important', 'guaranteed']);
    assert.equal(rankForMemory([hog, cand(pod('unmeasured'), undefined)])[0]!.pod.metadata.name, 'unmeasured');
  });

  it('writes the kubelet message', () => {
    const msg = evictionMessage(cand(pod('hog', '1Mi'), 40 * Mi), '100Mi', bytesQuantity(50 * Mi));
    assert.equal(msg, 'The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi. Container c was using 40Mi, request is 1Mi, has larger consumption of memory. ');
    assert.equal(bytesQuantity(1000), '1k', 'below 1Ki, BinarySI prints as DecimalSI');
  });
});

describe('memory statistics', () => {
  it('reads working sets from cgroup v1 files and meminfo', () => {
    const dir = mkdtempSync(join(tmpdir(), 'klt-mem-'));
    try {
      const cg = (d: string, usage: number, inactive: number) => {
        mkdirSync(d, { recursive: true });
        writeFileSync(join(d, 'memory.usage_in_bytes'), `${usage}\n`);
        writeFileSync(join(d, 'memory.stat'), `cache 1\ntotal_inactive_file ${inactive}\n`);
      };
      cg(dir, 600 * Mi, 100 * Mi);
      cg(join(dir, 'kl/podu1'), 50 * Mi, 10 * Mi);
      cg(join(dir, 'kl/podu1/cid1'), 45 * Mi, 10 * Mi);
      writeFileSync(join(dir, 'meminfo'), `MemTotal:       2097152 kB\nMemAvailable:   1000 kB\n`);
      assert.deepEqual(nodeMemory(dir, join(dir, 'meminfo')), { capacity: 2048 * Mi, available: 1548 * Mi });
      const pm = podMemory('/kl/podu1', dir)!;
      assert.equal(pm.pod, 40 * Mi);
      assert.equal(pm.containers.get('cid1'), 35 * Mi);
      assert.equal(podMemory('/kl/none', dir), undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('eviction manager', () => {
  it('reports pressure, evicts the first ranked pod and clears the pressure after the transition period', async () => {
    const patches: { path: string; body: { status: Record<string, unknown> } }[] = [];
    const events: string[] = [];
    const pressure: boolean[] = [];
    const stopped: [string, number][] = [];
    let available = 50 * Mi;
    const pods = [pod('guaranteed', '64Mi'), pod('hog', '1Mi')];
    const m = new EvictionManager({ thresholds: parseThresholds('memory.available<100Mi'), intervalMs: 10, pressureTransitionMs: 0 }, {
      client: { json: async (_m: string, path: string, body: { status: Record<string, unknown> }) => void patches.push({ path, body }) } as unknown as RestClient,
      recorder: { event: async (_o: unknown, _t: string, reason: string) => void events.push(reason) } as unknown as EventRecorder,
      clock: realClock,
      log: silentLogger(),
      nodeName: 'n1',
      activePods: () => pods,
      containersOf: (uid) => [{ id: `${uid}-c`, name: 'c' }],
      stopContainer: async (id, g) => void stopped.push([id, g]),
      cleanedUp: () => true,
      cgroupParent: (uid) => `/kl/pod${uid}`,
      onPressure: async (on) => void pressure.push(on),
      nodeMemory: () => ({ capacity: 1000 * Mi, available }),
      podMemory: (parent) => (parent.endsWith('uid-hog') ? { pod: 40 * Mi, containers: new Map([['uid-hog-c', 40 * Mi]]) } : { pod: Mi, containers: new Map([['uid-guaranteed-c', Mi]]) }),
    });
    const ac = new AbortController();
    const evicted = await m.synchronize(ac.signal);
    assert.equal(evicted?.metadata.name, 'hog');
    assert.deepEqual(pressure, [true]);
    assert.deepEqual(events, ['EvictionThresholdMet', 'Evicted']);
    events.length = 0;
    assert.deepEqual(stopped, [['uid-hog-c', 1]]);
    const st = patches[0]!.body.status as { phase: string; reason: string; message: string; conditions: { type: string; reason?: string }[] };
    assert.equal(patches[0]!.path, '/api/v1/namespaces/default/pods/hog/status');
    assert.equal(st.phase, 'Failed');
    assert.equal(st.reason, 'Evicted');
    assert.match(st.message, /^The node was low on resource: memory\. Threshold quantity: 100Mi, available: 50Mi\. Container c was using 40Mi, request is 1Mi/);
    assert.deepEqual(st.conditions.map((c) => c.type), ['Ready', 'DisruptionTarget']);
    assert.equal(st.conditions[1]!.reason, 'TerminationByKubelet');
    // admission under pressure: new BestEffort pods are refused unless they tolerate the taint
    const bestEffort = pod('new');
    assert.equal(m.rejects(bestEffort), 'The node had condition: [MemoryPressure]. ');
    assert.equal(m.rejects(pod('burstable', '1Mi')), undefined);
    assert.equal(m.rejects({ ...bestEffort, spec: { ...bestEffort.spec, tolerations: [{ key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' }] } as Pod['spec'] }), undefined);
    assert.equal(m.rejects({ ...bestEffort, spec: { ...bestEffort.spec, priority: 2_000_001_000 } as Pod['spec'] }), undefined, 'critical pods are admitted');
    await m.reject(bestEffort, 'The node had condition: [MemoryPressure]. ');
    assert.deepEqual(patches[1]!.body.status, { phase: 'Failed', reason: 'Evicted', message: 'Pod was rejected: The node had condition: [MemoryPressure]. ', qosClass: 'BestEffort' });
    available = 500 * Mi;
    assert.equal(await m.synchronize(ac.signal), undefined);
    assert.deepEqual(pressure, [true, false]);
    assert.equal(m.rejects(bestEffort), undefined, 'no pressure, no refusal');
  });
});
