// A real image registry for tests: Debian's docker-registry (the distribution registry) with
// its storage in a temp dir, optionally behind htpasswd basic auth; images pushed from the
// project's OCI archives with skopeo.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { which } from '../../src/cri/containerd.js';

/** Tools the registry tests need and the Debian packages that have them. */
const TOOLS: [string, string][] = [['docker-registry', 'docker-registry'], ['skopeo', 'skopeo'], ['htpasswd', 'apache2-utils']];

/** Fails (never skips) naming the packages to install when a tool is missing. */
export function requireRegistryTools(): void {
  const missing = TOOLS.filter(([bin]) => !which(bin));
  if (missing.length) assert.fail(`missing ${missing.map(([b]) => b).join(', ')}; install with: apt-get install -y ${missing.map(([, p]) => p).join(' ')} (scripts/install.sh does)`);
}

export interface Registry {
  /** host:port, what image references start with */
  host: string;
  push(ociArchive: string, ref: string): void;
  stop(): Promise<void>;
}

export interface RegistryOptions {
  dir: string;
  /** address to listen on, e.g. 127.0.0.1:5000 */
  addr: string;
  /** storage root; two registries may serve one */
  storage?: string;
  /** basic auth: only this user may pull or push */
  user?: { name: string; password: string };
}

export async function startRegistry(o: RegistryOptions): Promise<Registry> {
  mkdirSync(o.dir, { recursive: true });
  const storage = o.storage ?? join(o.dir, 'storage');
  mkdirSync(storage, { recursive: true });
  let auth = '';
  if (o.user) {
    const file = join(o.dir, 'htpasswd');
    writeFileSync(file, execFileSync('htpasswd', ['-Bbn', o.user.name, o.user.password]));
    auth = `auth:\n  htpasswd:\n    realm: kubelite-test\n    path: ${JSON.stringify(file)}\n`;
  }
  const config = join(o.dir, 'config.yml');
  writeFileSync(config, `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${JSON.stringify(storage)}\nhttp:\n  addr: ${o.addr}\n  secret: kubelite-test\n${auth}`);
  const child: ChildProcess = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const end = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited (${child.exitCode}): ${stderr}`);
    try {
      const r = await fetch(`http://${o.addr}/v2/`, { signal: AbortSignal.timeout(1000) });
      if (r.status === 200 || r.status === 401) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > end) {
      child.kill('SIGKILL');
      throw new Error(`docker-registry did not answer on ${o.addr}: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    host: o.addr,
    push(ociArchive, ref) {
      const creds = o.user ? ['--dest-creds', `${o.user.name}:${o.user.password}`] : [];
      execFileSync('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', ...creds, `oci-archive:${ociArchive}`, `docker://${o.addr}/${ref}`], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
