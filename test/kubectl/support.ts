// Shared pieces of the real-kubectl end-to-end tests: the skip-or-run wrapper, result
// assertions, seed paths, polling, long-running kubectl children and raw API requests.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { request } from 'node:https';
import { readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kubectlPath, KUBECTL_MISSING, type KubectlResult, type TestCluster } from '../helpers/cluster.js';

/**
 * describe(name, body) when kubectl is installed; otherwise one visibly skipped test, so
 * the summary says why the file did not run.
 */
export function kubectlSuite(name: string, body: () => void): void {
  if (!kubectlPath()) {
    it(`${name} (real kubectl)`, { skip: KUBECTL_MISSING }, () => {});
    return;
  }
  describe(name, body);
}

/** test/fixtures/seeds/<file>, from dist/test/kubectl or test/kubectl alike. */
export function seedPath(file: string): string {
  return fileURLToPath(new URL(`../../../test/fixtures/seeds/${file}`, import.meta.url));
}

export function seedText(file: string): string {
  return readFileSync(seedPath(file), 'utf8');
}

function show(r: KubectlResult): string {
  return `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
}

/** Assert kubectl exited 0; returns stdout. */
export function ok(r: KubectlResult): string {
  assert.equal(r.code, 0, show(r));
  return r.stdout;
}

/** Assert kubectl failed with exit code 1; returns stderr. */
export function fails(r: KubectlResult, code = 1): string {
  assert.equal(r.code, code, show(r));
  return r.stderr;
}

/** `kubectl get ... -o json`, parsed. */
export async function getJson<T = any>(c: TestCluster, args: string[]): Promise<T> {
  return JSON.parse(ok(await c.kubectl(['get', ...args, '-o', 'json']))) as T;
}

/** True when `kubectl get <args>` answers NotFound. */
export async function isGone(c: TestCluster, args: string[]): Promise<boolean> {
  const r = await c.kubectl(['get', ...args]);
  if (r.code === 0) return false;
  assert.match(r.stderr, /NotFound/, show(r));
  return true;
}

/** Poll until fn returns a truthy value (or throw after timeoutMs). */
export async function poll<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 10_000, everyMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await fn();
    if (last) return last as NonNullable<T>;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; last value: ${String(last)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A long-running kubectl (get -w, wait) whose output the test reads while it runs. */
export interface KubectlChild {
  proc: ChildProcessWithoutNullStreams;
  readonly stdout: string;
  readonly stderr: string;
  /** wait until stdout matches re */
  waitFor(re: RegExp, timeoutMs?: number): Promise<void>;
  /** wait until stderr matches re (e.g. a -v=6 request log line) */
  waitForStderr(re: RegExp, timeoutMs?: number): Promise<void>;
  /** resolves with the exit code */
  exited: Promise<number | null>;
  kill(): Promise<void>;
}

export function spawnKubectl(c: TestCluster, args: string[], env: Record<string, string> = {}): KubectlChild {
  const bin = kubectlPath();
  if (!bin) throw new Error(KUBECTL_MISSING);
  const proc = spawn(bin, ['--kubeconfig', c.kubeconfigPath, ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: join(c.dir, 'home'), ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (err += d));
  proc.stdin.end();
  const exited = new Promise<number | null>((resolve) => proc.on('close', (code) => resolve(code)));
  return {
    proc,
    get stdout() {
      return out;
    },
    get stderr() {
      return err;
    },
    async waitFor(re, timeoutMs = 10_000) {
      await poll(`kubectl ${args.join(' ')} to print ${re} (stdout so far:\n${out}\nstderr:\n${err})`, () => re.test(out), timeoutMs, 25);
    },
    async waitForStderr(re, timeoutMs = 10_000) {
      await poll(`kubectl ${args.join(' ')} to log ${re} (stderr so far:\n${err})`, () => re.test(err), timeoutMs, 25);
    },
    exited,
    async kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}

/** An HTTPS request to the API server with the admin token, for what kubectl cannot send. */
export function apiRequest(c: TestCluster, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const u = new URL(path, c.url);
  const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(
      u,
      {
        method,
        ca: c.caPem,
        headers: {
          Authorization: `Bearer ${c.adminToken}`,
          Accept: 'application/json',
          ...(data ? { 'Content-Type': 'application/json', 'Content-Length': String(data.length) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/** Bind a pod to a node through the binding subresource, as the scheduler does. */
export async function bindPod(c: TestCluster, namespace: string, name: string, node: string): Promise<void> {
  const r = await apiRequest(c, 'POST', `/api/v1/namespaces/${namespace}/pods/${name}/binding`, {
    apiVersion: 'v1',
    kind: 'Binding',
    metadata: { name },
    target: { apiVersion: 'v1', kind: 'Node', name: node },
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
}

/** Write an executable shell script into the cluster's temp dir; returns its path. */
export function writeScript(c: TestCluster, name: string, body: string): string {
  const p = join(c.dir, name);
  writeFileSync(p, `#!/bin/sh\nset -e\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
}

/** Write a manifest into the cluster's temp dir; returns its path. */
export function writeManifest(c: TestCluster, name: string, yaml: string): string {
  const p = join(c.dir, name);
  writeFileSync(p, yaml);
  return p;
}

/** A minimal pod manifest. */
export function podYaml(name: string, opts: { labels?: Record<string, string>; image?: string; namespace?: string } = {}): string {
  const labels = Object.entries(opts.labels ?? {})
    .map(([k, v]) => `\n    ${k}: ${JSON.stringify(v)}`)
    .join('');
  return [
    'apiVersion: v1',
    'kind: Pod',
    'metadata:',
    `  name: ${name}`,
    ...(opts.namespace ? [`  namespace: ${opts.namespace}`] : []),
    ...(labels ? [`  labels:${labels}`] : []),
    'spec:',
    '  containers:',
    '  - name: main',
    `    image: ${opts.image ?? 'busybox'}`,
    '',
  ].join('\n');
}

/** Table lines of `kubectl get` output, split into cells. */
export function rows(stdout: string): string[][] {
  return stdout
    .trim()
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => l.trim().split(/\s{2,}/));
}
