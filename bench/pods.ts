// npm run bench:pods — the node agent on real containerd (run as root): pod startup latency
// (creation to all containers started, as Kubernetes' pod startup SLO measures it) for 100
// pods at 10 pods/s and for 10 pods at once, each next to the raw CRI floor (RunPodSandbox +
// CreateContainer + StartContainer driven directly against the same containerd) measured in
// interleaved rounds of the same run, with kubelite as `kubelite server` runs a single-node
// cluster (the agent in the server's process); then the API server and a `kubelite agent`
// process of its own (a remote node's deployment, on the same machine): its RSS, and 100 pods at
// 10 pods/s once more; `kubelite server` cold start to the first pod Running.
// For investigation (the BENCHMARKS.md section is written only by a full run):
//   BENCH_PODS_ONLY=single,spaced,burst,floor,cold,pairs   run only these parts; pairs: one kubelite
//                                pod then one floor pod, in turn, SINGLE times (the ratio without drift)
//   BENCH_PODS_ROUNDS=3          interleaved rounds (each pattern: kubelite and floor back to back)
//   BENCH_PODS_WARMUP=1          warm-up rounds first (100 pods at 10 pods/s each side, not counted)
//   BENCH_PODS_QUIET_MS=1000     the pause between parts before waiting for an idle machine
//   BENCH_POD_TRACE=1            the agent traces each pod (KUBELITE_POD_TRACE); prints the median
//                                time of each step from the POST, per scenario; and the cold starts'
//                                milestones (server log at debug level, the pod's steps) from the spawn
//   BENCH_PODS_SPLIT=1           the whole comparison with the separate agent process instead
//   BENCH_SERVER_NICE=N          renice every thread of the server processes to N (is the in-process
//                                agent's and API's one thread starved by the runtime's many threads?)
//   BENCH_AGENT_CPU_PROF=DIR     a --cpu-prof of the separate agent to DIR (BENCH_SERVER_CPU_PROF: of the servers)
//   BENCH_AGENT_NODE_FLAGS='...' node's flags for the agent instead of bin/kubelite's (V8 options)
//   BENCH_AGENT_ARGS='...'       more `kubelite agent` flags (e.g. --max-parallel-pod-starts 0 to compare)
//   BENCH_SKIP_KUBELITE=1        the floor's side only (with BENCH_PODS_ONLY=...,floor)
//   BENCH_PERF=DIR               a system-wide `perf record -g` of each part to DIR (<prefix>perf.data)
//   BENCH_FLOOR_CPU_SHARES=2     floor containers with the cpu.shares of a BestEffort pod's (the kubelet's)
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { availableParallelism, setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { Agent } from 'node:https';
import type { KubeObject } from '../src/api/types.js';
import { CriClient } from '../src/cri/client.js';
import { containerdPaths } from '../src/cri/containerd-config.js';
import { freePort, missingRuntimeTools, INSTALL_HINT } from '../src/cri/containerd.js';
import { BUSYBOX_IMAGE, defaultImagesDir } from '../src/cri/images/build.js';
import { builtinImageArchives } from '../src/cri/images/import.js';
import type { PodSandboxConfig } from '../src/cri/types.js';
import { ROOT, call, cpuSeconds, threadCpuSeconds, load1, machine, percentile, roleNodeFlags, rssMiB, sleep, spawnKubelite, startServerProcess, stopChild, watchLines, writeSection, type ServerProc } from './lib.js';

const SPACED = Number(process.env.BENCH_PODS ?? 100);
const RATE = 10; // pods per second
const BURST = 10;
const SINGLE = 10; // one at a time: each created once the previous one runs
const ROUNDS = Number(process.env.BENCH_PODS_ROUNDS ?? 3);
const QUIET_MS = Number(process.env.BENCH_PODS_QUIET_MS ?? 1000);
/** untilIdle(): the machine counts as idle below this share of its CPU over a window */
const SETTLE_BUSY = 0.15;
const SETTLE_WINDOW_MS = 500;
const SETTLE_MAX_MS = 20_000;
// warm-up rounds before the measured ones (not counted): the server's JIT compiles its hot paths
// (a fresh server spends ~6 ms of CPU per pod in V8's optimising compiler threads over its first
// hundred pods), containerd and the kernel's caches fill; as on a cluster that has run a while
const WARMUP = Number(process.env.BENCH_PODS_WARMUP ?? 1);
const NODE = 'bench-node';
const FLOOR_CGROUP = 'kubelite-bench-floor';
const ONLY = process.env.BENCH_PODS_ONLY ? new Set(process.env.BENCH_PODS_ONLY.split(',')) : undefined;
const runs = (part: string) => !ONLY || ONLY.has(part);
const TRACE = process.env.BENCH_POD_TRACE === '1';
const epoch = () => performance.timeOrigin + performance.now();

/** per pod name, wall-clock ms (epoch) of what the client saw: POST sent, bound (nodeName set), all started */
const seenAt = new Map<string, { post?: number; bound?: number; started?: number }>();
const seenOf = (name: string) => seenAt.get(name) ?? (seenAt.set(name, {}), seenAt.get(name)!);

interface Latencies {
  ms: number[];
  errors: number;
  /** the part's CPU ms per pod, by process (agent, server, runtime, bench, machine, steal) */
  cpu?: Record<string, number>;
  /** the hypervisor's steal over the part, as a share of the machine's CPU capacity */
  steal?: number;
}

// A part during which the hypervisor took more than this share of the machine's CPU (steal) is
// run again, with its counterpart on the other side, up to STEAL_RETRIES times in the whole run:
// the other tenants' load, not kubelite's or the runtime's, decided its latencies.
const STEAL_MAX = Number(process.env.BENCH_PODS_STEAL_MAX ?? 0.05);
const STEAL_RETRIES = Number(process.env.BENCH_PODS_STEAL_RETRIES ?? 6);
let stealRetries = 0;
const CPUS = availableParallelism();

const pod = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { bench: 'pods' } },
  spec: {
    terminationGracePeriodSeconds: 1,
    containers: [{ name: 'main', image: BUSYBOX_IMAGE, imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }],
  },
});

