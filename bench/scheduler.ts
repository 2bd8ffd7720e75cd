// npm run bench:scheduler — pods bound per second by `kubelite scheduler` (its own process)
// for 10,000 pending pods on 5,000 simulated nodes, after 1,000 init pods (as SchedulingBasic): a basic workload, required pod
// anti-affinity, and topology spreading; with the scheduler's CPU and peak RSS.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSim } from '../src/sim/index.js';
import type { KubeObject } from '../src/api/types.js';
import { load1, call, cpuSeconds, type ServerProc, machine, peakRssMiB, restConfigOf, runConcurrent, sleep, spawnKubelite, startServerProcess, stopChild, watchLines, writeSection } from './lib.js';

const NODES = Number(process.env.BENCH_NODES ?? 5000);
const PODS = Number(process.env.BENCH_PODS ?? 10000);
/**
 * Pods scheduled before the measured ones and not counted, as SchedulingBasic's initPods
 * (1,000 for 5,000 nodes): they warm the scheduler up. They live in namespace `init` (so
 * anti-affinity and spreading, namespace-scoped, do not relate them to the measured pods,
 * as scheduler_perf puts them in another namespace) and have a higher PriorityClass, so
 * that the queue hands them out first although all pods are pending when the scheduler starts.
 */
const INIT_PODS = Number(process.env.BENCH_INIT_PODS ?? 1000);
const INIT_NS = 'init';
const CREATORS = 64;
const ANTI_GROUP = 5;
const SPREAD_GROUP = 100;
const LEASE_INTERVAL_MS = Number(process.env.BENCH_LEASE_INTERVAL_MS ?? 10_000);
const BIND_TIMEOUT_MS = 300_000;
const PROF_DIR = process.env.BENCH_CPU_PROF; // write a --cpu-prof of the scheduler here
const BIND_CONCURRENCY = process.env.BENCH_BIND_CONCURRENCY; // passed to kubelite scheduler --bind-concurrency
const ONLY = process.env.BENCH_ONLY?.split(',');
const IN_PROCESS = process.env.BENCH_SCHEDULER === 'inprocess';

/** controllers: run the server's controller manager too (by default off, as in scheduler_perf) */
type Workload = { name: string; label: string; pod: (i: number) => KubeObject; controllers?: boolean };

const base = (i: number, app: string, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: `p-${i}`, labels: { app } },
  spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '10m', memory: '16Mi' } } }], ...extra },
});

const WORKLOADS: Workload[] = [
  { name: 'basic', label: 'basic (no affinity; 100 label groups)', pod: (i) => base(i, `basic-${i % 100}`) },
  // the same pods, but the server also runs its controller manager (as `kubelite server` does by default)
  { name: 'basic+controllers', label: 'basic, controller manager running in the server', pod: (i) => base(i, `basic-${i % 100}`), controllers: true },
  {
    name: 'anti-affinity',
    label: `required pod anti-affinity on kubernetes.io/hostname, groups of ${ANTI_GROUP} pods`,
    pod: (i) => {
      const app = `anti-${Math.floor(i / ANTI_GROUP)}`;
      return base(i, app, { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app } }, topologyKey: 'kubernetes.io/hostname' }] } } });
    },
  },
  {
    name: 'spread',
    label: `topology spread maxSkew 1 on kubernetes.io/hostname (DoNotSchedule), groups of ${SPREAD_GROUP} pods`,
    pod: (i) => {
      const app = `spread-${Math.floor(i / SPREAD_GROUP)}`;
      return base(i, app, { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app } } }] });
    },
  },
];

