// npm run bench:api — durable pod creates/s with 64 keep-alive clients next to the raw SQLite
// floor, listing 10,000 pods, watch delivery to 100 watchers, server RSS.
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:https';
import { measureRawInsertRate } from '../src/storage/sqlite/floor.js';
import { call, machine, percentile, rssMiB, sleep, startServerProcess, writeSection, type ServerProc } from './lib.js';

const CREATES = Number(process.env.BENCH_CREATES ?? 10000);
const CONCURRENCY = 64;
const WATCHERS = 100;
const WATCH_EVENTS = 200;

const podBody = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { app: 'bench', run: name } },
  spec: { containers: [{ name: 'main', image: 'busybox:1.36', ports: [{ containerPort: 8080 }], resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
});

async function createNamespace(s: ServerProc, ns: string): Promise<void> {
  const r = await call(s, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  if (r.status !== 201) throw new Error(`namespace ${ns}: ${r.status} ${r.body}`);
}

async function benchCreates(s: ServerProc): Promise<{ rate: number; p50: number; p99: number; errors: number }> {
  await createNamespace(s, 'bench');
  const lat: number[] = [];
  let next = 0;
  let errors = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (;;) {
        const i = next++;
        if (i >= CREATES) return;
        const a = performance.now();
        const r = await call(s, 'POST', '/api/v1/namespaces/bench/pods', podBody(`p-${i}`));
        lat.push(performance.now() - a);
        if (r.status !== 201) errors++;
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return { rate: CREATES / secs, p50: percentile(lat, 50), p99: percentile(lat, 99), errors };
}

async function benchList(s: ServerProc, accept: string): Promise<{ p50: number; p99: number; bytes: number; items: number }> {
  const lat: number[] = [];
  let bytes = 0;
  let items = 0;
  for (let i = 0; i < 30; i++) {
    const a = performance.now();
    const r = await call(s, 'GET', '/api/v1/namespaces/bench/pods', undefined, { Accept: accept });
    lat.push(performance.now() - a);
    bytes = r.body.length;
    if (i === 0) {
      const parsed = JSON.parse(r.body) as { items?: unknown[]; rows?: unknown[] };
      items = (parsed.items ?? parsed.rows ?? []).length;
    }
  }
  lat.sort((a, b) => a - b);
  return { p50: percentile(lat, 50), p99: percentile(lat, 99), bytes, items };
}

async function benchWatch(s: ServerProc): Promise<{ p50: number; p99: number; delivered: number }> {
  await createNamespace(s, 'watch');
  const sent = new Map<string, number>();
  const lat: number[] = [];
  let delivered = 0;
  const reqs: ReturnType<typeof request>[] = [];
  await Promise.all(
    Array.from(
      { length: WATCHERS },
      () =>
        new Promise<void>((resolve, reject) => {
          const req = request(
            {
              host: s.url.hostname,
              port: s.url.port,
              path: '/api/v1/namespaces/watch/pods?watch=true&resourceVersion=0',
              agent: s.agent,
              headers: { Authorization: `Bearer ${s.token}`, Accept: 'application/json' },
            },
            (res) => {
              resolve();
              let buf = '';
              res.on('data', (d: Buffer) => {
                const now = performance.now();
                buf += d.toString('utf8');
                let nl: number;
                while ((nl = buf.indexOf('\n')) >= 0) {
                  const line = buf.slice(0, nl);
                  buf = buf.slice(nl + 1);
                  const m = /"name":"(w-\d+)"/.exec(line);
                  const t = m && sent.get(m[1]!);
                  if (t !== undefined && t !== null && line.startsWith('{"type":"ADDED"')) {
                    lat.push(now - t);
                    delivered++;
                  }
                }
              });
            },
          );
          req.on('error', reject);
          req.end();
          reqs.push(req);
        }),
    ),
  );
  await sleep(500);
  for (let i = 0; i < WATCH_EVENTS; i++) {
    const name = `w-${i}`;
    sent.set(name, performance.now());
    await call(s, 'POST', '/api/v1/namespaces/watch/pods', podBody(name));
    await sleep(10);
  }
  const deadline = Date.now() + 10_000;
  while (delivered < WATCHERS * WATCH_EVENTS && Date.now() < deadline) await sleep(50);
  for (const r of reqs) r.destroy();
  lat.sort((a, b) => a - b);
  return { p50: percentile(lat, 50), p99: percentile(lat, 99), delivered };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kubelite-bench-'));
  try {
    mkdirSync(join(dir, 'floor1'));
    mkdirSync(join(dir, 'floor64'));
    const floor1 = measureRawInsertRate(join(dir, 'floor1'), { rows: 5000, batch: 1 });
    const floor64 = measureRawInsertRate(join(dir, 'floor64'), { rows: 64000, batch: 64 });
    const s = await startServerProcess(join(dir, 'server'), ['--disable-scheduler', '--disable-controllers']);
    await sleep(3000);
    const idleRss = rssMiB(s.child.pid!);
    const creates = await benchCreates(s);
    await sleep(1000);
    const rss10k = rssMiB(s.child.pid!);
    const listJson = await benchList(s, 'application/json');
    const listTable = await benchList(s, 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json');
    const watch = await benchWatch(s);
    const rssEnd = rssMiB(s.child.pid!);
    await s.stop();
    const f = (n: number, d = 0) => n.toFixed(d);
    const verdict = (ok: boolean) => (ok ? 'met' : '**not met**');
    const body = `Command: \`npm run bench:api\` (${new Date().toISOString().slice(0, 10)}). Machine: ${machine()}.
The server runs as its own process (\`kubelite server\`, SQLite WAL with asynchronous group commit: one fdatasync of the WAL off the event loop for all transactions committed meanwhile, every create durable before its 201); the load comes from the benchmark process over HTTPS keep-alive on loopback, so both share the 2 cores.

| measure | result | target | |
|---|---|---|---|
| raw SQLite durable inserts, 1 row per commit (floor) | ${f(floor1.rowsPerSec)} rows/s | | |
| raw SQLite durable inserts, 64 rows per commit (floor) | ${f(floor64.rowsPerSec)} rows/s | | |
| pod creates, ${CONCURRENCY} concurrent clients, ${CREATES} pods | ${f(creates.rate)} creates/s (${f(creates.rate / floor1.rowsPerSec, 2)}x the 1-row floor, ${f((100 * creates.rate) / floor64.rowsPerSec)}% of the 64-row floor), ${creates.errors} errors | >= 3,000/s | ${verdict(creates.rate >= 3000)} |
| create latency p50 / p99 | ${f(creates.p50, 1)} ms / ${f(creates.p99, 1)} ms | p99 <= 50 ms | ${verdict(creates.p99 <= 50)} |
| list ${listJson.items} pods (JSON, ${f(listJson.bytes / 2 ** 20, 1)} MiB) p50 / p99 | ${f(listJson.p50)} ms / ${f(listJson.p99)} ms | p99 <= 300 ms | ${verdict(listJson.p99 <= 300)} |
| list ${listTable.items} pods as kubectl's Table p50 / p99 | ${f(listTable.p50)} ms / ${f(listTable.p99)} ms | | |
| watch delivery to ${WATCHERS} watchers (create sent -> event received), ${WATCH_EVENTS} events | p50 ${f(watch.p50, 1)} ms, p99 ${f(watch.p99, 1)} ms (${watch.delivered}/${WATCHERS * WATCH_EVENTS} delivered) | p99 <= 50 ms | ${verdict(watch.p99 <= 50)} |
| server RSS idle | ${f(idleRss)} MiB | <= 80 MB | ${verdict(idleRss <= 80)} |
| server RSS with ${CREATES} pods | ${f(rss10k)} MiB (after lists and watches: ${f(rssEnd)} MiB) | <= 400 MB | ${verdict(Math.max(rss10k, rssEnd) <= 400)} |
`;
    writeSection('API server (bench:api)', body);
    process.stdout.write(body + '\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
