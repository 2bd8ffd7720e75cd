// The node heartbeat: the Lease every tick, the status when due, and at once when the stored
// Ready condition is not the kubelet's (the node lifecycle controller marked it Unknown).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RestClient } from '../client/rest.js';
import { silentLogger } from '../util/logger.js';
import { runNodeHeartbeat, type NodeFacts } from './node.js';

const facts: NodeFacts = { name: 'n1', ip: '10.0.0.1', cpuCores: 2, memoryBytes: 2 ** 31, ephemeralBytes: 2 ** 34, runtimeVersion: 'containerd://1.6', kubeletPort: 10250 };
const clock = { now: () => Date.now(), nowRFC3339: () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') };

async function statusPatches(ready: string): Promise<number> {
  let patches = 0;
  const client = {
    json: async (method: string, path: string) => {
      if (method === 'GET') return { metadata: { name: 'n1' }, status: { conditions: [{ type: 'Ready', status: ready }] } };
      if (method === 'PATCH' && path.endsWith('/status')) patches++;
      return {};
    },
  } as unknown as RestClient;
  const ac = new AbortController();
  const done = runNodeHeartbeat(client, facts, { uid: 'u', podCIDR: '10.42.0.0/24', readySince: clock.nowRFC3339() }, clock, silentLogger(), ac.signal, 20, 60_000);
  await new Promise((r) => setTimeout(r, 100));
  ac.abort();
  await done;
  return patches;
}

test('a status marked Unknown by the controller is re-posted at the next heartbeat, a healthy one waits until due', async () => {
  assert.ok((await statusPatches('Unknown')) >= 1, 'posted at once');
  assert.equal(await statusPatches('True'), 0, 'nothing to correct: not due yet');
});
