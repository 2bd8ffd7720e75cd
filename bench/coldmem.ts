// node dist/bench/coldmem.js [cold|mem|both] — the two bench:pods figures that are about the
// node agent's start and footprint, alone and quicker to repeat (run as root, under the e2e lock):
//   cold: `kubelite server` on a fresh data dir, then again on the same dir, to the first pod Running
//   mem:  `kubelite agent` (through bin/kubelite) joining a `--disable-agent` server: its RSS at
//         registration and after 10 s idle, with the /proc breakdown (anonymous vs file-backed)
// COLDMEM_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/x" adds Node flags to the cold-start server.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'node:https';
import type { KubeObject } from '../src/api/types.js';
import { freePort } from '../src/cri/containerd.js';
import { BUSYBOX_IMAGE } from '../src/cri/images/build.js';
import { ROOT, call, roleNodeFlags, cpuSeconds, sleep, spawnKubelite, startServerProcess, stopChild, watchLines, type ServerProc } from './lib.js';

const pod = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { bench: 'coldmem' } },
  spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: BUSYBOX_IMAGE, imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }] },
});

function running(p: KubeObject): boolean {
  const st = (p.status?.containerStatuses ?? []) as { state?: { running?: unknown } }[];
  return st.length === 1 && st[0]!.state?.running !== undefined;
}

async function connectWhenUp(dataDir: string, port: number): Promise<ServerProc> {
  const tokenFile = join(dataDir, 'server', 'token');
  const caFile = join(dataDir, 'server', 'tls', 'ca.crt');
  for (let i = 0; i < 3000; i++) {
    if (existsSync(tokenFile) && existsSync(caFile)) {
      const ca = readFileSync(caFile, 'utf8');
      const s: ServerProc = { child: undefined as never, url: new URL(`https://127.0.0.1:${port}`), token: readFileSync(tokenFile, 'utf8').trim(), ca, agent: new Agent({ keepAlive: true, ca }), stop: async () => undefined };
      for (let j = 0; j < 3000; j++) {
        const r = await call(s, 'GET', '/readyz').catch(() => undefined);
        if (r?.status === 200) return s;
        await sleep(10);
      }
      throw new Error('no /readyz');
    }
    await sleep(10);
  }
  throw new Error('no token/CA');
}