interface Result {
  w: Workload;
  /** scheduler as its own process (pods created first), or inside the server (created meanwhile) */
  mode: 'process' | 'inprocess';
  /** server CPU ms per pod created (process mode: while nothing else runs) */
  createMsPerPod: number;
  events: number;
  createRate: number;
  bound: number;
  firstBindS: number;
  syncedS: number;
  /** when the measurement started (the init pods bound, or caches synced without them), s from spawn */
  startS: number;
  /** pods bound within the measurement */
  measured: number;
  totalS: number;
  /** pods bound per second from the scheduler's caches synced to the last bind */
  rate: number;
  /** the same from the scheduler's spawn (includes process start and informer sync) */
  rateFromSpawn: number;
  schedCpuS: number;
  /** CPU ms per pod bound, scheduler and server, between caches synced and the last bind */
  schedMsPerPod: number;
  serverMsPerPod: number;
  schedPeakMiB: number;
  serverCpuS: number;
  serverPeakMiB: number;
}

async function createPods(s: ServerProc, ns: string, w: Workload, count = PODS, priorityClassName?: string): Promise<void> {
  const errors = await runConcurrent(count, CREATORS, async (i) => {
    const pod = w.pod(i);
    if (priorityClassName) pod.spec = { ...pod.spec, priorityClassName };
    const res = await call(s, 'POST', `/api/v1/namespaces/${ns}/pods`, pod);
    if (res.status !== 201) throw new Error(`create: ${res.status} ${res.body}`);
  });
  if (errors) throw new Error(`${errors} pod creates failed`);
}