/** every container of the pod is running (what the SLO calls "started") */
function allStarted(p: KubeObject): boolean {
  const want = (p.spec?.containers as unknown[] | undefined)?.length ?? 1;
  const st = (p.status?.containerStatuses ?? []) as { state?: { running?: unknown } }[];
  return st.length === want && st.every((c) => c.state?.running !== undefined);
}

/** Watch pods and resolve each name's promise when all its containers run. */
async function startedWatcher(s: ServerProc): Promise<{ wait(name: string): Promise<number>; close(): void }> {
  const seen = new Map<string, number>();
  const waiters = new Map<string, (t: number) => void>();
  const close = await watchLines(s, '/api/v1/namespaces/default/pods?watch=true&allowWatchBookmarks=false', (line) => {
    const ev = JSON.parse(line) as { type: string; object: KubeObject };
    const name = ev.object.metadata.name!;
    if (TRACE && ev.type !== 'DELETED' && ev.object.spec?.nodeName && seenOf(name).bound === undefined) seenOf(name).bound = epoch();
    if (ev.type === 'DELETED' || seen.has(name) || !allStarted(ev.object)) return;
    const t = performance.now();
    if (TRACE) seenOf(name).started = epoch();
    seen.set(name, t);
    waiters.get(name)?.(t);
  });
  return {
    wait: (name) => {
      const t = seen.get(name);
      return t !== undefined ? Promise.resolve(t) : new Promise((r) => waiters.set(name, r));
    },
    close,
  };
}

async function createAndTime(s: ServerProc, w: { wait(name: string): Promise<number> }, name: string): Promise<number> {
  const t0 = performance.now();
  if (TRACE) seenOf(name).post = epoch();
  const r = await call(s, 'POST', '/api/v1/namespaces/default/pods', pod(name));
  if (r.status !== 201) throw new Error(`create ${name}: HTTP ${r.status} ${r.body}`);
  return (await w.wait(name)) - t0;
}

/** After the pods' objects are gone the kubelet may still be tearing sandboxes down: wait, so runs do not overlap. */
async function runtimeIdle(cri: CriClient): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if ((await cri.listPodSandbox()).length === 0) return;
    await sleep(100);
  }
  throw new Error('sandboxes were not removed within 60 s');
}

const NONE: Latencies = { ms: [], errors: 0 };

interface Probe {
  agentPid: number;
  serverPid: number;
  /** the agent's data dir: its containerd's command line names it */
  agentDir: string;
  /** the agent's KUBELITE_POD_TRACE file */
  traceFile?: string;
}

/** Runs one part; prints the CPU per pod of the agent, the server, and the runtime (containerd with its shims, runc, CNI) and, traced, the median step times. */
async function part(label: string, namePrefix: string, pods: number, probe: Probe, f: () => Promise<Latencies>): Promise<Latencies> {
  const pids: Record<string, number[]> = probe.agentPid === probe.serverPid ? { server: [probe.serverPid] } : { agent: [probe.agentPid], server: [probe.serverPid] };
  const cpu = (l: number[]) => l.reduce((s, pid) => s + cpuSeconds(pid), 0);
  const before = Object.fromEntries(Object.entries(pids).map(([k, l]) => [k, cpu(l)]));
  const rt0 = runtimeCpuMs();
  const load0 = load1();
  const perfDir = process.env.BENCH_PERF;
  const perf = perfDir ? spawn('perf', ['record', '-a', '-F', '999', '-g', '-o', join(perfDir, `${namePrefix}perf.data`)], { stdio: 'ignore' }) : undefined;
  if (perf) await sleep(300);
  const m0 = machineCpuMs();
  const wall0 = performance.now();
  const self0 = process.cpuUsage();
  const th0 = threadCpuSeconds(probe.serverPid);
  const l = await f();
  const th1 = threadCpuSeconds(probe.serverPid);
  if (perf) {
    perf.kill('SIGINT');
    await new Promise((r) => perf.once('exit', r));
  }
  const per = Object.fromEntries(Object.entries(pids).map(([k, l]) => [k, ((cpu(l) - before[k]!) * 1000) / pods]));
  if (rt0 !== undefined) per.runtime = (runtimeCpuMs()! - rt0) / pods;
  const m1 = machineCpuMs();
  const self1 = process.cpuUsage(self0);
  // the whole machine (this client included) and this client alone: what the part cost in all
  per.bench = (self1.user + self1.system) / 1000 / pods;
  per.machine = (m1.busy - m0.busy) / pods;
  per.steal = (m1.steal - m0.steal) / pods;
  const steal = (m1.steal - m0.steal) / ((performance.now() - wall0) * CPUS);
  const used = Object.entries(per).map(([k, v]) => `${k} ${v.toFixed(1)}`);
  process.stderr.write(`bench:pods ${label}: ${fmt(l)}; CPU ms/pod: ${used.join(', ')}; steal ${(steal * 100).toFixed(1)}% of the machine; load ${load0}\n`);
  // the server's threads (main: the API server, and the agent when in-process; the others: components, libuv's pool, V8's)
  const threads = [...th1.byName].map(([k, v]) => [k, ((v - (th0.byName.get(k) ?? 0)) * 1000) / pods] as const).filter(([, v]) => v >= 0.1);
  process.stderr.write(`  server threads, CPU ms/pod: ${threads.map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}\n`);
  if (probe.traceFile && !namePrefix.startsWith('floor')) process.stderr.write(breakdown(namePrefix, probe.traceFile));
  return { ...l, cpu: per, steal };
}

/** Counts a part's CPU per pod in its side's figures. */
function countCpu(side: 'kubelite' | 'floor', l: Latencies): void {
  for (const [k, v] of Object.entries(l.cpu ?? {})) (startCpu[side][k] ??= []).push(v);
}

/** true when the parts ran with too much steal and may run again (counted) */
function retryForSteal(what: string, ls: Latencies[]): boolean {
  const worst = Math.max(...ls.map((l) => l.steal ?? 0));
  if (worst <= STEAL_MAX || stealRetries >= STEAL_RETRIES) return false;
  stealRetries++;
  process.stderr.write(`bench:pods ${what}: steal ${(worst * 100).toFixed(1)}% of the machine (> ${STEAL_MAX * 100}%): run again (${stealRetries}/${STEAL_RETRIES})\n`);
  return true;
}

