// The text path of pods/status writes (statusjson.ts) against the object path: the same
// requests on two copies of a pod, one with the text path on and one with it off, must give
// the same answers (status, headers, body), the same stored objects and cache entries (labels
// and selectable fields too) and the same watch events, byte for byte (namespace, uids and
// resourceVersions aside, which differ between the copies by construction).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiServer } from '../server.js';
import { openSqliteStore, type SqliteStore } from '../../storage/index.js';
import { silentLogger } from '../../util/logger.js';
import { rfc3339, type Clock } from '../../util/clock.js';
import { BODY_AT_HAND } from '../http.js';
import { localTransport } from '../local.js';
import { objectFields } from '../../api/fields.js';
import { statusText, entryLayout, putStatusOf } from './statusjson.js';

const TOKEN = 'test-token';
let nowMs = Date.UTC(2026, 10, 22, 12, 0, 0);
const clock: Clock = { now: () => nowMs, nowRFC3339: () => rfc3339(nowMs) };

interface Answer {
  status: number;
  headers: Record<string, unknown>;
  body: string;
}

class Res extends EventEmitter {
  statusCode = 200;
  headersSent = false;
  destroyed = false;
  writableEnded = false;
  readonly writableLength = 0;
  headers: Record<string, unknown> = {};
  body = '';
  constructor(private readonly done: () => void) {
    super();
  }
  writeHead(status: number, headers?: Record<string, unknown>): this {
    this.statusCode = status;
    this.headersSent = true;
    if (headers) Object.assign(this.headers, headers);
    return this;
  }
  setHeader(k: string, v: unknown): this {
    this.headers[k] = v;
    return this;
  }
  write(c: string | Buffer): boolean {
    this.body += c.toString();
    return true;
  }
  end(c?: string | Buffer): this {
    if (this.writableEnded) return this;
    if (c !== undefined) this.body += c.toString();
    this.writableEnded = true;
    this.done();
    this.emit('close');
    return this;
  }
  destroy(): this {
    return this.end();
  }
}

async function call(api: ApiServer, method: string, path: string, body?: string, contentType = 'application/json', userAgent = 'kubelite-sim/v1', accept = 'application/json'): Promise<Answer> {
  const req = new Readable({ read() {} }) as Readable & Record<string | symbol, unknown>;
  if (body !== undefined) req[BODY_AT_HAND] = Buffer.from(body, 'utf8');
  req.push(null);
  req.method = method;
  req.url = path;
  req.headers = {
    authorization: `Bearer ${TOKEN}`,
    accept,
    'user-agent': userAgent,
    ...(body !== undefined ? { 'content-type': contentType, 'content-length': String(Buffer.byteLength(body)) } : {}),
  };
  let res!: Res;
  await new Promise<void>((resolve) => {
    res = new Res(resolve);
    void api.handle(req as unknown as IncomingMessage, res as unknown as ServerResponse);
  });
  return { status: res.statusCode, headers: res.headers, body: res.body };
}

/** Namespaces, uids and resourceVersions replaced by their order of appearance. */
function normalise(ns: string, text: string): string {
  const uids = new Map<string, string>();
  const rvs = new Map<string, string>();
  return text
    .split(ns)
    .join('NS')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (u) => uids.get(u) ?? (uids.set(u, `UID${uids.size}`), `UID${uids.size - 1}`))
    .replace(/"resourceVersion":"(\d+)"/g, (_m, rv: string) => `"resourceVersion":"${rvs.get(rv) ?? (rvs.set(rv, `RV${rvs.size}`), `RV${rvs.size - 1}`)}"`)
    .replace(/"Content-Length":\d+/g, '"Content-Length":N');
}

type Step = (ns: string, get: () => Promise<any>) => Promise<{ method: string; path: string; body?: string; contentType?: string; userAgent?: string; accept?: string; query?: string } | undefined>;

const podPath = (ns: string, name = 'p') => `/api/v1/namespaces/${ns}/pods/${name}`;

