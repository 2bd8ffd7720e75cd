// A cluster (API server + scheduler) with an in-process node agent on real containerd, for the
// node agent's e2e tests (static pods, eviction, kubectl run): start, wait helpers, and a
// teardown that leaves no sandboxes, mounts, cgroups or bridges behind.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../../src/api/types.js';
import { RestClient } from '../../src/client/rest.js';
import { INSTALL_HINT, missingRuntimeTools } from '../../src/cri/containerd.js';
import { containerdPaths } from '../../src/cri/containerd-config.js';
import { buildImages, DEFAULT_BUSYBOX } from '../../src/cri/images/build.js';
import { removePodCgroups } from '../../src/kubelet/cgroups.js';
import { removePodMasquerade } from '../../src/kubelet/cni.js';
import { startAgent, type AgentConfig, type RunningAgent } from '../../src/server/agent.js';
import { createLogger } from '../../src/util/logger.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';

export type Pod = KubeObject;

export interface NodeCluster {
  c: TestCluster;
  client: RestClient;
  agent: RunningAgent;
  nodeName: string;
  cgroupRoot: string;
  /** stops the agent (pods keep running) and starts it again with the same config */
  restartAgent(): Promise<void>;
  /** removes static manifests, pods and everything the run made */
  teardown(): Promise<void>;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000, everyMs = 200): Promise<T> {
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

/** Fails (never skips) when this machine cannot run containers. */
export function requireRuntime(): void {
  assert.equal(process.getuid?.(), 0, 'this e2e test must run as root (it starts containerd)');
  const missing = missingRuntimeTools();
  if (!existsSync(DEFAULT_BUSYBOX)) missing.push('/bin/busybox (package busybox-static)');
  if (missing.length) assert.fail(`missing: ${missing.join(', ')}; ${INSTALL_HINT}`);
}

/** tag: a short word naming the test (bridge, cgroup root and node name derive from it). */
export async function startNodeCluster(tag: string, agentOpts: Partial<AgentConfig> = {}): Promise<NodeCluster> {
  requireRuntime();
  const id = `${tag}${process.pid % 10000}`;
  const bridge = `kl${id}`.slice(0, 15);
  const cgroupRoot = `kubelite-e2e-${id}`;
  const nodeName = `e2e-${id}`;
  const podCIDR = `10.42.${100 + (process.pid % 150)}.0/24`;
  // controllers too: the node lifecycle controller turns MemoryPressure into its taint
  const c = await startTestCluster({ scheduler: true, controllers: true });
  buildImages(containerdPaths(c.dir).imagesDir);
  const client = new RestClient({ server: c.url, token: c.adminToken, caPem: c.caPem });
  const log = createLogger({ level: process.env.KUBELITE_TEST_LOG ?? 'warn', name: 'agent' });
  const cfg: AgentConfig = { server: c.url, token: c.adminToken, caPem: c.caPem, dataDir: c.dir, log, nodeName, imageArchives: [], bridge, cgroupRoot, podCIDR, resyncMs: 2000, ...agentOpts };
  const n = { c, client, agent: await startAgent(cfg), nodeName, cgroupRoot } as NodeCluster;
  const manifestDir = cfg.podManifestPath ?? join(c.dir, 'agent', 'pod-manifests');
  n.restartAgent = async () => {
    await n.agent.stop();
    n.agent = await startAgent(cfg);
  };
  n.teardown = async () => {
    const agent = n.agent;
    if (existsSync(manifestDir)) for (const f of readdirSync(manifestDir)) rmSync(join(manifestDir, f), { force: true });
    await client.json('DELETE', '/api/v1/namespaces/default/pods', { gracePeriodSeconds: 0 }).catch(() => undefined);
    await until('no sandboxes left', async () => ((await agent.cri.listPodSandbox()).length === 0 ? true : undefined), 30_000, 200).catch(() => undefined);
    for (const s of await agent.cri.listPodSandbox().catch(() => [])) {
      await agent.cri.stopPodSandbox(s.id).catch(() => undefined);
      await agent.cri.removePodSandbox(s.id).catch(() => undefined);
    }
    await agent.stop().catch(() => undefined);
    const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '');
    for (const m of mounts.filter((x) => x.startsWith(`${c.dir}/`)).sort().reverse()) {
      try {
        execFileSync('umount', [m], { stdio: 'ignore' });
      } catch {
        // busy: rm reports it
      }
    }
    removePodCgroups(`/${cgroupRoot}`);
    await removePodMasquerade({ podCIDR: cfg.podCIDR!, bridge });
    try {
      execFileSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
    } catch {
      // no bridge
    }
    client.close();
    await c.stop();
    await c.close();
  };
  return n;
}

export const podPath = (name: string, ns = 'default') => `/api/v1/namespaces/${ns}/pods/${name}`;

type CS = { name: string; containerID?: string; restartCount: number; state: { running?: unknown; terminated?: { exitCode: number; reason: string } } };
export const statuses = (p: Pod): CS[] => (p.status?.containerStatuses ?? []) as CS[];
export const allRunning = (p: Pod) => p.status?.phase === 'Running' && statuses(p).length > 0 && statuses(p).every((s) => s.state.running);
