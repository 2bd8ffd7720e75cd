// An e2e node: a test cluster with the scheduler and an in-process agent on real containerd
// (as root), with its own bridge, cgroup root and pod CIDR; and the polling helpers e2e tests share.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { KubeObject } from '../../src/api/types.js';
import { RestClient } from '../../src/client/rest.js';
import { streamWatch } from '../../src/client/watch.js';
import { INSTALL_HINT, missingRuntimeTools } from '../../src/cri/containerd.js';
import { containerdPaths } from '../../src/cri/containerd-config.js';
import { buildImages, DEFAULT_BUSYBOX } from '../../src/cri/images/build.js';
import { removePodCgroups } from '../../src/kubelet/cgroups.js';
import { startAgent, type AgentConfig, type RunningAgent } from '../../src/server/agent.js';
import { createLogger } from '../../src/util/logger.js';
import { startTestCluster, type TestCluster } from './cluster.js';

export type Pod = KubeObject;

export interface ContainerStatus {
  name: string;
  restartCount: number;
  image: string;
  imageID: string;
  containerID?: string;
  state: { running?: { startedAt: string }; waiting?: { reason: string; message?: string }; terminated?: { exitCode: number; reason: string } };
  lastState: { terminated?: { exitCode: number; reason: string } };
}

export interface EventItem {
  reason: string;
  message: string;
  type: string;
  count?: number;
  involvedObject: { name: string; uid: string; fieldPath?: string };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await sleep(everyMs);
  }
}

export const statuses = (p: Pod): ContainerStatus[] => (p.status?.containerStatuses ?? []) as ContainerStatus[];

export interface E2eNode {
  cluster: TestCluster;
  client: RestClient;
  agent: RunningAgent;
  config: AgentConfig;
  createPod(pod: Record<string, unknown>): Promise<Pod>;
  getPod(name: string): Promise<Pod>;
  podWhere(name: string, what: string, pred: (p: Pod) => boolean, timeoutMs?: number): Promise<Pod>;
  /** the pod's events, oldest first */
  events(podName: string): Promise<EventItem[]>;
  /** every waiting reason the pod's first container shows after resourceVersion, in order, until stop() */
  watchWaiting(podName: string, resourceVersion: string): { seen: string[]; stop(): void };
  stop(): Promise<void>;
}

/** Fails (never skips) with what to install when this machine cannot run the e2e node. */
export function requireE2eNode(): void {
  assert.equal(process.getuid?.(), 0, 'the e2e tests must run as root');
  const missing = missingRuntimeTools();
  if (!existsSync(DEFAULT_BUSYBOX)) missing.push('/bin/busybox (package busybox-static)');
  if (missing.length) assert.fail(`missing: ${missing.join(', ')}; ${INSTALL_HINT}`);
}

export async function startE2eNode(tag: string, extra: Partial<AgentConfig> = {}): Promise<E2eNode> {
  requireE2eNode();
  const id = process.pid;
  const bridge = `klt${tag.slice(0, 3)}${id % 100000}`;
  const cgroupRoot = `kubelite-e2e-${tag}-${id}`;
  const cluster = await startTestCluster({ scheduler: true });
  buildImages(containerdPaths(cluster.dir).imagesDir);
  const client = new RestClient({ server: cluster.url, token: cluster.adminToken, caPem: cluster.caPem });
  const log = createLogger({ level: process.env.KUBELITE_TEST_LOG ?? 'warn', name: 'agent' });
  const config: AgentConfig = {
    server: cluster.url, token: cluster.adminToken, caPem: cluster.caPem, dataDir: cluster.dir, log, nodeName: `e2e-${tag}-${id}`,
    imageArchives: [], bridge, cgroupRoot, podCIDR: `10.42.${100 + (id % 150)}.0/24`, resyncMs: 2000, kubeletPort: 0, ...extra,
  };
  let agent: RunningAgent;
  try {
    agent = await startAgent(config);
  } catch (err) {
    client.close();
    await cluster.close();
    throw err;
  }
  const podPath = (name: string) => `/api/v1/namespaces/default/pods/${name}`;
  const getPod = (name: string) => client.json<Pod>('GET', podPath(name));
  const watches = new Set<AbortController>();
  const events = async (podName: string): Promise<EventItem[]> => {
    const l = await client.json<{ items: EventItem[] }>('GET', `/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3D${podName}`);
    return l.items;
  };
  return {
    cluster, client, agent, config, getPod,
    createPod: (pod) => client.json<Pod>('POST', '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', ...pod }),
    async podWhere(name, what, pred, timeoutMs = 30_000) {
      let last: Pod | undefined;
      try {
        return await until(what, async () => {
          last = await getPod(name);
          return pred(last) ? last : undefined;
        }, timeoutMs);
      } catch (err) {
        throw new Error(`${(err as Error).message}\nlast status of ${name}: ${JSON.stringify(last?.status, null, 1)}\nevents: ${JSON.stringify((await events(name).catch(() => [] as EventItem[])).map((e) => `${e.reason}: ${e.message}`), null, 1)}`);
      }
    },
    events,
    watchWaiting(podName, resourceVersion) {
      const seen: string[] = [];
      const ac = new AbortController();
      watches.add(ac);
      void streamWatch(client.watchTarget(), `/api/v1/namespaces/default/pods?watch=1&resourceVersion=${resourceVersion}&fieldSelector=metadata.name%3D${podName}`, (ev) => {
        const reason = statuses(ev.object as Pod)[0]?.state.waiting?.reason;
        if (reason && seen[seen.length - 1] !== reason) seen.push(reason);
      }, ac.signal).catch(() => undefined);
      return { seen, stop: () => (ac.abort(), watches.delete(ac)) };
    },
    async stop() {
      for (const w of watches) w.abort();
      // delete every pod while the kubelet runs (it cleans up), then remove what is left
      await client.json('DELETE', '/api/v1/namespaces/default/pods', { gracePeriodSeconds: 0 }).catch(() => undefined);
      await until('no sandboxes left', async () => ((await agent.cri.listPodSandbox()).length === 0 ? true : undefined), 30_000, 200).catch(() => undefined);
      for (const s of await agent.cri.listPodSandbox().catch(() => [])) {
        await agent.cri.stopPodSandbox(s.id).catch(() => undefined);
        await agent.cri.removePodSandbox(s.id).catch(() => undefined);
      }
      await agent.stop().catch(() => undefined);
      const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '');
      for (const m of mounts.filter((x) => x.startsWith(`${cluster.dir}/`)).sort().reverse()) {
        try {
          execFileSync('umount', [m], { stdio: 'ignore' });
        } catch {
          // busy: rm reports it
        }
      }
      removePodCgroups(`/${cgroupRoot}`);
      try {
        execFileSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
      } catch {
        // no bridge
      }
      client.close();
      await cluster.close();
    },
  };
}
