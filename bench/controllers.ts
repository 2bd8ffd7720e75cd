// npm run bench:controllers — how fast the controller manager turns Deployments into running
// pods on simulated nodes: 100 Deployments x 10 replicas on 100 nodes until every one is
// rolled out (Deployments/s), and one Deployment of 5,000 replicas (time to Available, and
// pods created per second by the ReplicaSet controller).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, cpuSeconds, threadCpuSeconds, load1, machine, peakRssMiB, roleNodeFlags, runConcurrent, sleep, spawnKubelite, startServerProcess, stopChild, watchLines, writeSection } from './lib.js';

const NODES = Number(process.env.BENCH_NODES ?? 100);
const MANY = Number(process.env.BENCH_DEPLOYMENTS ?? 100);
const MANY_REPLICAS = Number(process.env.BENCH_REPLICAS ?? 10);
const BIG_REPLICAS = Number(process.env.BENCH_BIG_REPLICAS ?? 5000);
const CREATORS = 16;
/** clients creating the baseline's bare pods (as bench:api) */
const DIRECT_CREATORS = 64;
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? 600_000);
const ONLY = process.env.BENCH_ONLY?.split(',');
const NS = 'bench';
/**
 * Warm runs: first roll out this many Deployments (x MANY_REPLICAS) in namespace `warmup`, so
 * that the measured run meets a server whose code V8 has already compiled, as in a cluster
 * that has been up for a while; cold runs start on a fresh process. BENCH_WARMUP=0: cold only.
 */
const WARMUP = Number(process.env.BENCH_WARMUP ?? 300);

const deployment = (name: string, replicas: number) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] } },
  },
});

/** BENCH_SIM_CPU_PROF=DIR: write a --cpu-prof of each sim process to DIR; BENCH_SIM_NODE_ARGS: more node options. */
function simProfArgs(): string[] {
  const dir = process.env.BENCH_SIM_CPU_PROF;
  const extra = (process.env.BENCH_SIM_NODE_ARGS ?? '').split(' ').filter(Boolean);
  return [...roleNodeFlags('sim'), ...extra, ...(dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [])];
}