/** The object a case writes: a pod unless the case says otherwise. */
interface Target {
  collection: (ns: string) => string;
  group: string;
  resource: string;
  kind: string;
  object: Record<string, unknown>;
}

const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } };
const RS: Target = { collection: (ns) => `/apis/apps/v1/namespaces/${ns}/replicasets`, group: 'apps', resource: 'replicasets', kind: 'ReplicaSet', object: { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'p', labels: { app: 'web' } }, spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template } } };
const DEPLOY: Target = { collection: (ns) => `/apis/apps/v1/namespaces/${ns}/deployments`, group: 'apps', resource: 'deployments', kind: 'Deployment', object: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'p', annotations: { a: 'b' } }, spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template } } };

const rsStatus = (p: any, ready: number, extra: Record<string, unknown> = {}) => ({ replicas: 3, fullyLabeledReplicas: 3, readyReplicas: ready, availableReplicas: ready, observedGeneration: p.metadata.generation, ...extra });
const deployStatus = (p: any, ready: number, extra: Record<string, unknown> = {}) => ({
  observedGeneration: p.metadata.generation,
  replicas: 3,
  updatedReplicas: 3,
  readyReplicas: ready,
  availableReplicas: ready,
  unavailableReplicas: 3 - ready,
  conditions: [
    { type: 'Available', status: ready === 3 ? 'True' : 'False', lastUpdateTime: rfc3339(nowMs), lastTransitionTime: rfc3339(nowMs), reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' },
    { type: 'Progressing', status: 'True', lastUpdateTime: rfc3339(nowMs), lastTransitionTime: rfc3339(nowMs), reason: 'NewReplicaSetAvailable', message: 'ReplicaSet "p-1" has successfully progressed.' },
  ],
  ...extra,
});

const running = (p: any, ip: string, extra: Record<string, unknown> = {}) => ({
  ...p.status,
  phase: 'Running',
  conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339(nowMs) })),
  hostIP: '10.0.0.1',
  hostIPs: [{ ip: '10.0.0.1' }],
  podIP: ip,
  podIPs: [{ ip }],
  startTime: rfc3339(nowMs),
  containerStatuses: [{ name: 'c', image: 'busybox:1.36', imageID: 'x@sha256:1', containerID: 'sim://1', ready: true, started: true, restartCount: 0, state: { running: { startedAt: rfc3339(nowMs) } }, lastState: {} }],
  ...extra,
});

const dropMF = (p: any) => {
  const { managedFields: _m, ...metadata } = p.metadata;
  return { ...p, metadata };
};

/** A sim-style PUT: the pod as read (managedFields dropped unless keepMF) with a new status. */
const simPut =
  (status: (p: any) => unknown, opts: { keepMF?: boolean; userAgent?: string; query?: string; mutate?: (b: any) => any; raw?: (json: string) => string } = {}): Step =>
  async (ns, get) => {
    const p = await get();
    let b: any = { ...(opts.keepMF ? p : dropMF(p)), status: status(p) };
    if (opts.mutate) b = opts.mutate(b);
    let body = JSON.stringify(b);
    if (opts.raw) body = opts.raw(body);
    return { method: 'PUT', path: `${itemPath(ns)}/status${opts.query ?? ''}`, body, userAgent: opts.userAgent };
  };

const agentPatch =
  (patch: (p: any) => unknown, opts: { userAgent?: string; contentType?: string; query?: string } = {}): Step =>
  async (ns, get) => {
    const p = await get();
    return { method: 'PATCH', path: `${itemPath(ns)}/status${opts.query ?? ''}`, body: JSON.stringify(patch(p)), contentType: opts.contentType ?? 'application/merge-patch+json', userAgent: opts.userAgent ?? 'kubelite-agent/v1' };
  };

const tick: Step = async () => {
  nowMs += 7000;
  return undefined;
};

