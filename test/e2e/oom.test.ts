// OOMKilled against real containerd (as root): containers over their memory limit end with
// reason OOMKilled every time, in a burst of pods and across restarts. containerd 1.6 alone
// names it only when its OOM event beats the exit event; the kubelet reads the kernel's record.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BUSYBOX_IMAGE } from '../../src/cri/images/build.js';
import { startE2eNode, statuses, type E2eNode } from '../helpers/node.js';

const ROUNDS = 3;
const PODS_PER_ROUND = 4;
// dd's 64 MiB buffer is touched at once: the kernel kills it at the 16 MiB limit
const hog = (name: string, restartPolicy: 'Never' | 'Always') => ({
  metadata: { name, labels: { test: 'oom' } },
  spec: {
    restartPolicy,
    terminationGracePeriodSeconds: 0,
    containers: [{ name: 'hog', image: BUSYBOX_IMAGE, command: ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1'], resources: { limits: { memory: '16Mi' } } }],
  },
});

let node: E2eNode;

describe('OOMKilled (real containerd)', { timeout: 300_000 }, () => {
  before(async () => {
    node = await startE2eNode('oom');
  });

  after(async () => {
    await node?.stop();
  });

  it(`reports OOMKilled for every one of ${ROUNDS * PODS_PER_ROUND} memory hogs started in bursts`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const names = Array.from({ length: PODS_PER_ROUND }, (_, i) => `hog-${round}-${i}`);
      await Promise.all(names.map((n) => node.createPod(hog(n, 'Never'))));
      for (const n of names) {
        const p = await node.podWhere(n, `${n} Failed`, (x) => x.status?.phase === 'Failed', 60_000);
        const term = statuses(p)[0]!.state.terminated!;
        assert.equal(term.exitCode, 137, `${n}: killed by the kernel`);
        assert.equal(term.reason, 'OOMKilled', `${n}: reason`);
        assert.equal(p.status.qosClass, 'Burstable');
      }
      await node.client.json('DELETE', '/api/v1/namespaces/default/pods?labelSelector=test%3Doom', { gracePeriodSeconds: 0 });
    }
  });

  it('keeps OOMKilled in lastState across restarts (restartPolicy Always)', async () => {
    await node.createPod(hog('hog-restarting', 'Always'));
    const p = await node.podWhere('hog-restarting', 'a second OOM kill after a restart', (x) => (statuses(x)[0]?.restartCount ?? 0) >= 2 && !!statuses(x)[0]?.lastState.terminated, 90_000);
    const cs = statuses(p)[0]!;
    assert.equal(cs.lastState.terminated?.reason, 'OOMKilled');
    assert.equal(cs.lastState.terminated?.exitCode, 137);
    if (cs.state.terminated) assert.equal(cs.state.terminated.reason, 'OOMKilled');
  });
});
