// Builders for scheduler tests: small nodes and pods as loose Kubernetes JSON.
import type { KubeObject } from '../../api/types.js';

export interface NodeOpts {
  cpu?: string;
  memory?: string;
  pods?: string;
  labels?: Record<string, string>;
  taints?: { key: string; value?: string; effect: string }[];
  unschedulable?: boolean;
  extended?: Record<string, string>;
  images?: { names: string[]; sizeBytes: number }[];
}

export function makeNode(name: string, o: NodeOpts = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(o.labels ?? {}) } },
    spec: { taints: o.taints, unschedulable: o.unschedulable },
    status: {
      allocatable: { cpu: o.cpu ?? '4', memory: o.memory ?? '8Gi', pods: o.pods ?? '110', ...(o.extended ?? {}) },
      images: o.images,
    },
  };
}

export interface PodOpts {
  namespace?: string;
  cpu?: string;
  memory?: string;
  requests?: Record<string, string>;
  labels?: Record<string, string>;
  nodeName?: string;
  priority?: number;
  spec?: Record<string, unknown>;
  ownerReferences?: KubeObject['metadata']['ownerReferences'];
  startTime?: string;
}

export function makePod(name: string, o: PodOpts = {}): KubeObject {
  const requests: Record<string, string> = { ...(o.requests ?? {}) };
  if (o.cpu) requests.cpu = o.cpu;
  if (o.memory) requests.memory = o.memory;
  const ns = o.namespace ?? 'default';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, uid: `${ns}-${name}`, labels: o.labels ?? {}, ownerReferences: o.ownerReferences },
    spec: {
      containers: [{ name: 'c', image: 'busybox', resources: { requests } }],
      nodeName: o.nodeName,
      priority: o.priority,
      ...(o.spec ?? {}),
    },
    status: o.startTime ? { startTime: o.startTime } : {},
  };
}

/** A deterministic [0, 1) sequence for tie-breaking. */
export function seededRng(seed = 1): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

import { CycleState, Code, type FilterPlugin, type PreFilterPlugin, type PreScorePlugin, type ScorePlugin, type Status } from '../framework/types.js';
import { Snapshot } from '../framework/snapshot.js';
import { PodInfo } from '../framework/podinfo.js';

type AnyPlugin = Partial<PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin> & { name: string };

/** Runs a plugin's PreFilter and Filter for the pod on every node; returns status per node name. */
export function runFilter(plugin: AnyPlugin, pod: KubeObject, nodes: KubeObject[], pods: KubeObject[] = []): Map<string, Status> {
  const snapshot = Snapshot.fromLists(nodes, pods);
  const pi = new PodInfo(pod);
  const state = new CycleState();
  const out = new Map<string, Status>();
  const pre = plugin.preFilter?.(state, pi, snapshot);
  for (const ni of snapshot.nodes) {
    if (pre && pre.code !== Code.Success && pre.code !== Code.Skip) out.set(ni.name, pre);
    else if (pre?.code === Code.Skip || !plugin.filter) out.set(ni.name, { code: Code.Success, reasons: [] });
    else out.set(ni.name, plugin.filter(state, pi, ni));
  }
  return out;
}

/** Runs a plugin's PreScore, Score and NormalizeScore over all nodes; returns score per node name. */
export function runScore(plugin: AnyPlugin, pod: KubeObject, nodes: KubeObject[], pods: KubeObject[] = []): Map<string, number> {
  const snapshot = Snapshot.fromLists(nodes, pods);
  const pi = new PodInfo(pod);
  const state = new CycleState();
  const list = [...snapshot.nodes].sort((a, b) => nodes.findIndex((n) => n.metadata.name === a.name) - nodes.findIndex((n) => n.metadata.name === b.name));
  const pre = plugin.preScore?.(state, pi, list, snapshot);
  const values = new Float64Array(list.length);
  if (pre?.code !== Code.Skip) {
    list.forEach((ni, i) => (values[i] = plugin.score ? plugin.score(state, pi, ni) : 0));
    plugin.normalize?.(state, pi, { nodes: list, values, length: list.length });
  }
  return new Map(list.map((ni, i) => [ni.name, values[i]]));
}

export function reasonsOf(m: Map<string, Status>): Record<string, string> {
  return Object.fromEntries([...m].map(([n, s]) => [n, s.reasons.join('; ')]));
}