/** A watch line of a pod event: metadata.name comes first in the pods this benchmark creates. */
const BOUND_POD = /^\{"type":"(?:ADDED|MODIFIED)","object":\{"apiVersion":"v1","kind":"Pod","metadata":\{"name":"([^"\\]+)"/;

/** Follow pods of ns from rv; returns how many are bound, and when the first and last bind were seen. */
async function followBinds(s: ServerProc, ns: string, rv: string, onBind?: (seen: number) => void) {
  const st = { seen: new Set<string>(), firstBind: 0, lastBind: 0, close: () => {} };
  st.close = await watchLines(s, `/api/v1/namespaces/${ns}/pods?watch=true&resourceVersion=${rv}`, (line) => {
    if (!line.includes('"nodeName"')) return;
    // the benchmark process shares the cores it measures: read the pod's name without
    // decoding the whole event when the line has the usual shape
    const m = BOUND_POD.exec(line);
    let name: string;
    if (m && line.includes('"nodeName":"', m[0].length)) name = m[1]!; // spec.nodeName is set
    else {
      const ev = JSON.parse(line) as { type: string; object: KubeObject };
      if (!ev.object.spec?.nodeName) return;
      name = ev.object.metadata.name!;
    }
    if (!st.seen.has(name)) {
      st.seen.add(name);
      st.lastBind = performance.now();
      if (!st.firstBind) st.firstBind = st.lastBind;
      onBind?.(st.seen.size);
    }
  });
  return st;
}

async function countEvents(s: ServerProc, ns: string): Promise<number> {
  await sleep(3000); // events still in flight
  const evList = JSON.parse((await call(s, 'GET', `/api/v1/namespaces/${ns}/events?limit=1`)).body) as { items: unknown[]; metadata: { remainingItemCount?: number } };
  return evList.items.length + (evList.metadata.remainingItemCount ?? 0);
}

/**
 * BENCH_SCHEDULER=inprocess: the scheduler inside \`kubelite server\` (its default), reaching
 * the API in-process. It runs from the start, so pods are scheduled while they are created,
 * as in SchedulingBasic: throughput = pods / (first create .. last bind); the server's CPU
 * covers creates, scheduling and bindings alike.
 */
async function runInProcess(w: Workload): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), 'kubelite-sched-'));
  const s = await startServerProcess(join(dir, 'data'));
  const ac = new AbortController();
  try {
    const sim = await startSim({ rest: restConfigOf(s), nodes: NODES, simulatePods: false, leaseIntervalMs: LEASE_INTERVAL_MS, concurrency: 64 }, ac.signal);
    process.stdout.write(`[${w.name}] ${NODES} nodes registered in ${(sim.stats().registrationMs / 1000).toFixed(1)}s\n`);
    const ns = 'bench';
    const r = await call(s, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    if (r.status !== 201) throw new Error(`namespace: ${r.status} ${r.body}`);
    const list = JSON.parse((await call(s, 'GET', `/api/v1/namespaces/${ns}/pods?limit=1`)).body) as { metadata: { resourceVersion: string } };
    const f = await followBinds(s, ns, list.metadata.resourceVersion);
    await sleep(2000); // let the server settle after the node registrations
    const cpu0 = cpuSeconds(s.child.pid!);
    const t0 = performance.now();
    await createPods(s, ns, w);
    const createRate = PODS / ((performance.now() - t0) / 1000);
    const deadline = Date.now() + BIND_TIMEOUT_MS;
    while (f.seen.size < PODS && Date.now() < deadline) await sleep(50);
    const end = f.seen.size < PODS ? performance.now() : f.lastBind;
    const serverCpuS = cpuSeconds(s.child.pid!) - cpu0;
    const serverPeakMiB = peakRssMiB(s.child.pid!);
    f.close();
    const events = await countEvents(s, ns);
    const totalS = (end - t0) / 1000;
    const bound = f.seen.size;
    const res: Result = { w, mode: 'inprocess', createMsPerPod: NaN, events, createRate, bound, firstBindS: (f.firstBind - t0) / 1000, syncedS: 0, startS: 0, measured: bound, totalS, rate: bound / totalS, rateFromSpawn: NaN, schedCpuS: NaN, schedMsPerPod: NaN, serverMsPerPod: (serverCpuS * 1000) / bound, schedPeakMiB: NaN, serverCpuS, serverPeakMiB };
    process.stdout.write(`[${w.name}] in-process: ${bound}/${PODS} bound: ${res.rate.toFixed(0)} pods/s from first create to last bind (${totalS.toFixed(2)}s; created at ${createRate.toFixed(0)}/s meanwhile); server CPU ${res.serverMsPerPod.toFixed(2)} ms per pod (create + schedule + bind), peak RSS ${serverPeakMiB.toFixed(0)} MiB; ${events} Scheduled events recorded\n`);
    await sim.stop();
    return res;
  } finally {
    ac.abort();
    await s.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runWorkload(w: Workload): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), 'kubelite-sched-'));
  const s = await startServerProcess(join(dir, 'data'), ['--disable-scheduler', ...(w.controllers ? [] : ['--disable-controllers'])]);
  const ac = new AbortController();
  let schedChild: Awaited<ReturnType<typeof spawnKubelite>>['child'] | undefined;
  try {
    const sim = await startSim({ rest: restConfigOf(s), nodes: NODES, simulatePods: false, leaseIntervalMs: LEASE_INTERVAL_MS, concurrency: 64 }, ac.signal);
    process.stdout.write(`[${w.name}] ${NODES} nodes registered in ${(sim.stats().registrationMs / 1000).toFixed(1)}s\n`);
    const ns = 'bench';
    const r = await call(s, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    if (r.status !== 201) throw new Error(`namespace: ${r.status} ${r.body}`);
    if (INIT_PODS > 0) {
      const pc = await call(s, 'POST', '/apis/scheduling.k8s.io/v1/priorityclasses', { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'bench-init' }, value: 1000 });
      if (pc.status !== 201) throw new Error(`priorityclass: ${pc.status} ${pc.body}`);
      const n = await call(s, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: INIT_NS } });
      if (n.status !== 201) throw new Error(`namespace: ${n.status} ${n.body}`);
      await createPods(s, INIT_NS, w, INIT_PODS, 'bench-init');
    }
    const createCpu0 = cpuSeconds(s.child.pid!);
    const c0 = performance.now();
    await createPods(s, ns, w);
    const createRate = PODS / ((performance.now() - c0) / 1000);
    const createMsPerPod = ((cpuSeconds(s.child.pid!) - createCpu0) * 1000) / PODS;
    process.stdout.write(`[${w.name}] ${PODS} pods created at ${createRate.toFixed(0)}/s${INIT_PODS > 0 ? ` (and ${INIT_PODS} init pods before them)` : ''}\n`);
    const rvOf = async (n: string) => (JSON.parse((await call(s, 'GET', `/api/v1/namespaces/${n}/pods?limit=1`)).body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    const f = await followBinds(s, ns, await rvOf(ns));
    // the measurement starts when the last init pod is seen bound
    let schedPid = 0;
    const start = { at: 0, bound: 0, schedCpu: 0, serverCpu: 0 };
    const fi =
      INIT_PODS > 0
        ? await followBinds(s, INIT_NS, await rvOf(INIT_NS), (n) => {
            if (n < INIT_PODS || !schedPid) return;
            Object.assign(start, { at: performance.now(), bound: f.seen.size, schedCpu: cpuSeconds(schedPid), serverCpu: cpuSeconds(s.child.pid!) });
          })
        : undefined;
    await sleep(2000); // let the server settle after the creates
    const serverCpu0 = cpuSeconds(s.child.pid!);
    const t0 = performance.now();
    const kubeconfig = join(dir, 'data', 'kubeconfig.yaml');
    const nodeArgs = PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROF_DIR}`, `--cpu-prof-name=scheduler-${w.name}.cpuprofile`] : [];
    const sched = await spawnKubelite(['scheduler', '--kubeconfig', kubeconfig, '--log-level', 'warn', ...(BIND_CONCURRENCY ? ['--bind-concurrency', BIND_CONCURRENCY] : [])], /caches synced/, 60_000, nodeArgs);
    schedChild = sched.child;
    schedPid = sched.child.pid!;
    if (!fi) Object.assign(start, { at: sched.readyAt, bound: 0, schedCpu: cpuSeconds(schedPid), serverCpu: cpuSeconds(s.child.pid!) });
    const deadline = Date.now() + BIND_TIMEOUT_MS;
    while ((f.seen.size < PODS || (fi && fi.seen.size < INIT_PODS)) && Date.now() < deadline) await sleep(50);
    const end = f.seen.size < PODS ? performance.now() : f.lastBind;
    const schedCpuS = cpuSeconds(sched.child.pid!);
    const schedPeakMiB = peakRssMiB(sched.child.pid!);
    const serverCpuEnd = cpuSeconds(s.child.pid!);
    const serverCpuS = serverCpuEnd - serverCpu0;
    const serverPeakMiB = peakRssMiB(s.child.pid!);
    f.close();
    fi?.close();
    if (!start.at) throw new Error(`the ${INIT_PODS} init pods were not all bound`);
    const events = await countEvents(s, ns);
    const totalS = (end - t0) / 1000;
    const measured = f.seen.size - start.bound;
    const schedulingS = (end - start.at) / 1000;
    const res: Result = {
      w,
      mode: 'process',
      createMsPerPod,
      events,
      createRate,
      bound: f.seen.size,
      firstBindS: (Math.min(f.firstBind, fi?.firstBind ?? Infinity) - t0) / 1000,
      syncedS: (sched.readyAt - t0) / 1000,
      startS: (start.at - t0) / 1000,
      measured,
      totalS,
      rate: measured / schedulingS,
      rateFromSpawn: (f.seen.size + (fi?.seen.size ?? 0)) / totalS,
      schedCpuS,
      schedMsPerPod: ((schedCpuS - start.schedCpu) * 1000) / measured,
      serverMsPerPod: ((serverCpuEnd - start.serverCpu) * 1000) / measured,
      schedPeakMiB,
      serverCpuS,
      serverPeakMiB,
    };
    process.stdout.write(
      `[${w.name}] ${res.bound}/${PODS} bound: ${res.rate.toFixed(0)} pods/s (${measured} pods from ${INIT_PODS > 0 ? 'the init pods bound' : 'caches synced'} at ${res.startS.toFixed(2)}s to the last bind; ${res.rateFromSpawn.toFixed(0)} pods/s for all pods in ${totalS.toFixed(2)}s from spawn; synced after ${res.syncedS.toFixed(2)}s, first bind after ${res.firstBindS.toFixed(2)}s); CPU per pod: scheduler ${res.schedMsPerPod.toFixed(2)} ms, server ${res.serverMsPerPod.toFixed(2)} ms; scheduler CPU ${schedCpuS.toFixed(1)}s, peak RSS ${schedPeakMiB.toFixed(0)} MiB; server CPU ${serverCpuS.toFixed(1)}s; ${events} Scheduled events recorded\n`,
    );
    await stopChild(sched.child);
    await sim.stop();
    return res;
  } finally {
    ac.abort();
    if (schedChild) await stopChild(schedChild);
    await s.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const results: Result[] = [];
  const loadStart = load1();
  // in-process mode measures the server as it runs by default (controllers included): one basic row
  const workloads = IN_PROCESS ? WORKLOADS.filter((w) => !w.controllers) : WORKLOADS;
  for (const w of workloads) if (!ONLY || ONLY.includes(w.name)) results.push(await (IN_PROCESS ? runInProcess(w) : runWorkload(w)));
  const f = (n: number, d = 0) => n.toFixed(d);
  const target: Record<string, number> = { basic: 2000, 'anti-affinity': 500 };
  if (IN_PROCESS) return writeInProcess(results, loadStart, target);
  const rows = results.map((r) => {
    const t = target[r.w.name];
    const met = r.bound < PODS ? `**not met** (only ${r.bound} bound)` : t === undefined ? '' : r.rate >= t ? 'met' : '**not met**';
    return `| ${r.w.label} | ${f(r.rate)} pods/s (${r.measured} bound in ${f(r.totalS - r.startS, 2)} s) | ${f(r.rateFromSpawn)} pods/s (${r.bound + (r.mode === 'process' ? INIT_PODS : 0)} pods in ${f(r.totalS, 2)} s; synced ${f(r.syncedS, 2)} s, first bind ${f(r.firstBindS, 2)} s${INIT_PODS > 0 ? `, init pods bound ${f(r.startS, 2)} s` : ''}) | ${f(r.schedMsPerPod, 2)} ms / ${f(r.serverMsPerPod, 2)} ms | ${f(r.schedCpuS, 1)} s / ${f(r.schedPeakMiB)} MiB | ${f(r.serverCpuS, 1)} s / ${f(r.serverPeakMiB)} MiB | ${r.events} | ${t ? `>= ${t.toLocaleString('en-US')} pods/s` : ''} | ${met} |`;
  });
  const body = `Command: \`npm run bench:scheduler\` (${new Date().toISOString().slice(0, 10)}). Machine: ${machine()}.
Method: for each workload a fresh \`kubelite server --disable-scheduler --disable-controllers\` process (API server and store alone, as scheduler_perf runs kube-apiserver without a controller manager; the row marked *controller manager running* leaves the server's controller manager on (on its components thread), whose informers also follow every pod and Lease); ${NODES} simulated nodes (\`startSim\` in the benchmark process, Ready, leases renewed every ${LEASE_INTERVAL_MS / 1000} s, **pod simulation off**: nothing writes pod status, so the binding path alone is measured); ${INIT_PODS > 0 ? `${INIT_PODS} init pods (namespace \`${INIT_NS}\`, a PriorityClass of 1000 so that the queue hands them out first) and ` : ''}${PODS} pending pods created first by ${CREATORS} concurrent clients (each pod requests 10m CPU / 16Mi); then \`kubelite scheduler --kubeconfig …\` is started as its own process (talking HTTPS to the server, as kube-scheduler does). ${INIT_PODS > 0 ? `**Throughput** = the measured pods bound from the moment a watch in the benchmark process has seen the last init pod bound until it has seen all ${PODS} with spec.nodeName set, over that time: as SchedulingBasic (5000Nodes: initNodes 5000, initPods 1000, then the measured pods) schedules its init pods first and counts only the measured ones, with the scheduler already running and warm` : `**Throughput** = ${PODS} / the time from the scheduler's "caches synced" line (informers listed and watching, so scheduling can start) until a watch in the benchmark process has seen all ${PODS} pods with spec.nodeName set`}; the figure from the scheduler's spawn (process start, informer sync and all pods) is given too. Sim nodes carry no zone label, so spreading uses kubernetes.io/hostname. CPU per pod = user+sys CPU (from /proc) of the scheduler process and of the server process over the measurement, divided by the pods bound in it: the figure to compare between runs on a busy machine. Scheduler CPU and peak RSS (VmHWM) are for the scheduler process alone, from spawn to the last bind; server CPU covers the same interval. Every binding also sends a Scheduled event (best effort, as kube-scheduler's event client: 50 writes/s with bursts of 100, at most 1,000 waiting, the rest dropped; the column counts those of the measured pods stored 3 s after the last bind; the init pods' events, queued first, use up most of that budget). 1-minute load average at start / end: ${loadStart} / ${load1()} (the benchmark's own processes account for about 2-3; more means other work was running on the machine too). The reference is kube-scheduler's SchedulingBasic (5,000 nodes, CI floor 680 pods/s).

| workload (${PODS} pods, ${NODES} nodes) | throughput${INIT_PODS > 0 ? ` (after ${INIT_PODS} init pods)` : ' (from caches synced)'} | from spawn, all pods | CPU per pod: scheduler / server | scheduler CPU / peak RSS | server CPU / peak RSS | Scheduled events recorded | target | met? |
|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}
`;
  writeSection('Scheduler (bench:scheduler)', body);
  process.stdout.write(body + '\n');
}

function writeInProcess(results: Result[], loadStart: string, target: Record<string, number>): void {
  const f = (n: number, d = 0) => n.toFixed(d);
  const rows = results.map((r) => {
    const t = target[r.w.name];
    const met = r.bound < PODS ? `**not met** (only ${r.bound} bound)` : t === undefined ? '' : r.rate >= t ? 'met' : '**not met**';
    return `| ${r.w.label} | ${f(r.rate)} pods/s (${r.bound} bound in ${f(r.totalS, 2)} s) | ${f(r.createRate)}/s | ${f(r.serverMsPerPod, 2)} ms | ${f(r.serverCpuS, 1)} s / ${f(r.serverPeakMiB)} MiB | ${r.events} | ${t ? `>= ${t.toLocaleString('en-US')} pods/s` : ''} | ${met} |`;
  });
  const body = `Command: \`BENCH_SCHEDULER=inprocess npm run bench:scheduler\` (${new Date().toISOString().slice(0, 10)}). Machine: ${machine()}.
Method: as the section above, but with the scheduler inside \`kubelite server\` (its default: on the server's components thread, with the controller manager), reaching the API server's thread through a message channel and the in-process transport (client/threadtransport.ts, apiserver/local.ts: the same handlers, no TLS or socket). It runs from the start, so the ${PODS} pods are scheduled while ${CREATORS} clients create them, as in SchedulingBasic; throughput = ${PODS} / (first create .. a watch has seen the last pod bound), and server CPU per pod covers creating, scheduling and binding it, over all the server's threads; the 64 creating clients, over HTTPS to the API server's thread, are what limits the rate. 1-minute load average at start / end: ${loadStart} / ${load1()}.

| workload (${PODS} pods, ${NODES} nodes) | throughput (create + schedule) | create rate meanwhile | server CPU per pod | server CPU / peak RSS | Scheduled events recorded | target | met? |
|---|---|---|---|---|---|---|---|
${rows.join('\n')}
`;
  writeSection('Scheduler in-process (bench:scheduler, BENCH_SCHEDULER=inprocess)', body);
  process.stdout.write(body + '\n');
}

await main();
