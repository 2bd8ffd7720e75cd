// Test harness: a real kubelite server in-process (HTTPS, SQLite in a temp dir) and
// runners for the real kubectl binary.
import { mkdtempSync, rmSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { silentLogger, createLogger } from '../../src/util/logger.js';

export interface TestCluster extends RunningServer {
  dir: string;
  kubectl(args: string[], opts?: KubectlOptions): Promise<KubectlResult>;
  close(): Promise<void>;
}

export interface KubectlOptions {
  input?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

export interface KubectlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A server for tests; the scheduler and controllers run only when asked (API tests want pods left alone). */
export async function startTestCluster(opts: { dir?: string; scheduler?: boolean; controllers?: boolean; componentsThread?: boolean } = {}): Promise<TestCluster> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'kubelite-test-'));
  const log = process.env.KUBELITE_TEST_LOG ? createLogger({ level: process.env.KUBELITE_TEST_LOG }) : silentLogger();
  const s = await startServer({ dataDir: dir, httpsPort: 0, bindAddress: '127.0.0.1', disableAgent: true, disableScheduler: !opts.scheduler, disableControllers: !opts.controllers, componentsThread: opts.componentsThread, log });
  const home = join(dir, 'home');
  mkdirSync(home, { recursive: true });
  return {
    ...s,
    dir,
    kubectl: (args, o) => runKubectl(s.kubeconfigPath, home, args, o),
    close: async () => {
      await s.stop();
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Path of the real kubectl, or undefined when this machine has none. */
export function kubectlPath(): string | undefined {
  for (const p of [process.env.KUBECTL, '/usr/bin/kubectl', '/usr/local/bin/kubectl']) if (p && existsSync(p)) return p;
  return undefined;
}

export const KUBECTL_MISSING = 'SKIPPED: /usr/bin/kubectl (v1.32) is not installed on this machine, so the real-kubectl tests cannot run';

export function runKubectl(kubeconfig: string, home: string, args: string[], o: KubectlOptions = {}): Promise<KubectlResult> {
  const bin = kubectlPath();
  if (!bin) throw new Error(KUBECTL_MISSING);
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['--kubeconfig', kubeconfig, ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, ...o.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kubectl ${args.join(' ')} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, o.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(o.input ?? '');
  });
}