/** CPU ms per pod started, of each part, by side and process (agent, server, runtime) */
const startCpu: Record<'kubelite' | 'floor', Record<string, number[]>> = { kubelite: {}, floor: {} };

/** The deletion after a part: its CPU per pod (agent, server, runtime). */
async function deletion(label: string, pods: number, probe: Probe, f: () => Promise<void>): Promise<void> {
  const cpu0 = [probe.agentPid === probe.serverPid ? 0 : cpuSeconds(probe.agentPid), cpuSeconds(probe.serverPid)];
  const rt0 = runtimeCpuMs();
  const t0 = performance.now();
  await f();
  const used = [`agent ${probe.agentPid === probe.serverPid ? '(in server)' : (((cpuSeconds(probe.agentPid) - cpu0[0]!) * 1000) / pods).toFixed(1)}`, `server ${(((cpuSeconds(probe.serverPid) - cpu0[1]!) * 1000) / pods).toFixed(1)}`];
  if (rt0 !== undefined) used.push(`runtime ${((runtimeCpuMs()! - rt0) / pods).toFixed(1)}`);
  process.stderr.write(`bench:pods ${label} deletion: ${(performance.now() - t0).toFixed(0)} ms; CPU ms/pod: ${used.join(', ')}\n`);
}

/** containerd and everything it spawns (shims, runc, CNI plugins, iptables) in a cpuacct cgroup of their own, when cpuacct is a hierarchy of its own (cgroup v1) */
const RT_CGROUP = '/sys/fs/cgroup/cpuacct/kubelite-bench-runtime';
let rtCgroup = false;

function trackRuntimeCpu(containerdPid: number): void {
  // only a cpuacct-only hierarchy: moving containerd there changes no CPU scheduling (cpu shares live in the cpu hierarchy)
  const alone = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l.split(' ')[4] === '/sys/fs/cgroup/cpuacct')
    .some((l) => {
      const opts = (l.split(' - ')[1] ?? '').split(' ')[2]?.split(',') ?? [];
      return opts.includes('cpuacct') && !opts.includes('cpu');
    });
  if (!alone) return;
  mkdirSync(RT_CGROUP, { recursive: true });
  const move = (pid: number) => {
    writeFileSync(join(RT_CGROUP, 'cgroup.procs'), String(pid));
    for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      try {
        if (Number(readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]) === pid) move(Number(p));
      } catch {
        // gone
      }
    }
  };
  move(containerdPid);
  rtCgroup = true;
}

/**
 * The pause between parts: QUIET_MS, then until the machine is idle (below SETTLE_BUSY of its CPU
 * over a SETTLE_WINDOW_MS window; at most SETTLE_MAX_MS): what the previous part left to the
 * kernel and containerd (network namespaces, veths, cgroups and mounts torn down asynchronously
 * after their pods are gone) is not charged to the next part.
 */
async function untilIdle(): Promise<void> {
  await sleep(QUIET_MS);
  const t0 = performance.now();
  let busy = 1;
  while (performance.now() - t0 < SETTLE_MAX_MS) {
    const a = machineCpuMs();
    const w0 = performance.now();
    await sleep(SETTLE_WINDOW_MS);
    const b = machineCpuMs();
    busy = (b.busy - a.busy) / ((performance.now() - w0) * CPUS);
    if (busy < SETTLE_BUSY) break;
  }
  const waited = performance.now() - t0;
  if (waited > SETTLE_WINDOW_MS * 1.5) process.stderr.write(`bench:pods settle: waited ${waited.toFixed(0)} ms more for an idle machine (last window ${(busy * 100).toFixed(0)}% busy)\n`);
}

/** the machine's CPU time from /proc/stat, ms: busy (all but idle and iowait, steal included) and steal */
function machineCpuMs(): { busy: number; steal: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const tick = 10; // USER_HZ = 100
  const [user, nice, system, , , irq, softirq, steal] = f as [number, number, number, number, number, number, number, number];
  return { busy: (user + nice + system + irq + softirq + steal) * tick, steal: steal * tick };
}

function runtimeCpuMs(): number | undefined {
  return rtCgroup ? Number(readFileSync(join(RT_CGROUP, 'cpuacct.usage'), 'utf8')) / 1e6 : undefined;
}

function pidsOf(match: (cmdline: string) => boolean): number[] {
  const out: number[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (match(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))) out.push(Number(pid));
    } catch {
      // gone
    }
  }
  return out;
}