const POD_EVENT = /^\{"type":"(ADDED|MODIFIED|DELETED)","object":\{"apiVersion":"v1","kind":"Pod","metadata":\{/;
const GENERATE_NAME = /"generateName":"([^"\\]+)"/;

/**
 * Type, name and whether it is Running, of a watch line of a pod created by a ReplicaSet,
 * without decoding the pod: its name is the only "name" that starts with its generateName
 * (the owner's name lacks the final dash). Undefined when the line has another shape.
 */
function quickPodEvent(line: string): { type: string; object: { metadata: { name: string }; status: { phase?: string } } } | undefined {
  const t = POD_EVENT.exec(line);
  const g = t && GENERATE_NAME.exec(line);
  if (!g) return undefined;
  const at = line.indexOf(`"name":"${g[1]}`);
  const end = at < 0 ? -1 : line.indexOf('"', at + 8);
  if (end < 0) return undefined;
  return { type: t[1]!, object: { metadata: { name: line.slice(at + 8, end) }, status: { phase: line.includes('"phase":"Running"') ? 'Running' : undefined } } };
}

interface DeploymentEvent {
  object: {
    metadata: { name: string; generation?: number };
    spec: { replicas: number };
    status?: { observedGeneration?: number; updatedReplicas?: number; availableReplicas?: number; conditions?: { type: string; status: string }[] };
  };
}

/** The Deployment's Available condition is True (minimum availability: replicas - maxUnavailable available). */
function available(d: DeploymentEvent['object']): boolean {
  return d.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True') === true;
}

/** What `kubectl rollout status` waits for. */
function rolledOut(d: DeploymentEvent['object']): boolean {
  const s = d.status ?? {};
  const want = d.spec.replicas;
  return (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 1) && s.updatedReplicas === want && s.availableReplicas === want;
}

interface Run {
  name: string;
  warm: boolean;
  deployments: number;
  replicas: number;
  /** from the first create request to every Deployment rolled out, s */
  totalS: number;
  /** from the first create request to every Deployment's Available condition True, s (NaN if not all) */
  availableS: number;
  rolledOut: number;
  /** pods: first and last creation seen on the watch (from t0), s */
  firstPodS: number;
  lastPodS: number;
  pods: number;
  running: number;
  lastRunningS: number;
  serverCpuS: number;
  /** of which the server's main thread (the API server's event loop) */
  serverMainCpuS: number;
  serverPeakMiB: number;
  simCpuS: number;
  /** API requests by verb and resource over the whole run, most frequent first */
  requests: [string, number][];
}

/** apiserver_request_total summed by verb, resource and subresource (from /metrics), watches left out. */
async function requestCounts(s: Awaited<ReturnType<typeof startServerProcess>>): Promise<[string, number][]> {
  const text = (await call(s, 'GET', '/metrics', undefined, { Accept: 'text/plain' })).body;
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const label = (k: string) => new RegExp(`${k}="([^"]*)"`).exec(line)?.[1] ?? '';
    if (label('verb') === 'WATCH') continue;
    const key = `${label('verb')} ${label('resource')}${label('subresource') ? '/' + label('subresource') : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return [...counts].sort((a, b) => b[1] - a[1]);
}

/** Roll out WARMUP Deployments in namespace `warmup` and wait until every one is Available. */
async function warmUp(s: Awaited<ReturnType<typeof startServerProcess>>): Promise<number> {
  const t = performance.now();
  const r = await call(s, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'warmup' } });
  if (r.status !== 201) throw new Error(`namespace: ${r.status} ${r.body}`);
  const errors = await runConcurrent(WARMUP, Math.min(CREATORS, WARMUP), async (i) => {
    const res = await call(s, 'POST', '/apis/apps/v1/namespaces/warmup/deployments', deployment(`w-${i}`, MANY_REPLICAS));
    if (res.status !== 201) throw new Error(`create: ${res.status} ${res.body}`);
  });
  if (errors) throw new Error(`${errors} warm-up creates failed`);
  const deadline = Date.now() + 120_000;
  for (;;) {
    const list = JSON.parse((await call(s, 'GET', '/apis/apps/v1/namespaces/warmup/deployments')).body) as { items: DeploymentEvent['object'][] };
    if (list.items.filter(available).length >= WARMUP) break;
    if (Date.now() > deadline) throw new Error('warm-up Deployments not Available within 120 s');
    await sleep(200);
  }
  const took = (performance.now() - t) / 1000;
  await sleep(1000);
  return took;
}

/**
 * One scenario on a fresh server and sim: `deployments` Deployments of `replicas` each, or
 * (direct) deployments x replicas bare pods created by the benchmark itself: the same pods
 * without the controllers, as the baseline.
 */
async function runScenario(name: string, deployments: number, replicas: number, direct: boolean, warm: boolean): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'kubelite-ctrl-'));
  const s = await startServerProcess(join(dir, 'data'));
  let sim: Awaited<ReturnType<typeof spawnKubelite>>['child'] | undefined;
  const closers: (() => void)[] = [];
  try {
    const kubeconfig = join(dir, 'data', 'kubeconfig.yaml');
    sim = (await spawnKubelite(['sim', '--nodes', String(NODES), '--kubeconfig', kubeconfig, '--concurrency', '64', '--log-level', 'warn'], /registered and Ready/, 120_000, simProfArgs())).child;
    const r = await call(s, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    if (r.status !== 201) throw new Error(`namespace: ${r.status} ${r.body}`);
    await sleep(2000); // the controllers' and scheduler's informers see the nodes
    if (warm) process.stdout.write(`  [${name}] warm-up: ${WARMUP} Deployments x ${MANY_REPLICAS} Available in ${(await warmUp(s)).toFixed(2)} s\n`);
    const rv = (path: string) => call(s, 'GET', `${path}?limit=1`).then((x) => (JSON.parse(x.body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion);

    let t0 = 0;
    // BENCH_TRACE=FILE: when each Deployment's create returned and it became Available, each
    // pod's creation and Running time (ms from t0), for pacing analysis
    const trace: string[] | undefined = process.env.BENCH_TRACE ? [] : undefined;
    const done = new Set<string>();
    let lastDone = 0;
    const avail = new Set<string>();
    let lastAvailable = 0;
    closers.push(
      await watchLines(s, `/apis/apps/v1/namespaces/${NS}/deployments?watch=true&resourceVersion=${await rv(`/apis/apps/v1/namespaces/${NS}/deployments`)}`, (line) => {
        const ev = JSON.parse(line) as DeploymentEvent & { type: string };
        if (ev.type !== 'BOOKMARK' && !avail.has(ev.object.metadata.name) && available(ev.object)) {
          avail.add(ev.object.metadata.name);
          lastAvailable = performance.now();
          trace?.push(`${(lastAvailable - t0).toFixed(1)} available ${ev.object.metadata.name}`);
        }
        if (ev.type === 'BOOKMARK' || done.has(ev.object.metadata.name) || !rolledOut(ev.object)) return;
        done.add(ev.object.metadata.name);
        lastDone = performance.now();
      }),
    );
    const created = new Set<string>();
    let fullDecodes = 0;
    const running = new Set<string>();
    let firstPod = 0;
    let lastPod = 0;
    let lastRunning = 0;
    closers.push(
      await watchLines(s, `/api/v1/namespaces/${NS}/pods?watch=true&resourceVersion=${await rv(`/api/v1/namespaces/${NS}/pods`)}`, (line) => {
        // the benchmark shares the cores it measures: read type, name and phase without
        // decoding the whole pod when the line has the server's usual shape
        const ev = quickPodEvent(line) ?? (fullDecodes++, JSON.parse(line) as { type: string; object: { metadata: { name: string }; status?: { phase?: string } } });
        const pod = ev.object.metadata.name;
        if (ev.type === 'ADDED' && !created.has(pod)) {
          created.add(pod);
          lastPod = performance.now();
          firstPod ||= lastPod;
          trace?.push(`${(lastPod - t0).toFixed(1)} created ${pod}`);
        }
        if (ev.object.status?.phase === 'Running' && !running.has(pod)) {
          running.add(pod);
          lastRunning = performance.now();
          trace?.push(`${(lastRunning - t0).toFixed(1)} running ${pod}`);
        }
      }),
    );

    const benchCpu0 = process.cpuUsage();
    const serverCpu0 = cpuSeconds(s.child.pid!);
    const threads0 = threadCpuSeconds(s.child.pid!);
    const simCpu0 = cpuSeconds(sim.pid!);
    t0 = performance.now();
    const pods = deployments * replicas;
    const errors = direct
      ? await runConcurrent(pods, DIRECT_CREATORS, async (i) => {
          const body = { apiVersion: 'v1', kind: 'Pod', metadata: { name: `p-${i}`, labels: { app: 'direct' } }, spec: deployment('direct', 1).spec.template.spec };
          const res = await call(s, 'POST', `/api/v1/namespaces/${NS}/pods`, body);
          if (res.status !== 201) throw new Error(`create: ${res.status} ${res.body}`);
        })
      : await runConcurrent(deployments, Math.min(CREATORS, deployments), async (i) => {
          const res = await call(s, 'POST', `/apis/apps/v1/namespaces/${NS}/deployments`, deployment(`d-${i}`, replicas));
          if (res.status !== 201) throw new Error(`create: ${res.status} ${res.body}`);
          trace?.push(`${(performance.now() - t0).toFixed(1)} deployment d-${i}`);
        });
    if (errors) throw new Error(`${errors} creates failed`);
    const finished = () => (direct ? running.size >= pods : done.size >= deployments);
    const deadline = Date.now() + TIMEOUT_MS;
    let lastLog = Date.now();
    while (!finished() && Date.now() < deadline) {
      await sleep(50);
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        process.stdout.write(`  [${name}] ${done.size}/${deployments} rolled out, ${created.size} pods created, ${running.size} Running\n`);
      }
    }
    const end = !finished() ? performance.now() : direct ? lastRunning : lastDone;
    if (trace) writeFileSync(`${process.env.BENCH_TRACE}.${name}`, trace.join('\n') + '\n');
    const requests = await requestCounts(s);
    const evs = JSON.parse((await call(s, 'GET', `/api/v1/namespaces/${NS}/events`)).body) as { items: { reason: string; count?: number }[] };
    const byReason = new Map<string, [number, number]>();
    for (const e of evs.items) {
      const [n, c] = byReason.get(e.reason) ?? [0, 0];
      byReason.set(e.reason, [n + 1, c + (e.count ?? 1)]);
    }
    const run: Run = {
      name,
      warm,
      deployments,
      replicas,
      totalS: (end - t0) / 1000,
      availableS: avail.size >= deployments ? (lastAvailable - t0) / 1000 : NaN,
      rolledOut: direct ? (finished() ? deployments : 0) : done.size,
      firstPodS: (firstPod - t0) / 1000,
      lastPodS: (lastPod - t0) / 1000,
      pods: created.size,
      running: running.size,
      lastRunningS: (lastRunning - t0) / 1000,
      serverCpuS: cpuSeconds(s.child.pid!) - serverCpu0,
      serverMainCpuS: threadCpuSeconds(s.child.pid!).main - threads0.main,
      serverPeakMiB: peakRssMiB(s.child.pid!),
      simCpuS: cpuSeconds(sim.pid!) - simCpu0,
      requests,
    };
    const benchCpu = process.cpuUsage(benchCpu0);
    const threads1 = threadCpuSeconds(s.child.pid!);
    const tag = `${name}${warm ? ' warm' : ' cold'}`;
    process.stdout.write(`[${tag}] server threads: ${[...threads1.byName].map(([k, v]) => [k, v - (threads0.byName.get(k) ?? 0)] as const).filter(([, v]) => v >= 0.01).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}\n`);
    process.stdout.write(`[${tag}] events by reason (objects/count): ${[...byReason].map(([k, [n, c]]) => `${k} ${n}/${c}`).join(', ')}\n`);
    process.stdout.write(`[${tag}] requests: ${requests.map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
    process.stdout.write(
      `[${tag}] ${run.rolledOut}/${deployments} rolled out in ${run.totalS.toFixed(2)} s (all Available at ${run.availableS.toFixed(2)} s); ${run.pods} pods created between ${run.firstPodS.toFixed(2)} s and ${run.lastPodS.toFixed(2)} s, ${run.running} Running by ${run.lastRunningS.toFixed(2)} s; server CPU ${run.serverCpuS.toFixed(1)} s (main thread ${run.serverMainCpuS.toFixed(1)} s), peak RSS ${run.serverPeakMiB.toFixed(0)} MiB; sim CPU ${run.simCpuS.toFixed(1)} s; benchmark process CPU ${((benchCpu.user + benchCpu.system) / 1e6).toFixed(2)} s (${fullDecodes} pod events decoded in full)\n`,
    );
    return run;
  } finally {
    for (const c of closers) c();
    if (sim) await stopChild(sim);
    await s.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const loadStart = load1();
  const runs: Run[] = [];
  const temps = WARMUP > 0 ? [false, true] : [false];
  for (const warm of temps) {
    if (!ONLY || ONLY.includes('baseline')) runs.push(await runScenario('baseline', MANY, MANY_REPLICAS, true, warm));
    if (!ONLY || ONLY.includes('many')) runs.push(await runScenario('many', MANY, MANY_REPLICAS, false, warm));
    if (!ONLY || ONLY.includes('big')) runs.push(await runScenario('big', 1, BIG_REPLICAS, false, warm));
  }
  const f = (n: number, d = 0) => n.toFixed(d);
  const podRate = (r: Run) => (r.pods > 1 ? (r.pods - 1) / (r.lastPodS - r.firstPodS) : NaN);
  const rows: string[] = [];
  const order = ['baseline', 'many', 'big'];
  runs.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name) || Number(b.warm) - Number(a.warm));
  for (const r of runs) {
    const base = runs.find((b) => b.name === 'baseline' && b.warm === r.warm);
    const baseRate = base && base.rolledOut ? (base.deployments * base.replicas) / base.totalS : NaN;
    const vsBase = (podsPerS: number) => (Number.isNaN(baseRate) ? '' : `; ${f(podsPerS / baseRate, 2)}x the ${r.warm ? 'warm' : 'fresh'} baseline's pods/s`);
    const server = r.warm ? 'warm server' : '**fresh server** (cold start)';
    // targets are judged on the warm server; a fresh server's row shows the cost of V8's warm-up
    const judge = (ok: boolean) => (r.warm ? (ok ? 'met' : '**not met**') : ok ? '(met)' : '(not met)');
    const all = r.rolledOut === r.deployments;
    const res = all ? '' : ` (**only ${r.rolledOut}/${r.deployments} rolled out**)`;
    const costs = `server (API + scheduler + controllers) CPU ${f(r.serverCpuS, 1)} s, of which its main thread (the API server) ${f(r.serverMainCpuS, 1)} s; peak RSS ${f(r.serverPeakMiB)} MiB; sim CPU ${f(r.simCpuS, 1)} s`;
    if (r.name === 'baseline') {
      rows.push(`| baseline, ${server}: the same ${r.deployments * r.replicas} pods created directly by ${DIRECT_CREATORS} clients (no controllers), all Running | ${f((r.deployments * r.replicas) / r.totalS)} pods/s (${f(r.totalS, 2)} s${res}) | | |`);
      rows.push(`| … cost | ${costs} | | |`);
    } else if (r.name === 'many') {
      const rate = r.deployments / r.availableS;
      rows.push(`| ${r.deployments} Deployments x ${r.replicas} replicas, ${server}, all Available (condition Available=True: at least replicas - maxUnavailable available) | ${Number.isNaN(rate) ? '**not all Available**' : `${f(rate, 1)} Deployments/s (${f(r.availableS, 2)} s)`} | >= 50 Deployments/s (kwok: ~5 under default client rate limits) | ${judge(!Number.isNaN(rate) && rate >= 50)} |`);
      rows.push(`| … all rolled out (every replica updated and available, what \`kubectl rollout status\` waits for) | ${f(r.rolledOut / r.totalS, 1)} Deployments/s (${f(r.totalS, 2)} s${res}) | | |`);
      rows.push(`| … pods created by the controllers | ${r.pods} in ${f(r.lastPodS - r.firstPodS, 2)} s = ${f(podRate(r))} pods/s (first after ${f(r.firstPodS, 2)} s); ${r.running} Running by ${f(r.lastRunningS, 2)} s (${f(r.running / r.lastRunningS)} pods/s to Running${vsBase(r.running / r.lastRunningS)}) | | |`);
      rows.push(`| … cost | ${costs} | | |`);
    } else {
      rows.push(`| 1 Deployment x ${r.replicas} replicas, ${server}, Available | ${f(r.totalS, 2)} s${res} | | |`);
      const rate = podRate(r);
      rows.push(`| … pods created by the ReplicaSet controller | ${f(rate)} pods/s (${r.pods} pods between ${f(r.firstPodS, 2)} s and ${f(r.lastPodS, 2)} s); ${r.running} Running by ${f(r.lastRunningS, 2)} s (${f(r.running / r.lastRunningS)} pods/s to Running${vsBase(r.running / r.lastRunningS)}) | >= 1,000 pods/s | ${judge(rate >= 1000)} |`);
      rows.push(`| … cost | ${costs} | | |`);
    }
  }
  const body = `Command: \`npm run bench:controllers\` (${new Date().toISOString().slice(0, 10)}). Machine: ${machine()}.
Method: for each scenario and each of two server states a fresh \`kubelite server --disable-agent\` process (with the node flags \`bin/kubelite\` gives the server; API server and SQLite on its main thread, scheduler and controller manager on its components thread, as the server runs by default) and \`kubelite sim --nodes ${NODES}\` as a second process (pods bound to its nodes become Running and Ready with an IP). The benchmark creates the Deployments (${CREATORS} concurrent clients) and follows watches on Deployments and pods; the clock runs from the first create request until every Deployment is Available (its Available condition True), and until every one is rolled out (observedGeneration current, updatedReplicas = availableReplicas = replicas: what \`kubectl rollout status\` waits for). Pods/s counts pod ADDED events on the watch between the first and the last. A **warm server** has first rolled out ${WARMUP} Deployments x ${MANY_REPLICAS} replicas in another namespace (they stay; the clock starts 1 s after they are Available), as a cluster's server that has been up for a while has: its code compiled by V8. A **fresh server** meets the workload right after its start, while V8 still interprets and compiles the code (its compiler threads then use about as much CPU as the API thread). The targets are judged on the warm server; the fresh server's rows show the cold-start cost. All processes share the 2 cores. 1-minute load average at start / end: ${loadStart} / ${load1()} (the benchmark's own processes account for about 2; more means other work was running on the machine too).${Number(loadStart) > 3 ? ' **Preliminary**: measured while other work loaded the machine.' : ''}

| measure | result | target | met? |
|---|---|---|---|
${rows.join('\n')}
`;
  writeSection('Controllers (bench:controllers)', body);
  process.stdout.write(body + '\n');
}

await main();
