// Shared benchmark plumbing: start a kubelite server process, HTTPS load, percentiles,
// and BENCHMARKS.md sections.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { request, Agent } from 'node:https';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ServerProc {
  child: ChildProcess;
  url: URL;
  token: string;
  ca: string;
  agent: Agent;
  stop(): Promise<void>;
}

export async function startServerProcess(dataDir: string, extraArgs: string[] = [], nodeArgs: string[] = serverProfArgs(), opts: { agent?: boolean } = {}): Promise<ServerProc> {
  const child = spawn(process.execPath, [...nodeArgs, join(ROOT, 'bin', 'kubelite.js'), 'server', '--data-dir', dataDir, '--https-listen-port', '0', '--bind-address', '127.0.0.1', ...(opts.agent ? [] : ['--disable-agent']), '--log-level', 'warn', ...extraArgs, ...(process.env.BENCH_SERVER_ARGS ?? '').split(' ').filter(Boolean)], {
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
        child.kill('SIGTERM');
      }),
  };
}

/**
 * BENCH_SERVER_CPU_PROF=DIR: write a --cpu-prof of each server process to DIR;
 * BENCH_SERVER_NODE_ARGS: more node options for the server (e.g. V8 flags to compare);
 * BENCH_SERVER_ARGS: more `kubelite server` flags (e.g. --single-thread to compare).
 */
function serverProfArgs(): string[] {
  const dir = process.env.BENCH_SERVER_CPU_PROF;
  const extra = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  // bin/kubelite's flags first (what users run), so that a flag given here overrides them
  return [...roleNodeFlags('server'), ...extra, ...(dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [])];
}

/**
 * The node flags bin/kubelite (the command users run) gives a role: benchmarks that start
 * node + bin/kubelite.js themselves (to add --cpu-prof, which NODE_OPTIONS refuses) use them.
 */
export function roleNodeFlags(role: string): string[] {
  const line = readFileSync(join(ROOT, 'bin', 'kubelite'), 'utf8').split('\n').find((l) => new RegExp(`^\\s*${role}\\)`).test(l)) ?? '';
  return line.split(/\s+/).filter((w) => w.startsWith('--'));
}

export interface Reply {
  status: number;
  body: string;
}

export function call(s: ServerProc, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = request(
      {
        host: s.url.hostname,
        port: s.url.port,
        method,
        path,
        agent: s.agent,
        headers: { Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/json', Accept: 'application/json', ...(data ? { 'Content-Length': data.length } : {}), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) / 1024 : NaN;
}

/** 1-minute load average, to show when other work shared the machine during a run. */
export function load1(): string {
  return loadavg()[0]!.toFixed(1);
}

export function machine(): string {
  const c = cpus();
  return `${c.length} x ${c[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}, ${process.platform}`;
}

/** Replace (or append) the section `## title` of BENCHMARKS.md. */
export function writeSection(title: string, body: string): void {
  const file = join(ROOT, 'BENCHMARKS.md');
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '# kubelite benchmarks\n\nEvery figure below was produced by the command named in its section, on the machine it names.\n';
  const header = `## ${title}`;
  const start = text.indexOf(header);
  const section = `${header}\n\n${body.trim()}\n`;
  if (start < 0) text = text.trimEnd() + '\n\n' + section;
  else {
    const next = text.indexOf('\n## ', start + header.length);
    text = text.slice(0, start) + section + (next < 0 ? '' : text.slice(next + 1));
  }
  writeFileSync(file, text.trimEnd() + '\n');
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** user+system CPU seconds of a process so far (/proc/PID/stat). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields after "(comm) ": state=0 ... utime=11, stime=12 (clock ticks, 100 per second on Linux)
  return (Number(f[11]) + Number(f[12])) / 100;
}

/**
 * CPU seconds of a process's main thread (for `kubelite server`, the API server's event loop)
 * and of all its other threads together (the components thread, V8's GC and compiler helpers,
 * libuv's pool).
 */
export function threadCpuSeconds(pid: number): { main: number; other: number; byName: Map<string, number> } {
  const out = { main: 0, other: 0, byName: new Map<string, number>() };
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended meanwhile
    }
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const s = (Number(f[11]) + Number(f[12])) / 100;
    if (Number(tid) === pid) out.main += s;
    else out.other += s;
    const name = Number(tid) === pid ? 'main' : `${stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))}/${tid}`;
    out.byName.set(name, (out.byName.get(name) ?? 0) + s);
  }
  return out;
}

/** Peak RSS (VmHWM) of a process, in MiB. */
export function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Run `count` tasks with `concurrency` workers; returns the number of tasks that threw. */
export async function runConcurrent(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  let errors = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const i = next++;
        if (i >= count) return;
        try {
          await task(i);
        } catch {
          errors++;
        }
      }
    }),
  );
  return errors;
}

/** Spawn `kubelite ARGS...` (e.g. the scheduler) and resolve once a stdout line matches `ready`. */
export async function spawnKubelite(args: string[], ready: RegExp, timeoutMs: number, nodeArgs: string[] = roleNodeFlags(args[0] ?? ''), command?: string): Promise<{ child: ChildProcess; readyAt: number }> {
  // command: run this executable (e.g. bin/kubelite, the shell entry point) instead of node + bin/kubelite.js
  const child = command ? spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] }) : spawn(process.execPath, [...nodeArgs, join(ROOT, 'bin', 'kubelite.js'), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const readyAt = await new Promise<number>((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`kubelite ${args[0]} not ready after ${timeoutMs} ms: ${out}`)), timeoutMs);
    child.stdout!.on('data', (d) => {
      out += d;
      if (ready.test(out)) {
        clearTimeout(t);
        resolve(performance.now());
      }
    });
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`kubelite ${args[0]} exited with ${code}: ${out}`));
    });
  });
  return { child, readyAt };
}

export function stopChild(child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Watch a collection from `resourceVersion` and call onLine with each raw event line;
 * returns a function that closes the watch.
 */
export function watchLines(s: ServerProc, path: string, onLine: (line: string) => void): Promise<() => void> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: s.url.hostname, port: s.url.port, path, agent: s.agent, headers: { Authorization: `Bearer ${s.token}`, Accept: 'application/json' } },
      (res) => {
        if (res.statusCode !== 200) return reject(new Error(`watch ${path}: HTTP ${res.statusCode}`));
        resolve(() => req.destroy());
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          buf += d;
          let start = 0;
          let nl: number;
          while ((nl = buf.indexOf('\n', start)) >= 0) {
            onLine(buf.slice(start, nl));
            start = nl + 1;
          }
          buf = buf.slice(start);
        });
        res.on('error', () => undefined);
      },
    );
    req.on('error', (err) => reject(err));
    req.end();
  });
}

/** RestConfig-shaped connection settings of a benchmark server. */
export function restConfigOf(s: ServerProc): { server: string; token: string; caPem: string } {
  return { server: s.url.origin, token: s.token, caPem: s.ca };
}
