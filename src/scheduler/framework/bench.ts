// Micro-benchmark (not a test): 5,000 nodes in memory, 10,000 pods scheduled through the default
// framework one after another (each assumed into the snapshot), for three workloads.
// Run: npx tsc -p . && node dist/src/scheduler/framework/bench.js [nodes] [pods] [existingPodsPerNode]
import type { KubeObject } from '../../api/types.js';
import { staticLister } from './lister.js';
import { PodInfo } from './podinfo.js';
import { Snapshot } from './snapshot.js';
import { newDefaultFramework } from '../plugins/registry.js';

const NODES = Number(process.argv[2] ?? 5000);
const PODS = Number(process.argv[3] ?? 10000);
const EXISTING_PER_NODE = Number(process.argv[4] ?? 0);
const ZONES = 10;

function node(i: number): KubeObject {
  const name = `node-${i}`;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': `zone-${i % ZONES}` } },
    status: { allocatable: { cpu: '32', memory: '128Gi', pods: '110', 'ephemeral-storage': '100Gi' } },
  };
}

function pod(i: number, app: string, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `p-${i}`, namespace: 'default', uid: `uid-${app}-${i}`, labels: { app } },
    spec: {
      containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '100m', memory: '128Mi' } } }],
      // what DefaultTolerationSeconds admission adds to every pod
      tolerations: [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      ],
      ...extra,
    },
  };
}

type Workload = (i: number) => KubeObject;

const workloads: Record<string, Workload> = {
  basic: (i) => pod(i, `basic-${i % 100}`),
  antiAffinity: (i) => {
    const app = `anti-${Math.floor(i / 10)}`;
    return pod(i, app, {
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app } }, topologyKey: 'kubernetes.io/hostname' }],
        },
      },
    });
  },
  topologySpread: (i) => {
    const app = `spread-${Math.floor(i / 100)}`;
    return pod(i, app, {
      topologySpreadConstraints: [
        { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app } } },
        { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app } } },
      ],
    });
  },
  replicaSetDefaultSpread: (i) => {
    const p = pod(i, `rs-${Math.floor(i / 50)}`);
    p.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `rs-${Math.floor(i / 50)}`, uid: 'x', controller: true }];
    return p;
  },
};

function run(name: string, w: Workload): void {
  const rsObjects: KubeObject[] = [];
  for (let r = 0; r < PODS / 50; r++) {
    rsObjects.push({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: `rs-${r}`, namespace: 'default' }, spec: { selector: { matchLabels: { app: `rs-${r}` } } } });
  }
  const nodes = Array.from({ length: NODES }, (_, i) => node(i));
  const existing: KubeObject[] = [];
  for (let n = 0; n < NODES && EXISTING_PER_NODE > 0; n++) {
    for (let k = 0; k < EXISTING_PER_NODE; k++) {
      const p = pod(n * EXISTING_PER_NODE + k, `existing-${k}`);
      p.metadata.uid = `existing-${n}-${k}`;
      p.spec.nodeName = `node-${n}`;
      existing.push(p);
    }
  }
  const t0 = performance.now();
  const snapshot = Snapshot.fromLists(nodes, existing);
  const built = performance.now() - t0;
  let seed = 42;
  const rng = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const fw = newDefaultFramework({ lister: staticLister(rsObjects) }, { rng, preemption: {} });
  const pods = Array.from({ length: PODS }, (_, i) => new PodInfo(w(i)));
  let failed = 0;
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  for (const p of pods) {
    const r = fw.schedulePod(p, snapshot);
    if (r.node !== undefined) snapshot.addPod(p, r.node);
    else failed++;
  }
  const ms = performance.now() - start;
  const cpuUs = process.cpuUsage(cpu0);
  const rate = Math.round((PODS / ms) * 1000);
  console.log(
    `${name.padEnd(24)} ${String(rate).padStart(7)} pods/s, ${(((cpuUs.user + cpuUs.system) / 1000 / PODS) * 1000).toFixed(0)} us CPU per pod  (${PODS} pods on ${NODES} nodes, ${existing.length} existing pods, snapshot built in ${built.toFixed(0)} ms, ${failed} unschedulable)`,
  );
}

const only = process.env.BENCH_ONLY;
for (const [name, w] of Object.entries(workloads)) if (!only || only === name) run(name, w);