async function coldStart(dataDir: string): Promise<{ ms: number; upMs: number; child: ChildProcess; cpu: number }> {
  const port = await freePort();
  const nodeArgs = (process.env.COLDMEM_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const t0 = performance.now();
  const child = spawn(process.execPath, [...roleNodeFlags('server'), ...nodeArgs, join(ROOT, 'bin', 'kubelite.js'), 'server', '--data-dir', dataDir, '--https-listen-port', String(port), '--bind-address', '127.0.0.1', '--log-level', process.env.COLDMEM_LOG ?? 'warn'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const s = await connectWhenUp(dataDir, port);
  const upMs = performance.now() - t0;
  let resolveRunning!: (t: number) => void;
  const ran = new Promise<number>((r) => (resolveRunning = r));
  const close = await watchLines(s, '/api/v1/namespaces/default/pods?watch=true', (line) => {
    const ev = JSON.parse(line) as { type: string; object: KubeObject };
    if (ev.type !== 'DELETED' && running(ev.object)) resolveRunning(performance.now());
  });
  for (;;) {
    const r = await call(s, 'POST', '/api/v1/namespaces/default/pods', pod('cold')).catch(() => ({ status: 0, body: '' }));
    if (r.status === 201) break;
    await sleep(20);
  }
  const created = performance.now();
  const t1 = await ran;
  if (process.env.COLDMEM_LOG) process.stdout.write(`spawned at ${(Date.now() - (performance.now() - t0)).toFixed(0)}: API ready +${upMs.toFixed(0)}, pod created +${(created - t0).toFixed(0)}, running +${(t1 - t0).toFixed(0)}\n`);
  const cpu = cpuSeconds(child.pid!);
  close();
  await call(s, 'DELETE', '/api/v1/namespaces/default/pods/cold?gracePeriodSeconds=0');
  for (let i = 0; i < 300; i++) {
    const r = await call(s, 'GET', '/api/v1/namespaces/default/pods');
    if ((JSON.parse(r.body) as { items: unknown[] }).items.length === 0) break;
    await sleep(100);
  }
  s.agent.destroy();
  return { ms: t1 - t0, upMs, child, cpu };
}

function status(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
    const m = /^(VmRSS|RssAnon|RssFile|RssShmem|VmHWM|Threads):\s+(\d+)/.exec(l);
    if (m) out[m[1]!] = m[1] === 'Threads' ? Number(m[2]) : Math.round(Number(m[2]) / 102.4) / 10;
  }
  return out;
}

/** Resident kB per mapping (file path or [heap]/anon), largest first. */
function smaps(pid: number): string {
  const by = new Map<string, number>();
  let cur = '';
  for (const l of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(l);
    if (head) cur = head[1] || '[anon]';
    const m = /^Rss:\s+(\d+) kB/.exec(l);
    if (m) by.set(cur, (by.get(cur) ?? 0) + Number(m[1]));
  }
  return [...by].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([k, v]) => `  ${v} kB ${k}\n`).join('');
}

async function mem(base: string): Promise<void> {
  const server = await startServerProcess(join(base, 'server'));
  const { child } = await spawnKubelite(
    ['agent', '--server', server.url.origin, '--token', server.token, '--ca-file', join(base, 'server', 'server', 'tls', 'ca.crt'), '--data-dir', join(base, 'agent'), '--node-name', 'coldmem-node', '--log-level', 'warn'],
    /registered/,
    60_000,
    [],
    join(ROOT, 'bin', 'kubelite'),
  );
  try {
    const pid = child.pid!;
    process.stdout.write(`agent at registration: ${JSON.stringify(status(pid))} cpu ${cpuSeconds(pid).toFixed(2)} s\n`);
    await sleep(10_000);
    process.stdout.write(`agent after 10 s idle: ${JSON.stringify(status(pid))} cpu ${cpuSeconds(pid).toFixed(2)} s\n`);
    if (process.env.COLDMEM_SMAPS) process.stdout.write(smaps(pid));
    if (process.env.COLDMEM_PODS) {
      const n = Number(process.env.COLDMEM_PODS);
      let resolveAll!: () => void;
      const all = new Promise<void>((r) => (resolveAll = r));
      const seen = new Set<string>();
      const close = await watchLines(server, '/api/v1/namespaces/default/pods?watch=true', (line) => {
        const ev = JSON.parse(line) as { type: string; object: KubeObject };
        if (ev.type !== 'DELETED' && running(ev.object)) seen.add(ev.object.metadata.name!);
        if (seen.size === n) resolveAll();
      });
      const cpu0 = cpuSeconds(pid);
      const t0 = performance.now();
      for (let i = 0; i < n; i++) {
        const p = pod(`m${i}`);
        (p.spec as { nodeName?: string }).nodeName = 'coldmem-node';
        await call(server, 'POST', '/api/v1/namespaces/default/pods', p);
      }
      await all;
      process.stdout.write(`${n} pods running in ${(performance.now() - t0).toFixed(0)} ms; agent CPU ${(cpuSeconds(pid) - cpu0).toFixed(2)} s; ${JSON.stringify(status(pid))}\n`);
      close();
      await call(server, 'DELETE', '/api/v1/namespaces/default/pods?labelSelector=bench%3Dcoldmem');
      for (let i = 0; i < 300; i++) {
        const r = await call(server, 'GET', '/api/v1/namespaces/default/pods');
        if ((JSON.parse(r.body) as { items: unknown[] }).items.length === 0) break;
        await sleep(200);
      }
    }
  } finally {
    await stopChild(child, 30_000);
    await server.stop();
  }
}

function cleanup(base: string): void {
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(base)) process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone
    }
  }
  const mounts = readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1] ?? '')
    .filter((m) => m.startsWith(base))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) spawnSync('umount', ['-l', m]);
  rmSync(base, { recursive: true, force: true });
}

async function main(): Promise<void> {
  const what = process.argv[2] ?? 'both';
  const base = mkdtempSync(join(tmpdir(), 'kubelite-coldmem-'));
  try {
    if (what === 'cold' || what === 'both') {
      const dir = join(base, 'cold');
      const fresh = await coldStart(dir);
      await stopChild(fresh.child, 30_000);
      const warm = await coldStart(dir);
      await stopChild(warm.child, 30_000);
      process.stdout.write(`cold start fresh: ${fresh.ms.toFixed(0)} ms (API ready ${fresh.upMs.toFixed(0)} ms, server CPU ${fresh.cpu.toFixed(2)} s)\n`);
      process.stdout.write(`start existing dir: ${warm.ms.toFixed(0)} ms (API ready ${warm.upMs.toFixed(0)} ms, server CPU ${warm.cpu.toFixed(2)} s)\n`);
    }
    if (what === 'mem' || what === 'both') await mem(base);
  } finally {
    cleanup(base);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`coldmem failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