/** Median ms from the POST to each step (the agent's marks, repeats numbered), over the traced pods of a part. */
function breakdown(namePrefix: string, traceFile: string): string {
  const steps = new Map<string, number[]>();
  const add = (k: string, v: number) => (steps.get(k) ?? (steps.set(k, []), steps.get(k)!)).push(v);
  let n = 0;
  const slowest: { name: string; ms: number; steps: string }[] = [];
  const lines = existsSync(traceFile) ? readFileSync(traceFile, 'utf8').split('\n').filter(Boolean) : [];
  for (const line of lines) {
    const t = JSON.parse(line) as { pod: string; marks: [string, number][] };
    const name = t.pod.split('/')[1] ?? '';
    const c = seenAt.get(name);
    if (!name.startsWith(namePrefix) || c?.post === undefined || c.started === undefined) continue;
    n++;
    const count = new Map<string, number>();
    if (c.bound !== undefined) add('client: bound seen', c.bound - c.post);
    for (const [what, at] of t.marks) {
      const k = count.get(what) ?? 0;
      count.set(what, k + 1);
      add(`agent: ${what}${k ? ` #${k + 1}` : ''}`, at - c.post);
    }
    add('client: all started seen', c.started - c.post);
    const post = c.post;
    const steps1 = [...(c.bound !== undefined ? [['client: bound seen', c.bound - post] as const] : []), ...t.marks.map(([w, at]) => [w, at - post] as const)].sort((a, b) => a[1] - b[1]);
    slowest.push({ name, ms: c.started - c.post, steps: steps1.map(([w, ms]) => `${w} ${ms.toFixed(0)}`).join(', ') });
  }
  const med = (l: number[]) => percentile([...l].sort((a, b) => a - b), 50);
  const rows = [...steps].sort((a, b) => med(a[1]) - med(b[1])).map(([k, l]) => `  ${med(l).toFixed(1).padStart(8)} ms  ${k}${l.length < n ? ` (${l.length}/${n} pods)` : ''}`);
  const worst = slowest.sort((a, b) => b.ms - a.ms).slice(0, 3).map((w) => `  ${w.name} ${w.ms.toFixed(0)} ms: ${w.steps}`);
  return `  median ms from the POST, ${n} traced pods:\n${rows.join('\n')}\n  the slowest, ms from the POST:\n${worst.join('\n')}\n`;
}

type Pattern = 'single' | 'spaced' | 'burst';
const PATTERNS: Pattern[] = ['single', 'spaced', 'burst'];
const COUNT: Record<Pattern, number> = { single: SINGLE, spaced: SPACED, burst: BURST };

/** The arrival pattern, the same for kubelite and the floor: start(name) resolves with the pod's latency. */
async function arrivals(pattern: Pattern, prefix: string, start: (name: string) => Promise<number>): Promise<Latencies> {
  if (pattern === 'single') {
    const one: number[] = [];
    for (let i = 0; i < SINGLE; i++) one.push(await start(`${prefix}${i}`));
    return { ms: one.sort((x, y) => x - y), errors: 0 };
  }
  if (pattern === 'burst') return settle(Array.from({ length: BURST }, (_, i) => start(`${prefix}${i}`)));
  const spaced: Promise<number>[] = [];
  const begin = performance.now();
  for (let i = 0; i < SPACED; i++) {
    const due = begin + (i * 1000) / RATE;
    const now = performance.now();
    if (due > now) await sleep(due - now);
    spaced.push(start(`${prefix}${i}`));
  }
  return settle(spaced);
}

interface Sides {
  s: ServerProc;
  w: { wait(name: string): Promise<number> };
  cri: CriClient;
  probe: Probe;
}

/** One kubelite round of a pattern: pods through the API server and the agent, then deleted (the runtime idle again). */
async function kubeliteRound(x: Sides, pattern: Pattern, round: number, label = `round ${round + 1}`, attempt = 0): Promise<Latencies> {
  const prefix = `p-${pattern}-r${round}${attempt ? `a${attempt}` : ''}-`;
  const l = await part(`kubelite ${pattern} ${label}`, prefix, COUNT[pattern], x.probe, () => arrivals(pattern, prefix, (name) => createAndTime(x.s, x.w, name)));
  await deletion(`kubelite ${pattern} ${label}`, COUNT[pattern], x.probe, async () => {
    await deleteAll(x.s);
    await runtimeIdle(x.cri);
  });
  return l;
}

/** One floor round of a pattern: the same pods made through the CRI directly, then removed. */
async function floorRound(x: Sides, pattern: Pattern, round: number, label = `round ${round + 1}`, attempt = 0): Promise<Latencies> {
  const prefix = `floor-${pattern}-r${round}${attempt ? `a${attempt}` : ''}-`;
  const sandboxes: string[] = [];
  const l = await part(`floor ${pattern} ${label}`, prefix, COUNT[pattern], x.probe, () =>
    arrivals(pattern, prefix, (name) => criOnce(x.cri, x.probe.agentDir, name).then((r) => (sandboxes.push(r.sandbox), r.ms))),
  );
  floorBreakdown(`${pattern} ${label}`);
  await deletion(`floor ${pattern} ${label}`, COUNT[pattern], x.probe, async () => {
    await removeSandboxes(x.cri, sandboxes);
    await runtimeIdle(x.cri);
  });
  return l;
}

interface Compared {
  kubelite: Latencies;
  floor: Latencies;
  /** kubelite p50 / floor p50 of each round */
  ratios: number[];
}

/**
 * ROUNDS rounds; in each, every pattern runs for kubelite and for the floor back to back, the
 * order alternating from round to round, each from an idle runtime: both see the same load, drift
 * and leftovers. Latencies are pooled over the rounds; the ratio is the median of the rounds' p50 ratios.
 */
async function interleaved(x: Sides): Promise<Record<Pattern, Compared>> {
  for (let r = 0; r < WARMUP; r++) {
    await untilIdle();
    await kubeliteRound(x, 'spaced', -1 - r, 'warm-up');
    if (runs('floor')) {
      await untilIdle();
      await floorRound(x, 'spaced', -1 - r, 'warm-up');
    }
  }
  const out = Object.fromEntries(PATTERNS.map((p) => [p, { kubelite: { ms: [], errors: 0 }, floor: { ms: [], errors: 0 }, ratios: [] }])) as unknown as Record<Pattern, Compared>;
  for (let r = 0; r < ROUNDS; r++) {
    for (const pattern of PATTERNS.filter(runs)) {
      const sides = r % 2 === 0 ? (['kubelite', 'floor'] as const) : (['floor', 'kubelite'] as const);
      let got: Partial<Record<'kubelite' | 'floor', Latencies>> = {};
      for (let attempt = 0; attempt === 0 || retryForSteal(`${pattern} round ${r + 1}`, Object.values(got)); attempt++) {
        got = {};
        for (const side of sides) {
          if (side === 'floor' && !runs('floor')) continue;
          if (side === 'kubelite' && process.env.BENCH_SKIP_KUBELITE === '1') continue;
          await untilIdle(); // containerd's and the kernel's asynchronous cleanup of the previous part
          got[side] = side === 'kubelite' ? await kubeliteRound(x, pattern, r, undefined, attempt) : await floorRound(x, pattern, r, undefined, attempt);
        }
      }
      for (const side of sides) {
        const l = got[side];
        if (!l) continue;
        countCpu(side, l);
        const c = out[pattern][side];
        c.ms.push(...l.ms);
        c.ms.sort((a, b) => a - b);
        c.errors += l.errors;
      }
      if (got.kubelite && got.floor) out[pattern].ratios.push(percentile(got.kubelite.ms, 50) / percentile(got.floor.ms, 50));
    }
  }
  return out;
}

/** pairs: one kubelite pod then one floor pod, in turn, SINGLE times (the ratio without drift, for investigation) */
async function pairs(x: Sides): Promise<void> {
  const floorDir = join(x.probe.agentDir, 'pairs');
  const k: number[] = [];
  const f: number[] = [];
  const sandboxes: string[] = [];
  await part('pairs', 'p-pairs-', SINGLE, x.probe, async () => {
    for (let i = 0; i < SINGLE; i++) {
      k.push(await createAndTime(x.s, x.w, `p-pairs-${i}`));
      const r = await criOnce(x.cri, floorDir, `floor-pairs-${i}`);
      sandboxes.push(r.sandbox);
      f.push(r.ms);
    }
    return { ms: k.sort((a, b) => a - b), errors: 0 };
  });
  f.sort((a, b) => a - b);
  floorBreakdown('pairs');
  process.stderr.write(`bench:pods pairs: kubelite ${fmt({ ms: k, errors: 0 })}; floor ${fmt({ ms: f, errors: 0 })}; ratio ${(percentile(k, 50) / percentile(f, 50)).toFixed(2)}x\n`);
  await removeSandboxes(x.cri, sandboxes);
  await deleteAll(x.s);
  await runtimeIdle(x.cri);
}

async function settle(ps: Promise<number>[]): Promise<Latencies> {
  const rs = await Promise.allSettled(ps.map((p) => withTimeout(p, 120_000)));
  const ms = rs.filter((r): r is PromiseFulfilledResult<number> => r.status === 'fulfilled').map((r) => r.value);
  for (const r of rs) if (r.status === 'rejected') process.stderr.write(`bench:pods: ${(r.reason as Error).message}\n`);
  return { ms: ms.sort((x, y) => x - y), errors: rs.length - ms.length };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, rej) => (t = setTimeout(() => rej(new Error(`no result after ${ms} ms`)), ms))).finally(() => clearTimeout(t))]);
}