const bind: Step = async (ns) => ({ method: 'POST', path: `${podPath(ns)}/binding`, body: JSON.stringify({ apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p' }, target: { kind: 'Node', name: 'node-1' } }), userAgent: 'kubelite-scheduler/v1' });

const remove: Step = async (ns) => ({ method: 'DELETE', path: podPath(ns), userAgent: 'kubectl/v1.32' });

let target: Target | undefined;
const itemPath = (ns: string) => (target ? `${target.collection(ns)}/p` : podPath(ns));

interface Case {
  name: string;
  /** not a pod */
  target?: Target;
  pod?: Record<string, unknown>;
  steps: Step[];
  /** how many of the steps the text path must have answered (at least) */
  taken?: number;
}

const basePod = (extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', labels: { app: 'web', tier: 'x' }, annotations: { note: 'a "quoted" \\ value é😀' } },
  spec: { containers: [{ name: 'c', image: 'busybox:1.36', resources: { requests: { cpu: '100m', memory: '16Mi' } } }] },
  ...extra,
});

const CASES: Case[] = [
  { name: 'sim PUT to Running, then again (new manager, then its own fields)', steps: [bind, tick, simPut((p) => running(p, '10.1.0.5')), tick, simPut((p) => running(p, '10.1.0.5', { phase: 'Running', message: 'again' }))], taken: 2 },
  { name: 'sim PUT keeping managedFields in the body', steps: [bind, tick, simPut((p) => running(p, '10.1.0.6'), { keepMF: true })], taken: 1 },
  { name: 'unchanged status (no new resourceVersion)', steps: [bind, tick, simPut((p) => p.status), simPut((p) => p.status, { keepMF: true })], taken: 2 },
  { name: 'status leaving out qosClass', steps: [bind, simPut((p) => { const { qosClass: _q, ...s } = running(p, '10.1.0.7'); return s; })], taken: 1 },
  { name: 'stale resourceVersion: 409', steps: [bind, async (ns, get) => { const p = await get(); await call(apiRef, 'PUT', `${podPath(ns)}/status`, JSON.stringify({ ...dropMF(p), status: running(p, '10.9.9.9') })); return { method: 'PUT', path: `${podPath(ns)}/status`, body: JSON.stringify({ ...dropMF(p), status: running(p, '10.1.0.8') }) }; }] },
  { name: 'type error in status: 400', steps: [bind, simPut((p) => ({ ...p.status, phase: 5 }))] },
  { name: 'type error deep in status: 400', steps: [bind, simPut((p) => running(p, '10.1.0.9', { containerStatuses: [{ name: 'c', restartCount: 'x' }] }))] },
  { name: 'unknown field in status: warning, dropped', steps: [bind, simPut((p) => running(p, '10.1.0.10', { bogus: 1 }))] },
  { name: 'unknown field, fieldValidation=Strict: 400', steps: [bind, simPut((p) => running(p, '10.1.0.10', { bogus: 1 }), { query: '?fieldValidation=Strict' })] },
  { name: 'duplicate key in status text: warning', steps: [bind, simPut((p) => running(p, '10.1.0.11'), { raw: (j) => j.replace('"phase":"Running"', '"phase":"Pending","phase":"Running"') })] },
  { name: 'status null', steps: [bind, simPut(() => null)] },
  { name: 'status a string: 400', steps: [bind, simPut(() => 'x')] },
  { name: 'metadata change in the body (ignored by a status write)', steps: [bind, simPut((p) => running(p, '10.1.0.12'), { mutate: (b) => ({ ...b, metadata: { ...b.metadata, labels: { app: 'other' } } }) })] },
  { name: 'spec change in the body (ignored)', steps: [bind, simPut((p) => running(p, '10.1.0.13'), { mutate: (b) => ({ ...b, spec: { ...b.spec, activeDeadlineSeconds: 5 } }) })] },
  { name: 'no resourceVersion in the body', steps: [bind, simPut((p) => running(p, '10.1.0.14'), { mutate: (b) => ({ ...b, metadata: { ...b.metadata, resourceVersion: undefined } }) })] },
  { name: 'wrong name in the body: 400', steps: [bind, simPut((p) => running(p, '10.1.0.15'), { mutate: (b) => ({ ...b, metadata: { ...b.metadata, name: 'q' } }) })] },
  { name: 'pretty-printed body', steps: [bind, simPut((p) => running(p, '10.1.0.16'), { raw: (j) => JSON.stringify(JSON.parse(j), null, 2) })] },
  { name: 'escapes and unicode in status strings', steps: [bind, simPut((p) => running(p, '10.1.0.17', { message: 'é \\u00e9 "x" \n 😀', reason: 'R' }), { raw: (j) => j.replace('"reason":"R"', '"reason":"\\u0052"') })], taken: 0 },
  { name: 'fieldManager too long: 400', steps: [bind, simPut((p) => running(p, '10.1.0.18'), { query: `?fieldManager=${'m'.repeat(129)}` })] },
  { name: 'dry run', steps: [bind, simPut((p) => running(p, '10.1.0.19'), { query: '?dryRun=All' })] },
  { name: 'Table answer', steps: [bind, async (ns, get) => { const p = await get(); return { method: 'PUT', path: `${podPath(ns)}/status`, body: JSON.stringify({ ...dropMF(p), status: running(p, '10.1.0.20') }), accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' }; }] },
  { name: 'fields owned by another manager (sim then agent then sim)', steps: [bind, tick, simPut((p) => running(p, '10.1.0.21')), tick, agentPatch((p) => ({ metadata: { uid: p.metadata.uid }, status: { podIP: '10.1.0.22', podIPs: [{ ip: '10.1.0.22' }], message: 'agent' } })), tick, simPut((p) => running(p, '10.1.0.23'))], taken: 3 },
  { name: 'agent merge patch: Running, then a condition change, then a field removed', steps: [bind, tick, agentPatch((p) => ({ metadata: { uid: p.metadata.uid }, status: running(p, '10.2.0.1') })), tick, agentPatch(() => ({ status: { conditions: [{ type: 'Ready', status: 'False', lastProbeTime: null, lastTransitionTime: rfc3339(nowMs), reason: 'X' }] } })), agentPatch(() => ({ status: { message: null, hostIPs: null } }))], taken: 3 },
  { name: 'agent patch with another uid', steps: [bind, agentPatch(() => ({ metadata: { uid: '00000000-0000-0000-0000-000000000000' }, status: { phase: 'Running' } }))] },
  { name: 'agent patch with a type error / unknown field', steps: [bind, agentPatch(() => ({ status: { phase: ['x'] } })), agentPatch(() => ({ status: { phase: 'Running', whatever: true } }))] },
  { name: 'agent patch touching metadata or spec', steps: [bind, agentPatch(() => ({ metadata: { labels: { a: 'b' } }, status: { phase: 'Running' } })), agentPatch(() => ({ spec: { activeDeadlineSeconds: 3 }, status: { phase: 'Running' } }))] },
  { name: 'agent patch as strategic merge and as JSON patch', steps: [bind, agentPatch(() => ({ status: { phase: 'Running' } }), { contentType: 'application/strategic-merge-patch+json' }), agentPatch(() => [{ op: 'replace', path: '/status/phase', value: 'Failed' }], { contentType: 'application/json-patch+json' })] },
  { name: 'agent patch, empty status patch, and status: null', steps: [bind, agentPatch(() => ({ status: {} })), agentPatch(() => ({ status: null }))] },
  { name: 'write on a pod being deleted', steps: [bind, simPut((p) => running(p, '10.3.0.1')), remove, tick, simPut((p) => ({ ...p.status, phase: 'Succeeded' })), agentPatch(() => ({ status: { phase: 'Failed' } }))] },
  { name: 'unbound pod with a scheduler condition', steps: [agentPatch(() => ({ status: { conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes', lastProbeTime: null, lastTransitionTime: rfc3339(nowMs) }] } }), { userAgent: 'kubelite-scheduler/v1' }), bind], taken: 1 },
  { name: 'pod with init containers, no labels', pod: { metadata: { name: 'p' }, spec: { initContainers: [{ name: 'i', image: 'busybox' }], containers: [{ name: 'c', image: 'busybox' }] } }, steps: [bind, simPut((p) => running(p, '10.4.0.1', { initContainerStatuses: [{ name: 'i', image: 'busybox', imageID: '', ready: true, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } }, lastState: {} }] }))], taken: 1 },
  { name: 'body with managedFields reset to []', steps: [bind, simPut((p) => running(p, '10.5.0.1'), { keepMF: true, mutate: (b) => ({ ...b, metadata: { ...b.metadata, managedFields: [] } }) })] },
  { name: 'a client rewriting managedFields', steps: [bind, simPut((p) => running(p, '10.5.0.2'), { keepMF: true, mutate: (b) => ({ ...b, metadata: { ...b.metadata, managedFields: [{ manager: 'x', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:status': { 'f:phase': {} } }, subresource: 'status' }] } }) })] },
  { name: 'ReplicaSet: controller PUTs (new manager, then its own fields), then a merge patch', target: RS, steps: [tick, simPut((p) => rsStatus(p, 0), { userAgent: 'kube-controller-manager/v1' }), tick, simPut((p) => rsStatus(p, 3), { userAgent: 'kube-controller-manager/v1' }), agentPatch(() => ({ status: { readyReplicas: 2 } }))], taken: 3 },
  { name: 'ReplicaSet: type error, unknown field, unchanged, metadata change', target: RS, steps: [simPut((p) => rsStatus(p, 'x' as never)), simPut((p) => rsStatus(p, 1, { bogus: 1 })), simPut((p) => rsStatus(p, 1)), simPut((p) => rsStatus(p, 1)), simPut((p) => rsStatus(p, 2), { mutate: (b) => ({ ...b, metadata: { ...b.metadata, labels: { app: 'x' } } }) })], taken: 2 },
  { name: 'Deployment: controller PUTs with conditions, then a condition change', target: DEPLOY, steps: [tick, simPut((p) => deployStatus(p, 0), { userAgent: 'kube-controller-manager/v1' }), tick, simPut((p) => deployStatus(p, 3), { userAgent: 'kube-controller-manager/v1' }), tick, simPut((p) => deployStatus(p, 3, { collisionCount: 1 }), { keepMF: true, userAgent: 'kube-controller-manager/v1' })], taken: 3 },
  { name: 'status with a __proto__ member', steps: [bind, simPut((p) => running(p, '10.5.0.3'), { raw: (j) => j.replace('"phase":"Running"', '"phase":"Running","__proto__":{"x":1}') })] },
];

let apiRef: ApiServer;

describe('pods/status text path: the same results as the object path', () => {
  let dir: string;
  let store: SqliteStore;
  let api: ApiServer;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubelite-statusjson-'));
    store = openSqliteStore(join(dir, 'state.db'), { clock });
    api = new ApiServer({ store, clock, log: silentLogger(), tokens: [TOKEN], tls: { certPem: '', keyPem: '' } });
    apiRef = api;
    await api.init();
  });
  after(async () => {
    statusText.enabled = true;
    await api.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [i, c] of CASES.entries()) {
    it(c.name, async () => {
      const transcripts: string[] = [];
      const takenBy: number[] = [];
      for (const fast of [true, false]) {
        const ns = `${fast ? 'fast' : 'slow'}-${i}`;
        statusText.enabled = true;
        assert.equal((await call(api, 'POST', '/api/v1/namespaces', JSON.stringify({ metadata: { name: ns } }), 'application/json', 'kubectl/v1')).status, 201);
        const lines: string[] = [];
        const ac = new AbortController();
        const watching = localTransport(api, TOKEN).stream(`${c.target ? c.target.collection(ns) : `/api/v1/namespaces/${ns}/pods`}?watch=true`, (chunk) => lines.push(chunk), ac.signal);
        target = c.target;
        const created = c.target
          ? await call(api, 'POST', `${c.target.collection(ns)}?fieldManager=creator`, JSON.stringify(c.target.object), 'application/json', 'kubectl/v1')
          : await call(api, 'POST', `/api/v1/namespaces/${ns}/pods?fieldManager=creator`, JSON.stringify({ ...basePod(), ...(c.pod ?? {}) }), 'application/json', 'kubectl/v1');
        assert.equal(created.status, 201, created.body);
        const out: string[] = [];
        const get = async () => JSON.parse((await call(api, 'GET', itemPath(ns))).body);
        statusText.enabled = fast;
        const before = statusText.taken;
        const t0 = nowMs;
        for (const step of c.steps) {
          const r = await step(ns, get);
          if (!r) continue;
          const a = await call(api, r.method, r.path, r.body, r.contentType, r.userAgent, r.accept);
          out.push(`${r.method} ${r.path} -> ${a.status} ${JSON.stringify(a.headers)}\n${a.body}`);
          const e = api.get(c.target?.group ?? '', c.target?.resource ?? 'pods')!.tryGet(ns, 'p');
          if (e) {
            const sel = e.selectable!((o) => objectFields(c.target?.kind ?? 'Pod', o));
            assert.equal(e.json.includes(`"resourceVersion":"${e.rev}"`), true);
            out.push(`entry ${e.json}\nsel ${JSON.stringify(sel)}`);
            assert.equal(JSON.stringify(JSON.parse(e.json)), e.json, 'the cached JSON is JSON.stringify of its object');
          } else out.push('entry gone');
        }
        takenBy.push(statusText.taken - before);
        nowMs = t0; // the other copy runs at the same times
        await new Promise((r) => setTimeout(r, 20));
        ac.abort();
        await watching;
        out.push(`watch\n${lines.join('')}`);
        transcripts.push(normalise(ns, out.join('\n')));
      }
      nowMs += 60_000;
      target = undefined;
      statusText.enabled = true;
      if (transcripts[0] !== transcripts[1]) {
        let at = 0;
        while (transcripts[0]![at] === transcripts[1]![at]) at++;
        assert.fail(`the paths differ at ${at}:\ntext path:   ${transcripts[0]!.slice(Math.max(0, at - 300), at + 300)}\nobject path: ${transcripts[1]!.slice(Math.max(0, at - 300), at + 300)}`);
      }
      assert.equal(takenBy[1], 0);
      if (c.taken !== undefined) assert.ok(takenBy[0]! >= c.taken, `the text path answered ${takenBy[0]} writes, expected ${c.taken}`);
    });
  }
});

describe('putStatusOf', () => {
  it('finds the status of a body that is the cached pod with a new status, with or without managedFields', () => {
    const cached = '{"apiVersion":"v1","kind":"Pod","metadata":{"resourceVersion":"7","name":"p","managedFields":[{"manager":"m"}],"uid":"u"},"spec":{"a":1},"status":{"phase":"Pending"}}';
    const layout = entryLayout(cached)!;
    assert.ok(layout);
    assert.deepEqual(putStatusOf(cached.replace('"Pending"', '"Running"'), cached, layout), { phase: 'Running' });
    assert.deepEqual(putStatusOf(cached.replace(',"managedFields":[{"manager":"m"}]', '').replace('"Pending"', '"Running"'), cached, layout), { phase: 'Running' });
    assert.equal(putStatusOf(cached.replace('"7"', '"6"'), cached, layout), undefined);
    assert.equal(putStatusOf(cached.replace('"a":1', '"a":2'), cached, layout), undefined);
    assert.equal(putStatusOf(cached.replace('{"phase":"Pending"}', '{"phase":"Pending"},"x":{}'), cached, layout), undefined);
    assert.equal(putStatusOf(cached.replace('{"phase":"Pending"}', '{"phase":1}'), cached, layout), undefined);
    assert.equal(putStatusOf(cached.replace('{"phase":"Pending"}', '{"phase":"a","phase":"b"}'), cached, layout), undefined);
  });
});
