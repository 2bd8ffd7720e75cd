// Shared pieces of the controller integration tests: a cluster with the scheduler, the
// controllers and simulated nodes, a REST client, polling, and small object builders.
import assert from 'node:assert/strict';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { RestClient } from '../../src/client/rest.js';
import { startSim, type RunningSim } from '../../src/sim/index.js';
import type { KubeList, KubeObject } from '../../src/api/types.js';

export interface ControllerEnv {
  c: TestCluster;
  api: RestClient;
  sim: RunningSim;
  close(): Promise<void>;
}

export async function startControllerEnv(nodes = 3): Promise<ControllerEnv> {
  const c = await startTestCluster({ scheduler: true, controllers: true });
  const api = new RestClient({ server: c.url, token: c.adminToken, caPem: c.caPem });
  const ac = new AbortController();
  const sim = await startSim({ rest: { server: c.url, token: c.adminToken, caPem: c.caPem }, nodes, namePrefix: 'node-' }, ac.signal);
  return {
    c,
    api,
    sim,
    close: async () => {
      ac.abort();
      await sim.stop();
      api.close();
      await c.close();
    },
  };
}

/** Poll f until it returns something other than undefined/false. */
export async function until<T>(f: () => Promise<T | undefined | false> | T | undefined | false, what: string, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await f();
      if (v !== undefined && v !== false) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const MERGE = 'application/merge-patch+json';

export async function ensureNamespace(api: RestClient, name: string): Promise<void> {
  await api.json('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

export async function listPods(api: RestClient, ns: string, selector?: string): Promise<KubeObject[]> {
  const q = selector ? `?labelSelector=${encodeURIComponent(selector)}` : '';
  return (await api.json<KubeList>('GET', `/api/v1/namespaces/${ns}/pods${q}`)).items;
}

/** Pods that count: not being deleted, not terminal. */
export async function livePods(api: RestClient, ns: string, selector?: string): Promise<KubeObject[]> {
  return (await listPods(api, ns, selector)).filter((p) => !p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
}

export function podTemplate(labels: Record<string, string>, image = 'busybox'): Record<string, unknown> {
  return { metadata: { labels }, spec: { containers: [{ name: 'c', image, resources: { requests: { cpu: '10m' } } }] } };
}

export function replicaSet(name: string, replicas: number, labels: Record<string, string>): KubeObject {
  return { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name }, spec: { replicas, selector: { matchLabels: labels }, template: podTemplate(labels) } };
}

export function deployment(name: string, replicas: number, labels: Record<string, string>, spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: { replicas, selector: { matchLabels: labels }, template: podTemplate(labels), ...spec },
  };
}

export async function events(api: RestClient, ns: string, name: string): Promise<KubeObject[]> {
  return (await api.json<KubeList>('GET', `/api/v1/namespaces/${ns}/events?fieldSelector=${encodeURIComponent(`involvedObject.name=${name}`)}`)).items;
}

/** Events are written best effort, after the change they report, so a test that has just
 * seen the change waits for the events it checks: the list once `ready` holds for it. */
export async function eventsUntil(api: RestClient, ns: string, name: string, ready: (evs: KubeObject[]) => boolean, what: string, ms = 15_000): Promise<KubeObject[]> {
  let last: KubeObject[] = [];
  try {
    return await until(async () => {
      last = await events(api, ns, name);
      return ready(last) ? last : undefined;
    }, what, ms);
  } catch (err) {
    throw new Error(`${(err as Error).message}; events of ${name}: ${JSON.stringify(last.map((e) => `${e.reason}: ${e.message}`))}`);
  }
}

export function isRunningReady(p: KubeObject): boolean {
  return p.status?.phase === 'Running' && (p.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');
}