async function deleteAll(s: ServerProc): Promise<void> {
  await call(s, 'DELETE', '/api/v1/namespaces/default/pods?labelSelector=bench%3Dpods');
  for (let i = 0; i < 600; i++) {
    const r = await call(s, 'GET', '/api/v1/namespaces/default/pods?labelSelector=bench%3Dpods');
    if ((JSON.parse(r.body) as { items: unknown[] }).items.length === 0) return;
    await sleep(200);
  }
  throw new Error('pods were not deleted within 2 minutes');
}

/** The floor: the same pod made by driving containerd's CRI directly, no API server, no kubelet. */
async function criOnce(cri: CriClient, dataDir: string, name: string): Promise<{ ms: number; sandbox: string }> {
  const uid = randomUUID();
  const logDirectory = join(dataDir, 'floor-logs', uid);
  mkdirSync(logDirectory, { recursive: true });
  const ns = { namespaceOptions: { network: 'POD' as const, pid: 'CONTAINER' as const, ipc: 'POD' as const } };
  const sandboxConfig: PodSandboxConfig = {
    metadata: { name, uid, namespace: 'bench-floor', attempt: 0 },
    hostname: name,
    logDirectory,
    // no io.kubernetes.pod.uid label: the agent's kubelet leaves sandboxes it does not own alone
    labels: { 'bench.kubelite.io/floor-uid': uid },
    linux: { cgroupParent: `/${FLOOR_CGROUP}/pod${uid}`, securityContext: ns },
  } as PodSandboxConfig;
  const t0 = performance.now();
  const sandbox = await cri.runPodSandbox(sandboxConfig);
  const t1 = performance.now();
  // BENCH_FLOOR_CPU_SHARES=2: the cpu.shares the kubelet gives a BestEffort container (default: runc's 1024)
  const resources = process.env.BENCH_FLOOR_CPU_SHARES ? { resources: { cpuShares: Number(process.env.BENCH_FLOOR_CPU_SHARES) } } : {};
  const id = await cri.createContainer(sandbox, { metadata: { name: 'main', attempt: 0 }, image: { image: BUSYBOX_IMAGE }, command: ['sleep', '3600'], logPath: 'main/0.log', linux: { securityContext: ns, ...resources } } as never, sandboxConfig);
  const t2 = performance.now();
  await cri.startContainer(id);
  const t3 = performance.now();
  if (TRACE) floorSteps.push([t1 - t0, t2 - t1, t3 - t2]);
  return { ms: t3 - t0, sandbox };
}

/** traced: ms of RunPodSandbox, CreateContainer, StartContainer of each floor pod */
const floorSteps: [number, number, number][] = [];

function floorBreakdown(part: string): void {
  if (!TRACE) return;
  const med = (i: number) => percentile(floorSteps.map((s) => s[i]!).sort((a, b) => a - b), 50).toFixed(1);
  if (floorSteps.length) process.stderr.write(`bench:pods floor ${part}: median ms RunPodSandbox ${med(0)}, CreateContainer ${med(1)}, StartContainer ${med(2)} (${floorSteps.length} pods)\n`);
  floorSteps.length = 0;
}

async function removeSandboxes(cri: CriClient, ids: string[]): Promise<void> {
  for (const id of ids) {
    await cri.stopPodSandbox(id).catch(() => undefined);
    await cri.removePodSandbox(id).catch(() => undefined);
  }
}

/**
 * Spawn `kubelite server` on a fresh (or existing) data dir, create one pod as soon as the API answers, time to Running.
 * Traced (BENCH_POD_TRACE=1): the server logs at debug level and traces the pod; the milestones
 * (its log lines, the client's steps, the pod's steps) are printed in ms from the spawn.
 */
