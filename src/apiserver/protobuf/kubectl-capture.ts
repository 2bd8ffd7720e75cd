// Test helper: runs the real kubectl against a throwaway plain-HTTP fake API server on 127.0.0.1 and captures
// the request bodies kubectl sends on POST. Used to produce and re-verify the protobuf fixtures.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const KUBECTL_PATH = '/usr/bin/kubectl';

export interface CapturedRequest {
  method: string;
  path: string;
  contentType: string;
  body: Uint8Array;
}

export interface KubectlRun {
  args: string[];
  exitCode: number;
  stdout: string;
  stderr: string;
  posts: CapturedRequest[];
}

type Res = { kind: string; name: string; namespaced: boolean; verbs: string[] };
const ALL_VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
const CORE: Res[] = [
  { kind: 'Namespace', name: 'namespaces', namespaced: false, verbs: ALL_VERBS },
  { kind: 'ConfigMap', name: 'configmaps', namespaced: true, verbs: ALL_VERBS },
  { kind: 'Secret', name: 'secrets', namespaced: true, verbs: ALL_VERBS },
  { kind: 'Service', name: 'services', namespaced: true, verbs: ALL_VERBS },
  { kind: 'Pod', name: 'pods', namespaced: true, verbs: ALL_VERBS },
  { kind: 'ServiceAccount', name: 'serviceaccounts', namespaced: true, verbs: ALL_VERBS },
  { kind: 'ResourceQuota', name: 'resourcequotas', namespaced: true, verbs: ALL_VERBS },
];
const GROUPS: Record<string, Res[]> = {
  'apps/v1': [{ kind: 'Deployment', name: 'deployments', namespaced: true, verbs: ALL_VERBS }],
  'batch/v1': [
    { kind: 'Job', name: 'jobs', namespaced: true, verbs: ALL_VERBS },
    { kind: 'CronJob', name: 'cronjobs', namespaced: true, verbs: ALL_VERBS },
  ],
  'authorization.k8s.io/v1': [{ kind: 'SelfSubjectAccessReview', name: 'selfsubjectaccessreviews', namespaced: false, verbs: ['create'] }],
};

function resourceList(groupVersion: string, resources: Res[]): unknown {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion,
    resources: resources.map((r) => ({ name: r.name, singularName: r.kind.toLowerCase(), namespaced: r.namespaced, kind: r.kind, verbs: r.verbs })),
  };
}

function discovery(path: string, port: number): unknown | undefined {
  if (path === '/version') return { major: '1', minor: '32', gitVersion: 'v1.32.4', platform: 'linux/amd64' };
  if (path === '/api') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${port}` }] };
  if (path === '/api/v1') return resourceList('v1', CORE);
  if (path === '/apis') {
    const groups = Object.keys(GROUPS).map((gv) => {
      const [name, version] = gv.split('/');
      return { name, versions: [{ groupVersion: gv, version }], preferredVersion: { groupVersion: gv, version } };
    });
    return { kind: 'APIGroupList', apiVersion: 'v1', groups };
  }
  const m = /^\/apis\/([^/]+\/[^/]+)$/.exec(path);
  if (m && GROUPS[m[1]]) return resourceList(m[1], GROUPS[m[1]]);
  return undefined;
}

/** A minimal JSON object of the created kind, so kubectl prints its usual "created" line. */
function echoFor(path: string): unknown {
  const segs = path.split('/').filter(Boolean);
  const plural = segs[segs.length - 1];
  const all = [...CORE.map((r) => ({ ...r, gv: 'v1' })), ...Object.entries(GROUPS).flatMap(([gv, rs]) => rs.map((r) => ({ ...r, gv })))];
  const r = all.find((x) => x.name === plural);
  const obj: Record<string, unknown> = { kind: r?.kind ?? 'Status', apiVersion: r?.gv ?? 'v1', metadata: { name: 'captured', uid: '00000000-0000-0000-0000-000000000001' } };
  if (r?.kind === 'SelfSubjectAccessReview') obj.status = { allowed: true };
  return obj;
}

function send(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** True when the kubectl binary the live capture needs is installed. */
export function kubectlAvailable(): boolean {
  return existsSync(KUBECTL_PATH);
}

/** Runs each argument list through kubectl against one fake server (fresh HOME), returning what each run POSTed. */
export async function captureKubectl(runs: string[][]): Promise<KubectlRun[]> {
  const dir = await mkdtemp(join(tmpdir(), 'kubectl-capture-'));
  let posts: CapturedRequest[] = [];
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    void readBody(req).then((body) => {
      if (req.method === 'POST') {
        posts.push({ method: 'POST', path, contentType: String(req.headers['content-type'] ?? ''), body });
        return send(res, 201, echoFor(path));
      }
      const d = req.method === 'GET' ? discovery(path, port) : undefined;
      if (d !== undefined) return send(res, 200, d);
      send(res, 404, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'NotFound', code: 404, message: 'not found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  try {
    const kubeconfig = join(dir, 'config');
    await writeFile(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `- cluster: {server: "http://127.0.0.1:${port}"}`,
        '  name: fake',
        'contexts:',
        '- context: {cluster: fake, user: fake, namespace: default}',
        '  name: fake',
        'current-context: fake',
        'users:',
        '- name: fake',
        '  user: {}',
        '',
      ].join('\n'),
    );
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir };
    const results: KubectlRun[] = [];
    for (const args of runs) {
      posts = [];
      const r = await run(KUBECTL_PATH, ['--kubeconfig', kubeconfig, ...args], env);
      results.push({ args, exitCode: r.code, stdout: r.stdout, stderr: r.stderr, posts });
    }
    return results;
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  }
}
