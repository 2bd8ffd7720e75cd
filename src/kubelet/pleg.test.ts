// The PLEG's listings as a pod's first sync uses them: one under way is waited for, not repeated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CriClient } from '../cri/client.js';
import type { Container, PodSandbox } from '../cri/types.js';
import { Pleg } from './pleg.js';
import { LABEL_POD_UID } from './types.js';

test('listingAfter: no listing yet but one under way: its part, once it is in; listingOf does not wait', async () => {
  let answer!: () => void;
  const gate = new Promise<void>((r) => (answer = r));
  const sandbox = { id: 's1', state: 'SANDBOX_READY', labels: { [LABEL_POD_UID]: 'u1' } } as unknown as PodSandbox;
  const cri = {
    listPodSandbox: async () => (await gate, [sandbox]),
    listContainers: async () => (await gate, [] as Container[]),
  } as unknown as CriClient;
  const pleg = new Pleg(cri, 1000, () => undefined, undefined as never);
  assert.equal(await pleg.listingAfter('u1', -Infinity), undefined, 'nothing listed, nothing under way');
  const relist = pleg.relist();
  assert.equal(pleg.listingOf('u1', -Infinity), undefined);
  const first = pleg.listingAfter('u1', -Infinity);
  const later = pleg.listingAfter('u1', performance.now() + 1); // a sync after the listing began: not it
  answer();
  await relist;
  assert.deepEqual((await first)?.sandboxes.map((s) => s.id), ['s1']);
  assert.equal(await later, undefined);
  assert.deepEqual(pleg.listingOf('u2', -Infinity), { sandboxes: [], containers: [] }, 'a pod the listing does not have: nothing in the runtime');
});

test('relist: a runtime answering exactly as before (the same objects) reports no pod and is not compared again, unless a worker observed meanwhile', async () => {
  const sandboxes = [{ id: 's1', state: 'SANDBOX_READY', labels: { [LABEL_POD_UID]: 'u1' } }] as unknown as PodSandbox[];
  let containers = [{ id: 'c1', podSandboxId: 's1', state: 'CONTAINER_RUNNING', labels: { [LABEL_POD_UID]: 'u1' } }] as unknown as Container[];
  const cri = { listPodSandbox: async () => sandboxes, listContainers: async () => containers } as unknown as CriClient;
  const changed: string[] = [];
  const pleg = new Pleg(cri, 1000, (uid) => changed.push(uid), undefined as never);
  await pleg.relist();
  assert.deepEqual(changed, ['u1']);
  await pleg.relist();
  assert.equal(pleg.unchangedRelists, 1, 'same objects: not compared');
  assert.equal(pleg.relists, 2);
  assert.ok(pleg.listingOf('u1', performance.now() - 1_000_000), 'the listing still counts as fresh');
  // a worker saw another state (its own view): the next listing, even if unchanged, is compared
  pleg.observe('u1', { sandboxes: [{ id: 's1', state: 'SANDBOX_READY' }], containers: [{ id: 'c1', state: 'CONTAINER_EXITED' }] });
  await pleg.relist();
  assert.equal(pleg.unchangedRelists, 1);
  assert.deepEqual(changed, ['u1', 'u1'], 'the runtime differs from what the worker saw');
  containers = [{ ...containers[0]!, state: 'CONTAINER_EXITED' }] as unknown as Container[];
  await pleg.relist();
  assert.deepEqual(changed, ['u1', 'u1', 'u1']);
  await pleg.relist();
  assert.equal(pleg.unchangedRelists, 2);
});