async function coldStart(dataDir: string, label: string): Promise<{ ms: number; child: ChildProcess }> {
  const port = await freePort();
  const marks: [number, string][] = [];
  const mark = (what: string, at = epoch()) => marks.push([at, what]);
  const podTrace = TRACE ? join(dataDir, '..', `cold-trace-${label.replace(/\W+/g, '-')}.jsonl`) : undefined;
  const e0 = epoch();
  const t0 = performance.now();
  const args = [...roleNodeFlags('server'), join(ROOT, 'bin', 'kubelite.js'), 'server', '--data-dir', dataDir, '--https-listen-port', String(port), '--bind-address', '127.0.0.1', '--log-level', TRACE ? 'debug' : 'warn'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', TRACE ? 'pipe' : 'inherit'], env: podTrace ? { ...process.env, KUBELITE_POD_TRACE: podTrace } : process.env });
  if (TRACE) {
    let buf = '';
    child.stderr!.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          const j = JSON.parse(line) as { time: number; msg: string; component?: string; file?: string };
          if (j.msg !== 'controller started') mark(`server: ${j.component ?? ''} ${j.msg}${j.file ? ` ${j.file.split('/').pop()}` : ''}`, j.time);
        } catch {
          process.stderr.write(`${line}\n`);
        }
      }
    });
  }
  const s = await connectWhenUp(dataDir, port);
  mark('client: API answers');
  const w = await startedWatcher(s);
  let created = false;
  while (!created) {
    const r = await call(s, 'POST', '/api/v1/namespaces/default/pods', pod('cold')).catch(() => ({ status: 0, body: '' }));
    created = r.status === 201;
    if (!created) await sleep(20);
  }
  mark('client: pod created');
  const t1 = await withTimeout(w.wait('cold'), 60_000);
  mark('client: pod running');
  w.close();
  await deleteAll(s);
  s.agent.destroy();
  if (podTrace && existsSync(podTrace)) for (const l of readFileSync(podTrace, 'utf8').split('\n').filter(Boolean)) for (const [what, at] of (JSON.parse(l) as { marks: [string, number][] }).marks) mark(`pod: ${what}`, at);
  if (TRACE) process.stderr.write(`bench:pods cold start (${label}), ms from spawning the server:\n${marks.sort((a, b) => a[0] - b[0]).map(([at, what]) => `  ${(at - e0).toFixed(0).padStart(6)}  ${what}`).join('\n')}\n`);
  return { ms: t1 - t0, child };
}

/** The server's credentials appear on disk before it listens; then wait for the port to answer. */
async function connectWhenUp(dataDir: string, port: number): Promise<ServerProc> {
  const tokenFile = join(dataDir, 'server', 'token');
  const caFile = join(dataDir, 'server', 'tls', 'ca.crt');
  for (let i = 0; i < 3000; i++) {
    if (existsSync(tokenFile) && existsSync(caFile)) {
      const ca = readFileSync(caFile, 'utf8');
      const s: ServerProc = {
        child: undefined as never,
        url: new URL(`https://127.0.0.1:${port}`),
        token: readFileSync(tokenFile, 'utf8').trim(),
        ca,
        agent: new Agent({ keepAlive: true, maxSockets: 64, ca }),
        stop: async () => undefined,
      };
      for (let j = 0; j < 3000; j++) {
        const r = await call(s, 'GET', '/readyz').catch(() => undefined);
        if (r?.status === 200) return s;
        await sleep(10);
      }
      throw new Error('the server did not answer /readyz within 30 s');
    }
    await sleep(10);
  }
  throw new Error('the server wrote no token/CA within 30 s');
}

