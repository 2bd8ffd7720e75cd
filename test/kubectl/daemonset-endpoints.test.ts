// DaemonSets, Endpoints and EndpointSlices through the real kubectl with the controllers and
// simulated nodes: get ds columns, rollout status|history|undo ds, get endpoints, get
// endpointslices, describe svc.
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { startSim, type RunningSim } from '../../src/sim/index.js';
import { getJson, kubectlSuite, ok, poll } from './support.js';

const DAEMONSET = `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: logger
spec:
  selector:
    matchLabels: {app: logger}
  template:
    metadata:
      labels: {app: logger}
    spec:
      nodeSelector: {kubernetes.io/os: linux}
      containers:
      - name: logger
        image: busybox:1.36
`;

const APP = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: busybox:1.36
        ports:
        - {name: http, containerPort: 8080}
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: http}
`;

interface PodItem {
  metadata: { deletionTimestamp?: string };
  status?: { podIP?: string; phase?: string };
}

kubectlSuite('kubectl with DaemonSets, Endpoints and EndpointSlices', () => {
  let c: TestCluster;
  let sim: RunningSim;
  const ac = new AbortController();

  before(async () => {
    c = await startTestCluster({ scheduler: true, controllers: true });
    sim = await startSim({ rest: { server: c.url, token: c.adminToken, caPem: c.caPem }, nodes: 2, namePrefix: 'worker-' }, ac.signal);
  });
  after(async () => {
    ac.abort();
    await sim?.stop();
    await c?.close();
  });

  it('get ds shows DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR; rollout status waits for it', async () => {
    assert.match(ok(await c.kubectl(['apply', '-f', '-'], { input: DAEMONSET })), /daemonset.apps\/logger created/);
    assert.match(ok(await c.kubectl(['rollout', 'status', 'ds/logger', '--timeout=30s'], { timeoutMs: 35_000 })), /daemon set "logger" successfully rolled out/);
    const out = ok(await c.kubectl(['get', 'ds']));
    assert.match(out, /^NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE\n/);
    assert.match(out, /\nlogger\s+2\s+2\s+2\s+2\s+2\s+kubernetes\.io\/os=linux\s+\d+s\n/);
    const wide = ok(await c.kubectl(['get', 'ds', 'logger', '-o', 'wide']));
    assert.match(wide, /CONTAINERS\s+IMAGES\s+SELECTOR/);
    assert.match(wide, /logger\s+busybox:1\.36\s+app=logger/);
    const describe = ok(await c.kubectl(['describe', 'ds', 'logger']));
    assert.match(describe, /Desired Number of Nodes Scheduled: 2\n/);
    assert.match(describe, /Current Number of Nodes Scheduled: 2\n/);
    assert.match(describe, /Number of Nodes Scheduled with Up-to-date Pods: 2\n/);
    assert.match(describe, /Number of Nodes Scheduled with Available Pods: 2\n/);
    assert.match(describe, /Number of Nodes Misscheduled: 0\n/);
    assert.match(describe, /Pods Status:\s+2 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed/);
    assert.match(describe, /Normal\s+SuccessfulCreate\s+\S+\s+daemonset-controller\s+Created pod: logger-/);
  });

  it('set image, rollout status, rollout history lists the revisions, undo goes back', async () => {
    ok(await c.kubectl(['set', 'image', 'ds/logger', 'logger=busybox:1.37']));
    assert.match(ok(await c.kubectl(['rollout', 'status', 'ds/logger', '--timeout=30s'], { timeoutMs: 35_000 })), /daemon set "logger" successfully rolled out/);
    const history = ok(await c.kubectl(['rollout', 'history', 'ds/logger']));
    assert.match(history, /daemonset\.apps\/logger/);
    assert.match(history, /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
    assert.match(ok(await c.kubectl(['rollout', 'history', 'ds/logger', '--revision=1'])), /Image:\s+busybox:1\.36/);
    assert.match(ok(await c.kubectl(['rollout', 'undo', 'ds/logger'])), /daemonset\.apps\/logger rolled back/);
    assert.match(ok(await c.kubectl(['rollout', 'status', 'ds/logger', '--timeout=30s'], { timeoutMs: 35_000 })), /successfully rolled out/);
    const ds = await getJson(c, ['ds', 'logger']);
    assert.equal(ds.spec.template.spec.containers[0].image, 'busybox:1.36');
    assert.match(ok(await c.kubectl(['rollout', 'history', 'ds/logger'])), /\n2\s+<none>\n3\s+<none>/);
    const events = ok(await c.kubectl(['get', 'events', '--field-selector', 'involvedObject.name=logger']));
    assert.match(events, /SuccessfulCreate\s+daemonset\/logger\s+Created pod: logger-/);
    assert.match(events, /SuccessfulDelete\s+daemonset\/logger\s+Deleted pod: logger-/);
  });

  it('get endpoints, get endpointslices and describe svc show the pods behind a service', async () => {
    ok(await c.kubectl(['apply', '-f', '-'], { input: APP }));
    assert.match(ok(await c.kubectl(['rollout', 'status', 'deploy/web', '--timeout=30s'], { timeoutMs: 35_000 })), /successfully rolled out/);
    const pods = await poll('web pods with IPs', async () => {
      const items = (await getJson<{ items: PodItem[] }>(c, ['pods', '-l', 'app=web'])).items.filter((p) => !p.metadata.deletionTimestamp && p.status?.podIP);
      return items.length === 2 ? items : undefined;
    }, 20_000);
    const ips = pods.map((p) => p.status!.podIP!).sort();
    const want = ips.map((ip) => `${ip}:8080`);
    const eps = await poll('endpoints listed', async () => {
      const out = ok(await c.kubectl(['get', 'endpoints', 'web']));
      return want.every((w) => out.includes(w)) ? out : undefined;
    }, 20_000);
    assert.match(eps, /^NAME\s+ENDPOINTS\s+AGE\nweb\s+\S+\s+\d+s\n$/);
    const epJson = await getJson(c, ['endpoints', 'web']);
    assert.equal(epJson.metadata.labels, undefined, 'a service without labels gives Endpoints without labels');
    assert.match(epJson.metadata.annotations['endpoints.kubernetes.io/last-change-trigger-time'], /Z$/);
    const slices = await poll('slice listed', async () => {
      const out = ok(await c.kubectl(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=web']));
      return ips.every((ip) => out.includes(ip)) ? out : undefined;
    }, 20_000);
    assert.match(slices, /^NAME\s+ADDRESSTYPE\s+PORTS\s+ENDPOINTS\s+AGE\n/);
    assert.match(slices, new RegExp(`\\nweb-[a-z0-9]{5}\\s+IPv4\\s+8080\\s+(${ips[0]},${ips[1]}|${ips[1]},${ips[0]})\\s+\\d+s\\n`));
    assert.match(ok(await c.kubectl(['get', 'endpointslice', '-A'])), /default\s+kubernetes/, 'kubectl resolves the singular name; the kubernetes slice is there');
    const describe = ok(await c.kubectl(['describe', 'svc', 'web']));
    assert.match(describe, /Selector:\s+app=web/);
    assert.match(describe, /TargetPort:\s+http\/TCP/);
    assert.match(describe, new RegExp(`Endpoints:\\s+(${want[0]},${want[1]}|${want[1]},${want[0]})`));
  });

  it('explain documents EndpointSlice; a bad slice is refused with the field path', async () => {
    const explain = ok(await c.kubectl(['explain', 'endpointslices.endpoints.conditions']));
    assert.match(explain, /GROUP:\s+discovery\.k8s\.io/);
    assert.match(explain, /serving\s+<boolean>/);
    assert.match(explain, /terminating\s+<boolean>/);
    const bad = 'apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: bad}\naddressType: IPv5\nendpoints: [{addresses: [10.0.0.1]}]\n';
    const r = await c.kubectl(['apply', '-f', '-'], { input: bad });
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /The EndpointSlice "bad" is invalid: addressType: Unsupported value: "IPv5": supported values: "FQDN", "IPv4", "IPv6"/);
  });
});
