// Quick create-throughput loop for profiling: node dist/bench/quick.js [creates] [--prof dir]
// Starts a server process (optionally under --cpu-prof), measures idle RSS after 3 s, then
// runs creates with 64 keep-alive clients and prints creates/s, p50/p99.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'node:https';
import { ROOT, call, percentile, rssMiB, sleep, type ServerProc } from './lib.js';

const args = process.argv.slice(2);
const CREATES = Number(args.find((a) => /^\d+$/.test(a)) ?? 6000);
const profIdx = args.indexOf('--prof');
const profDir = profIdx >= 0 ? args[profIdx + 1] : undefined;
const CONCURRENCY = 64;

const podBody = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { app: 'bench', run: name } },
  spec: { containers: [{ name: 'main', image: 'busybox:1.36', ports: [{ containerPort: 8080 }], resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
});

/** utime + stime of a process, in seconds. */
function cpuSecs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

async function start(dataDir: string): Promise<ServerProc> {
  const nodeArgs = profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [];
  const child = spawn(process.execPath, [...nodeArgs, join(ROOT, 'bin', 'kubelite.js'), 'server', '--data-dir', dataDir, '--https-listen-port', '0', '--bind-address', '127.0.0.1', '--disable-agent', '--log-level', 'warn'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<URL>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (https:\/\/\S+)/.exec(out);
      if (m) resolve(new URL(m[1]!));
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
  const token = readFileSync(join(dataDir, 'server', 'token'), 'utf8').trim();
  const ca = readFileSync(join(dataDir, 'server', 'tls', 'ca.crt'), 'utf8');
  const agent = new Agent({ keepAlive: true, maxSockets: 256, ca });
  return {
    child,
    url,
    token,
    ca,
    agent,
    stop: () =>
      new Promise((resolve) => {
        agent.destroy();
        child.once('exit', () => resolve());
        child.kill('SIGINT');
      }),
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kubelite-quick-'));
  try {
    const s = await start(join(dir, 'server'));
    await sleep(3000);
    const idle = rssMiB(s.child.pid!);
    const r = await call(s, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } });
    if (r.status !== 201) throw new Error(`namespace: ${r.status} ${r.body}`);
    const lat: number[] = [];
    let next = 0;
    let errors = 0;
    const cpu0 = cpuSecs(s.child.pid!);
    const self0 = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (;;) {
          const i = next++;
          if (i >= CREATES) return;
          const a = performance.now();
          const res = await call(s, 'POST', '/api/v1/namespaces/bench/pods', podBody(`p-${i}`));
          lat.push(performance.now() - a);
          if (res.status !== 201) errors++;
        }
      }),
    );
    const secs = (performance.now() - t0) / 1000;
    const serverCpu = cpuSecs(s.child.pid!) - cpu0;
    const c = process.cpuUsage(self0);
    const clientCpu = (c.user + c.system) / 1e6;
    lat.sort((a, b) => a - b);
    await s.stop();
    console.log(`idle RSS ${idle.toFixed(1)} MiB; ${CREATES} creates: ${(CREATES / secs).toFixed(0)}/s p50 ${percentile(lat, 50).toFixed(1)} ms p99 ${percentile(lat, 99).toFixed(1)} ms errors ${errors}; CPU per create: server ${((serverCpu / CREATES) * 1e6).toFixed(0)} us, client ${((clientCpu / CREATES) * 1e6).toFixed(0)} us`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