const fmt = (l: Latencies) => `p50 ${percentile(l.ms, 50).toFixed(0)} ms, p99 ${percentile(l.ms, 99).toFixed(0)} ms${l.errors ? `, ${l.errors} failed` : ''}`;

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('bench:pods runs containers: run it as root');
  const missing = missingRuntimeTools();
  if (missing.length) throw new Error(`missing: ${missing.join(', ')}; ${INSTALL_HINT}`);
  // without the pause and busybox images every pod would fail after a 2-minute wait
  if (builtinImageArchives().length === 0) throw new Error(`no image archives in ${defaultImagesDir()}: build them with bash scripts/build-images.sh`);
  const base = mkdtempSync(join(tmpdir(), 'kubelite-bench-pods-'));
  const loadStart = load1();
  try {
    // 1. cold start: a fresh data dir (certificates, containerd, image import, node registration), then a warm restart
    const coldDir = join(base, 'cold');
    let fresh = { ms: NaN };
    let warm = { ms: NaN };
    if (runs('cold')) {
      const f = await coldStart(coldDir, 'fresh data dir');
      await stopChild(f.child, 30_000);
      const w = await coldStart(coldDir, 'existing data dir');
      await stopChild(w.child, 30_000);
      fresh = f;
      warm = w;
    }

    // 2. `kubelite server` as users run it on one machine (API server, scheduler, controllers and
    // the node agent in one process, with its containerd), interleaved with the floor on that containerd
    const traceFile = TRACE ? join(base, 'pod-trace.jsonl') : undefined;
    if (traceFile) process.env.KUBELITE_POD_TRACE = traceFile;
    let main: KubeliteRun | undefined;
    if (process.env.BENCH_PODS_SPLIT !== '1') main = await kubeliteRun(base, 'server', traceFile, (x) => interleaved(x));
    // 3. the API server and a separate `kubelite agent` process (a node joining a cluster), on the same
    // machine: the agent's RSS is its own, and 100 pods at 10 pods/s once more (after a warm-up) with
    // the agent's requests over HTTPS; BENCH_PODS_SPLIT=1: the whole comparison in this deployment
    const split = await kubeliteRun(base, 'agent', traceFile, (x) => (main ? separateAgent(x) : interleaved(x)));
    const res = main?.res ?? split.res;
    const cmp = (p: Pattern) => res[p];
    const ratioOf = (c: Compared) => median(c.ratios);
    const ratioCell = (c: Compared) => `${ratioOf(c).toFixed(2)}x (rounds: ${c.ratios.map((r) => r.toFixed(2)).join(', ')})`;
    const kubelite = { single: cmp('single').kubelite, spaced: cmp('spaced').kubelite, burst: cmp('burst').kubelite };
    const floor = { single: cmp('single').floor, spaced: cmp('spaced').floor, burst: cmp('burst').floor };
    const cpuCell = (cpu: CpuByPart, side: 'kubelite' | 'floor') =>
      Object.entries(cpu[side])
        .filter(([k]) => (side === 'kubelite' ? ['agent', 'server', 'runtime'] : ['runtime']).includes(k))
        .map(([k, v]) => `${k === 'server' && !cpu[side].agent ? 'kubelite server' : k} ${median(v).toFixed(0)} ms`)
        .join(', ');
    const machineCell = (cpu: CpuByPart, side: 'kubelite' | 'floor') => {
      const m = cpu[side].machine;
      const st = cpu[side].steal;
      return m?.length ? `${median(m).toFixed(0)} ms${st?.length && median(st) >= 1 ? ` (steal ${median(st).toFixed(0)} ms)` : ''}` : '';
    };
    const cpu = main?.cpu ?? split.cpu;
    if (ONLY) for (const p of PATTERNS) if (runs(p)) process.stderr.write(`bench:pods ${p}: kubelite ${fmt(kubelite[p])}; floor ${fmt(floor[p])}; ratio ${ratioCell(cmp(p))}\n`);
    const who = main ? '`kubelite server`' : 'separate agent';
    const splitRows: string[] = [];
    if (main) {
      const sp = split.res.spaced.kubelite;
      const r = percentile(sp.ms, 50) / percentile(floor.spaced.ms, 50);
      if (ONLY && runs('spaced')) process.stderr.write(`bench:pods separate agent spaced: ${fmt(sp)}; ratio to the floor's p50 above ${r.toFixed(2)}x\n`);
      splitRows.push(
        `| ${SPACED} pods at ${RATE} pods/s, \`kubelite agent\` as a process of its own (x1) | ${fmt(sp)} | p50 ${percentile(floor.spaced.ms, 50).toFixed(0)} ms (the rounds above) | ${r.toFixed(2)}x | | |`,
        `| CPU per pod started, \`kubelite agent\` as a process of its own | ${cpuCell(split.cpu, 'kubelite')} | | | | |`,
        `| the whole machine's CPU per pod started, \`kubelite agent\` as a process of its own | ${machineCell(split.cpu, 'kubelite')} | | | | |`,
      );
    }
    const body = [
      `Machine: ${machine()}. Command: \`npm run bench:pods\` (as root). 1-minute load average at start / end: ${loadStart} / ${load1()}.`,
      '',
      `Method: ${main ? '`kubelite server` as a single-node cluster runs it (API server, scheduler, controller manager and node agent in one process: the scheduler and the controller manager on a worker thread, the agent on another, both reaching the API server\'s thread through message channels), then, for the agent\'s RSS and its cost as a remote node, `kubelite server --disable-agent` and `kubelite agent` as separate processes on the same machine (the agent talking HTTPS to the API server)' : '`kubelite server --disable-agent` and `kubelite agent` as separate processes on one machine'}; real containerd (started by the agent), runc, CNI bridge; pods of one busybox container (\`sleep 3600\`, image already imported, terminationGracePeriodSeconds 1). Latency = from the client's POST to the watch event showing every container running (the pod startup SLO's "all containers started", observed by the client, ms resolution). The floor drives the same containerd directly: RunPodSandbox + CreateContainer + StartContainer for an equivalent pod (same image, command, CNI network), timed from the first call to the last answer, with the same arrival pattern. Kubelite (${who}) and the floor are interleaved: ${ROUNDS} rounds, in each every pattern runs once for kubelite and once for the floor back to back (which goes first alternates from round to round), each starting from an idle runtime (the previous pods deleted and their sandboxes gone, then 1 s, then until the machine's CPU is below ${SETTLE_BUSY * 100}% busy over ${SETTLE_WINDOW_MS} ms), so both see the same machine load and drift. p50/p99 are over the pods of all rounds; the ratio is the median over the rounds of kubelite's p50 / the floor's p50 in the same round (each round's ratio in brackets). CPU per pod started: the kubelite processes' CPU (/proc) and the runtime's (a cpuacct cgroup holding containerd and everything it spawns: shims, runc, CNI plugins; the pods' own cgroups excluded) over each part, per pod, median over the parts; and the whole machine's (/proc/stat: all CPU time but idle and iowait, steal included). Before the measured rounds, ${WARMUP} warm-up round(s) of ${SPACED} pods at ${RATE} pods/s on each side, not counted (the server's JIT compiles its hot paths, as on a cluster that has run a while)${main ? '; the separate agent likewise gets one warm-up round before its measured one' : ''}. A part during which the hypervisor's steal exceeded ${STEAL_MAX * 100}% of the machine's CPU is run again together with its counterpart on the other side (at most ${STEAL_RETRIES} times in a run; this run: ${stealRetries}). Cold start = spawning \`kubelite server\` (with its agent and containerd) until the first pod, POSTed as soon as the API answers, runs.`,
      '',
      '| measurement | kubelite | raw CRI floor | ratio (p50) | target | result |',
      '|---|---|---|---|---|---|',
      `| ${SINGLE} pods one at a time (x${ROUNDS}) | ${fmt(kubelite.single)} | ${fmt(floor.single)} | ${ratioCell(cmp('single'))} | p50 <= 1.3x floor | ${verdict(ratioOf(cmp('single')) <= 1.3 && !kubelite.single.errors)} |`,
      `| ${SPACED} pods at ${RATE} pods/s (x${ROUNDS}) | ${fmt(kubelite.spaced)} | ${fmt(floor.spaced)} | ${ratioCell(cmp('spaced'))} | p50 <= 1.3x floor, p99 <= 1 s | ${verdict(ratioOf(cmp('spaced')) <= 1.3 && percentile(kubelite.spaced.ms, 99) <= 1000 && !kubelite.spaced.errors)} |`,
      `| ${BURST} pods at once (x${ROUNDS}) | ${fmt(kubelite.burst)} | ${fmt(floor.burst)} | ${ratioCell(cmp('burst'))} | p50 <= 1.3x floor | ${verdict(ratioOf(cmp('burst')) <= 1.3 && !kubelite.burst.errors)} |`,
      `| CPU per pod started (median over the parts) | ${cpuCell(cpu, 'kubelite')} | ${cpuCell(cpu, 'floor')} | | | |`,
      `| the whole machine's CPU per pod started (all processes, this client's and the kernel's too; median over the parts) | ${machineCell(cpu, 'kubelite')} | ${machineCell(cpu, 'floor')} | | | |`,
      ...splitRows,
      `| cold start to first pod Running, fresh data dir | ${fresh.ms.toFixed(0)} ms | | | <= 3 s | ${verdict(fresh.ms <= 3000)} |`,
      `| start to first pod Running, existing data dir | ${warm.ms.toFixed(0)} ms | | | | |`,
      `| agent RSS (containerd excluded), idle | ${split.idleRss.toFixed(0)} MiB | | | <= 60 MB | ${verdict(split.idleRss * 1.048576 <= 60)} |`,
      `| agent RSS with ${SPACED} pods just run | ${split.busyRss.toFixed(0)} MiB | | | | |`,
      ...(main ? [`| \`kubelite server\` RSS (agent included, containerd excluded) with ${SPACED} pods just run | ${main.busyRss.toFixed(0)} MiB | | | | |`] : []),
    ].join('\n');
    if (!ONLY) writeSection('Pods on containerd (bench:pods)', body);
    process.stdout.write(body + '\n');
  } finally {
    cleanup(base);
  }
}

