// npm run bench:scale — 5,000 simulated nodes and 150,000 pods (Kubernetes' tested maximum)
// created, scheduled and Running on this one machine; the server's peak RSS; and whether a
// chunked `kubectl get pods -A` still answers.
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { load1, call, cpuSeconds, machine, peakRssMiB, rssMiB, runConcurrent, sleep, spawnKubelite, startServerProcess, stopChild, watchLines, writeSection } from './lib.js';

const NODES = Number(process.env.BENCH_NODES ?? 5000);
const PODS = Number(process.env.BENCH_PODS ?? 150_000);
const NAMESPACES = 5;
const CREATORS = 64;
const KUBECTL = '/usr/bin/kubectl';
// BENCH_SCHEDULER=inprocess: the scheduler inside `kubelite server` (its default) instead of its own process
const IN_PROCESS_SCHEDULER = process.env.BENCH_SCHEDULER === 'inprocess';
const PHASE_TIMEOUT_MS = Number(process.env.BENCH_PHASE_TIMEOUT_MS ?? 600_000);

const podBody = (i: number) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: `p-${i}` },
  spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
});

const META = /"metadata":\{"resourceVersion":"\d+","name":"([^"]+)","namespace":"([^"]+)"/;

async function waitUntil(what: string, done: () => boolean, timeoutMs: number, progress: () => string): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let lastLog = 0;
  while (!done()) {
    if (Date.now() > deadline) {
      process.stdout.write(`timed out waiting for ${what}: ${progress()}\n`);
      return false;
    }
    if (Date.now() - lastLog > 10_000) {
      lastLog = Date.now();
      process.stdout.write(`  ${what}: ${progress()}\n`);
    }
    await sleep(200);
  }
  return true;
}

function runKubectl(kubeconfig: string, home: string, timeoutMs: number): Promise<{ code: number | null; lines: number; ms: number; err: string }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(KUBECTL, ['get', 'pods', '-A', '--chunk-size=500', '--kubeconfig', kubeconfig], { env: { PATH: process.env.PATH ?? '', HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
    let lines = 0;
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      for (let i = d.indexOf(10); i >= 0; i = d.indexOf(10, i + 1)) lines++;
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, lines, ms: performance.now() - t0, err: err.slice(0, 500) });
    });
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kubelite-scale-'));
  const dataDir = join(dir, 'data');
  const tStart = performance.now();
  const loadStart = load1();
  const s = await startServerProcess(dataDir, IN_PROCESS_SCHEDULER ? [] : ['--disable-scheduler']);
  const pid = s.child.pid!;
  let sched: Awaited<ReturnType<typeof spawnKubelite>>['child'] | undefined;
  let peakSampled = 0;
  const sampler = setInterval(() => {
    try {
      peakSampled = Math.max(peakSampled, rssMiB(pid));
    } catch {
      /* exited */
    }
  }, 1000);
  let sim: Awaited<ReturnType<typeof spawnKubelite>>['child'] | undefined;
  const phases: [string, number][] = [];
  const mark = (() => {
    let last = performance.now();
    return (name: string) => {
      const now = performance.now();
      phases.push([name, (now - last) / 1000]);
      process.stdout.write(`${name}: ${((now - last) / 1000).toFixed(1)}s (RSS now ${rssMiB(pid).toFixed(0)} MiB)\n`);
      last = now;
    };
  })();
  try {
    const kubeconfig = join(dataDir, 'kubeconfig.yaml');
    if (!IN_PROCESS_SCHEDULER) sched = (await spawnKubelite(['scheduler', '--kubeconfig', kubeconfig, '--log-level', 'warn'], /caches synced/, 60_000)).child;
    mark(IN_PROCESS_SCHEDULER ? 'server start' : 'server and scheduler start');
    const simProc = await spawnKubelite(['sim', '--nodes', String(NODES), '--kubeconfig', kubeconfig, '--concurrency', '64'], /registered and Ready/, PHASE_TIMEOUT_MS);
    sim = simProc.child;
    mark(`${NODES} nodes registered and Ready`);
    for (let n = 0; n < NAMESPACES; n++) await call(s, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `scale-${n}` } });
    const scheduled = new Set<string>();
    const running = new Set<string>();
    const list = JSON.parse((await call(s, 'GET', '/api/v1/pods?limit=1')).body) as { metadata: { resourceVersion: string } };
    let watchFrom = list.metadata.resourceVersion;
    const onLine = (line: string) => {
      const m = META.exec(line);
      let key: string;
      let ev: string = line;
      if (m) key = `${m[2]}/${m[1]}`;
      else {
        const parsed = JSON.parse(line) as { object: { metadata?: { name?: string; namespace?: string; resourceVersion?: string } } };
        if (!parsed.object.metadata?.namespace) {
          if (parsed.object.metadata?.resourceVersion) watchFrom = parsed.object.metadata.resourceVersion;
          return;
        }
        key = `${parsed.object.metadata.namespace}/${parsed.object.metadata.name}`;
        ev = line;
      }
      const rv = /"resourceVersion":"(\d+)"/.exec(ev);
      if (rv) watchFrom = rv[1]!;
      if (ev.includes('"nodeName":"')) scheduled.add(key);
      if (ev.includes('"phase":"Running"')) running.add(key);
    };
    let closeWatch = await watchLines(s, `/api/v1/pods?watch=true&allowWatchBookmarks=true&resourceVersion=${watchFrom}`, onLine);
    // re-open the watch if the server ends it (timeouts)
    const rewatch = setInterval(() => {
      void (async () => {
        try {
          const w = await watchLines(s, `/api/v1/pods?watch=true&allowWatchBookmarks=true&resourceVersion=${watchFrom}`, onLine);
          closeWatch();
          closeWatch = w;
        } catch {
          /* next round */
        }
      })();
    }, 240_000);
    const c0 = performance.now();
    let created = 0;
    const progressTimer = setInterval(() => process.stdout.write(`  creating: ${created} created, ${scheduled.size} scheduled, ${running.size} Running, server RSS ${rssMiB(pid).toFixed(0)} MiB\n`), 15_000);
    const errors = await runConcurrent(PODS, CREATORS, async (i) => {
      created++;
      const ns = `scale-${i % NAMESPACES}`;
      for (let attempt = 0; ; attempt++) {
        const r = await call(s, 'POST', `/api/v1/namespaces/${ns}/pods`, podBody(i));
        if (r.status === 201 || (r.status === 409 && attempt > 0)) return;
        if (attempt >= 5) throw new Error(`create: ${r.status} ${r.body.slice(0, 200)}`);
        await sleep(200);
      }
    });
    clearInterval(progressTimer);
    const createS = (performance.now() - c0) / 1000;
    mark(`${PODS} pods created (${(PODS / createS).toFixed(0)}/s, ${errors} errors; scheduler and sim running meanwhile)`);
    const progress = () => `${scheduled.size} scheduled, ${running.size} Running, server RSS ${rssMiB(pid).toFixed(0)} MiB`;
    const allScheduled = await waitUntil('scheduling', () => scheduled.size >= PODS, PHASE_TIMEOUT_MS, progress);
    mark(`all scheduled (${scheduled.size}); ${running.size} Running by then`);
    const allRunning = await waitUntil('Running', () => running.size >= PODS, PHASE_TIMEOUT_MS, progress);
    mark(`all Running (${running.size})`);
    const totalS = (performance.now() - tStart) / 1000;
    clearInterval(rewatch);
    closeWatch();
    await sleep(2000);
    const rssSettled = rssMiB(pid);
    const serverCpuS = cpuSeconds(pid);
    let kubectlRow: string;
    if (!existsSync(KUBECTL)) kubectlRow = `| \`kubectl get pods -A --chunk-size=500\` | kubectl is not installed at ${KUBECTL}: not measured | answers | **not measured** |`;
    else {
      const home = join(dir, 'home');
      mkdirSync(home);
      const k = await runKubectl(kubeconfig, home, 300_000);
      const ok = k.code === 0 && k.lines === PODS + 1;
      kubectlRow = `| \`kubectl get pods -A --chunk-size=500\` (fresh HOME) | ${k.code === 0 ? 'exit 0' : `exit ${k.code} ${k.err}`}, ${k.lines} lines (${PODS} pods + header) in ${(k.ms / 1000).toFixed(1)} s | answers with every pod | ${ok ? 'met' : '**not met**'} |`;
      process.stdout.write(`kubectl: ${k.code} ${k.lines} lines ${(k.ms / 1000).toFixed(1)}s ${k.err}\n`);
    }
    const peak = Math.max(peakSampled, peakRssMiB(pid));
    const schedPeak = sched ? peakRssMiB(sched.pid!) : 0;
    const schedCpu = sched ? cpuSeconds(sched.pid!) : 0;
    const f = (n: number, d = 0) => n.toFixed(d);
    const body = `Command: \`npm run bench:scale\` (${new Date().toISOString().slice(0, 10)}). Machine: ${machine()}.
Method: ${IN_PROCESS_SCHEDULER ? 'one \`kubelite server\` process (API server and SQLite store on its main thread, scheduler and controller manager on its components thread: the default)' : 'one \`kubelite server --disable-scheduler\` process (API server and SQLite store on its main thread, the controller manager on its components thread) and \`kubelite scheduler\` as its own process, as kube-apiserver and kube-scheduler are (\`BENCH_SCHEDULER=inprocess\` runs the in-process default instead)'}; \`kubelite sim --nodes ${NODES}\` as a second process (Ready nodes, leases every 10 s, pods it is given become Running with an IP); the benchmark process creates ${PODS.toLocaleString('en-US')} pods (1 container, requests 10m / 16Mi) over ${NAMESPACES} namespaces with ${CREATORS} concurrent clients while scheduling and the sim run, and follows a watch on all pods to see each one scheduled and Running. Server RSS is sampled every second (VmRSS) and VmHWM read at the end. All processes share the 2 cores. 1-minute load average at start / end: ${loadStart} / ${load1()} (anything above ~3 means other work was running on the machine too).

| phase | time |
|---|---|
${phases.map(([n, t]) => `| ${n} | ${f(t, 1)} s |`).join('\n')}
| **total** (server start to all Running) | **${f(totalS, 1)} s** |

| measure | result | target | met? |
|---|---|---|---|
| ${NODES.toLocaleString('en-US')} nodes + ${PODS.toLocaleString('en-US')} pods scheduled and Running | ${allScheduled && allRunning ? 'yes' : `no: ${scheduled.size} scheduled, ${running.size} Running`} in ${f(totalS)} s | all, within ~15 min | ${allScheduled && allRunning && totalS < 900 ? 'met' : '**not met**'} |
| server peak RSS | ${f(peak)} MiB (${f(rssSettled)} MiB settled after the run); server CPU ${f(serverCpuS)} s in all | <= 4 GB | ${peak <= 4096 ? 'met' : '**not met**'} |
${sched ? `| scheduler (own process) peak RSS / CPU | ${f(schedPeak)} MiB / ${f(schedCpu)} s (server + scheduler peak RSS together: ${f(peak + schedPeak)} MiB) | | |\n` : ''}${kubectlRow}
`;
    writeSection('Scale: 5,000 nodes, 150,000 pods (bench:scale)', body);
    process.stdout.write(body + '\n');
  } finally {
    clearInterval(sampler);
    if (sim) await stopChild(sim, 30_000);
    if (sched) await stopChild(sched);
    await s.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
