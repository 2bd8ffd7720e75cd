// The kernel log's OOM summary lines name the killed process's cgroup; the container id is its
// last segment. Records are drained on demand, so an exit seen after the kill finds its record.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CriClient } from '../cri/client.js';
import { silentLogger } from '../util/logger.js';
import { containerIdOf, kmsgSource, OomKills, parseOomKill, type RecordSource } from './oom.js';
import { RuntimeView } from './runtime.js';
import { LABEL_CONTAINER_KIND, LABEL_POD_UID } from './types.js';

const CID = '99edbcf381560eaf5b53805b9cc2e42ca8a7e03457b65716ba7462d9a84abdd1';
const MEMCG = `/kubelite/pod0c908370-73f8-4864-8bac-59edc044910c/${CID}`;
const SUMMARY = `oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=${CID},mems_allowed=0,oom_memcg=${MEMCG},task_memcg=${MEMCG},task=dd,pid=9550,uid=0`;

function arraySource(records: string[]): RecordSource & { closed: boolean } {
  const src = { closed: false, next: () => records.shift(), close: () => void (src.closed = true) };
  return src;
}

test('parses the OOM summary line', () => {
  assert.deepEqual(parseOomKill(SUMMARY), { constraint: 'CONSTRAINT_MEMCG', taskMemcg: MEMCG, task: 'dd', pid: 9550 });
  assert.equal(containerIdOf(MEMCG), CID);
  assert.equal(parseOomKill('Memory cgroup out of memory: Killed process 9550 (dd) total-vm:67804kB'), undefined);
  assert.equal(parseOomKill('dd invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0'), undefined);
});

test('a container is found once its record is in the log, read when asked', () => {
  const records = ['klk1: port 1(veth1) entered forwarding state', 'dd invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL)'];
  const src = arraySource(records);
  const oom = new OomKills(src);
  assert.equal(oom.wasKilled(CID), false);
  assert.equal(records.length, 0, 'drained what was there');
  records.push(SUMMARY, 'Memory cgroup out of memory: Killed process 9550 (dd)');
  assert.equal(oom.wasKilled(CID), true, 'the record logged after the last drain is read on demand');
  assert.equal(oom.wasKilled('other'), false);
  oom.close();
  assert.equal(src.closed, true);
});

test('remembers a bounded number of kills, forgetting the oldest', () => {
  const records = Array.from({ length: 5000 }, (_, i) => SUMMARY.replaceAll(CID, `c${i}`));
  const oom = new OomKills(arraySource(records));
  oom.drain();
  assert.equal(oom.wasKilled('c4999'), true);
  assert.equal(oom.wasKilled('c0'), false);
});

test('an unreadable kernel log yields nothing (the runtime reason stands)', () => {
  const src = kmsgSource('/nonexistent/kmsg', silentLogger());
  assert.equal(src.next(), undefined);
  assert.equal(src.next(), undefined);
  src.close();
});

test('the kubelet names an exit OOMKilled from the kernel record even when containerd says Error', async () => {
  // containerd read the exit before its OOM event: reason Error
  const exited = (id: string) => ({ id, state: 'CONTAINER_EXITED', exitCode: 137, reason: 'Error', message: '', metadata: { name: id, attempt: 0 }, createdAt: 1, startedAt: 2, finishedAt: 3, imageRef: 'sha256:x', logPath: '' });
  const cri = {
    listPodSandbox: async () => [],
    listContainers: async () => [CID, 'plain'].map((id) => ({ id, podSandboxId: 's', state: 'CONTAINER_EXITED', labels: { [LABEL_POD_UID]: 'u', [LABEL_CONTAINER_KIND]: 'app' }, metadata: { name: id } })),
    containerStatus: async (id: string) => ({ status: exited(id) }),
  } as unknown as CriClient;
  const view = new RuntimeView(cri, new OomKills(arraySource([SUMMARY])));
  const state = await view.podState('u');
  const byId = new Map(state.containers.map((c) => [c.id, c]));
  assert.equal(byId.get(CID)?.reason, 'OOMKilled');
  assert.equal(byId.get('plain')?.reason, 'Error', 'a kill without an OOM record stays Error');
});

test('a kill whose summary line the kernel rate-limited is still found by the tracked pid', () => {
  const kills = new OomKills(arraySource(['Memory cgroup out of memory: Killed process 4242 (dd) total-vm:67804kB, anon-rss:16384kB']));
  kills.track(4242, CID);
  assert.equal(kills.wasKilled(CID), true);
  const untracked = new OomKills(arraySource(['Memory cgroup out of memory: Killed process 4243 (dd) total-vm:67804kB']));
  assert.equal(untracked.wasKilled(CID), false, 'an unknown pid names no container');
});
