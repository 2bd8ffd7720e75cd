// Shared benchmark plumbing: start a kubelite server process, HTTPS load, percentiles,
// and BENCHMARKS.md sections.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
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

export async function startServerProcess(dataDir: string, extraArgs: string[] = []): Promise<ServerProc> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'kubelite.js'), 'server', '--data-dir', dataDir, '--https-listen-port', '0', '--bind-address', '127.0.0.1', '--disable-agent', '--log-level', 'warn', ...extraArgs], {
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