type CpuByPart = Record<'kubelite' | 'floor', Record<string, number[]>>;

interface KubeliteRun {
  res: Record<Pattern, Compared>;
  cpu: CpuByPart;
  idleRss: number;
  busyRss: number;
}

/**
 * Runs `run` against kubelite deployed as `kubelite server` (its agent in-process) or as
 * `kubelite server --disable-agent` plus a `kubelite agent` process, each on a data dir of its
 * own under base; stops everything after.
 */
async function kubeliteRun(base: string, as: 'server' | 'agent', traceFile: string | undefined, run: (x: Sides) => Promise<Record<Pattern, Compared>>): Promise<KubeliteRun> {
  const serverDir = join(base, as === 'server' ? 'single' : 'server');
  const server = await startServerProcess(serverDir, [], undefined, { agent: as === 'server' });
  if (process.env.BENCH_SERVER_NICE) for (const t of readdirSync(`/proc/${server.child.pid}/task`)) setPriority(Number(t), Number(process.env.BENCH_SERVER_NICE));
  let agentProc: ChildProcess | undefined;
  try {
    const agentDir = as === 'server' ? serverDir : join(base, 'agent');
    if (as === 'agent') {
      const prof = process.env.BENCH_AGENT_CPU_PROF;
      const flags = process.env.BENCH_AGENT_NODE_FLAGS;
      // through bin/kubelite, the command users run (it sets the agent's V8 heap options)
      agentProc = (
        await spawnKubelite(
          ['agent', '--server', server.url.origin, '--token', server.token, '--ca-file', join(serverDir, 'server', 'tls', 'ca.crt'), '--data-dir', agentDir, '--node-name', NODE, '--log-level', 'warn', ...(process.env.BENCH_AGENT_ARGS ?? '').split(' ').filter(Boolean)],
          /registered/,
          60_000,
          // profiled or other flags: node + the agent flags of bin/kubelite (or those), plus --cpu-prof (not allowed in NODE_OPTIONS)
          prof || flags !== undefined ? [...(flags !== undefined ? flags.split(/\s+/).filter(Boolean) : roleNodeFlags('agent')), ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : [])] : [],
          prof || flags !== undefined ? undefined : join(ROOT, 'bin', 'kubelite'),
        )
      ).child;
    }
    const agentPid = agentProc?.pid ?? server.child.pid!;
    const idleRss = rssMiB(agentPid);
    const cri = await CriClient.connect(containerdPaths(agentDir).socket);
    const containerd = pidsOf((cmd) => cmd.startsWith('containerd\0') && cmd.includes(agentDir));
    if (containerd.length === 1) trackRuntimeCpu(containerd[0]!);
    const probe: Probe = { agentPid, serverPid: server.child.pid!, agentDir, traceFile };
    const w = await startedWatcher(server);
    for (const k of Object.keys(startCpu) as ('kubelite' | 'floor')[]) startCpu[k] = {};
    let res: Record<Pattern, Compared>;
    try {
      const x: Sides = { s: server, w, cri, probe };
      if (ONLY?.has('pairs')) await pairs(x); // for investigation only
      res = await run(x);
    } finally {
      w.close();
      cri.close();
    }
    return { res, cpu: { kubelite: startCpu.kubelite, floor: startCpu.floor }, idleRss, busyRss: rssMiB(agentPid) };
  } finally {
    await deleteAll(server).catch(() => undefined);
    if (agentProc) await stopChild(agentProc, 30_000);
    await server.stop();
  }
}

/** The separate agent's part: one warm-up and one measured round of the spaced pattern, kubelite only. */
async function separateAgent(x: Sides): Promise<Record<Pattern, Compared>> {
  const none = (): Compared => ({ kubelite: { ms: [], errors: 0 }, floor: { ms: [], errors: 0 }, ratios: [] });
  const out: Record<Pattern, Compared> = { single: none(), spaced: none(), burst: none() };
  if (!runs('spaced')) return out;
  await untilIdle();
  await kubeliteRound(x, 'spaced', -101, 'separate agent warm-up');
  let l: Latencies;
  for (let attempt = 0; ; attempt++) {
    await untilIdle();
    l = await kubeliteRound(x, 'spaced', 100, 'separate agent', attempt);
    if (!retryForSteal('separate agent', [l])) break;
  }
  countCpu('kubelite', l);
  out.spaced.kubelite = l;
  return out;
}

/** node's flags for the agent, as bin/kubelite sets them (its `agent)` line), so a profiled agent runs as users' does */
/** Leave nothing behind: shims of containers still running, their mounts, the floor's cgroups, the data. */
function cleanup(base: string): void {
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(base)) process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone already
    }
  }
  const mounts = readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1] ?? '')
    .filter((m) => m.startsWith(base))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) spawnSync('umount', ['-l', m]);
  for (const h of readdirSync('/sys/fs/cgroup')) removeTree(join('/sys/fs/cgroup', h, FLOOR_CGROUP));
  removeTree(RT_CGROUP);
  rmSync(base, { recursive: true, force: true });
}

function removeTree(dir: string): void {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) removeTree(join(dir, e.name));
  try {
    rmdirSync(dir);
  } catch {
    // a process still in it: left for the next run's cleanup
  }
}

/** the middle value (the mean of the two middle ones for an even count) */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const verdict = (ok: boolean) => (ok ? 'met' : '**not met**');

// exits once done: a handle left open (a client's pipe to a killed child) must not keep the run,
// and the e2e lock it holds, alive after its results are written
main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench:pods failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
