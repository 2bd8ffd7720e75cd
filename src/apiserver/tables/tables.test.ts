import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RESOURCES } from '../../api/resources.js';
import type { KubeObject } from '../../api/types.js';
import { formatLabelSelector } from './format.js';
import { tablePrinter } from './index.js';

const NOW = Date.parse('2024-01-01T12:00:00Z');
const ago = (ms: number): string => new Date(NOW - ms).toISOString();
const obj = (kind: string, apiVersion: string, rest: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name: 'o', namespace: 'ns', creationTimestamp: ago(90_000), ...meta },
  ...rest,
});

const header = (kind: string, group: string): string[] =>
  tablePrinter(kind, group).columns.map((c) => (c.priority === 1 ? `[${c.name}]` : c.name));

test('column sets match kubectl 1.32 (wide columns in brackets)', () => {
  const want: Record<string, string[]> = {
    '/Pod': ['Name', 'Ready', 'Status', 'Restarts', 'Age', '[IP]', '[Node]', '[Nominated Node]', '[Readiness Gates]'],
    '/Namespace': ['Name', 'Status', 'Age'],
    '/Node': ['Name', 'Status', 'Roles', 'Age', 'Version', '[Internal-IP]', '[External-IP]', '[OS-Image]', '[Kernel-Version]', '[Container-Runtime]'],
    '/ConfigMap': ['Name', 'Data', 'Age'],
    '/Secret': ['Name', 'Type', 'Data', 'Age'],
    '/ServiceAccount': ['Name', 'Secrets', 'Age'],
    '/Event': ['Last Seen', 'Type', 'Reason', 'Object', '[Subobject]', '[Source]', 'Message', '[First Seen]', '[Count]', '[Name]'],
    '/Endpoints': ['Name', 'Endpoints', 'Age'],
    '/Service': ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', '[Selector]'],
    '/PersistentVolume': ['Name', 'Capacity', 'Access Modes', 'Reclaim Policy', 'Status', 'Claim', 'StorageClass', 'VolumeAttributesClass', 'Reason', 'Age', '[VolumeMode]'],
    '/PersistentVolumeClaim': ['Name', 'Status', 'Volume', 'Capacity', 'Access Modes', 'StorageClass', 'VolumeAttributesClass', 'Age', '[VolumeMode]'],
    '/ReplicationController': ['Name', 'Desired', 'Current', 'Ready', 'Age', '[Containers]', '[Images]', '[Selector]'],
    'apps/ReplicaSet': ['Name', 'Desired', 'Current', 'Ready', 'Age', '[Containers]', '[Images]', '[Selector]'],
    'apps/Deployment': ['Name', 'Ready', 'Up-to-date', 'Available', 'Age', '[Containers]', '[Images]', '[Selector]'],
    'apps/DaemonSet': ['Name', 'Desired', 'Current', 'Ready', 'Up-to-date', 'Available', 'Node Selector', 'Age', '[Containers]', '[Images]', '[Selector]'],
    'apps/StatefulSet': ['Name', 'Ready', 'Age', '[Containers]', '[Images]'],
    'apps/ControllerRevision': ['Name', 'Controller', 'Revision', 'Age'],
    'batch/Job': ['Name', 'Status', 'Completions', 'Duration', 'Age', '[Containers]', '[Images]', '[Selector]'],
    'batch/CronJob': ['Name', 'Schedule', 'Timezone', 'Suspend', 'Active', 'Last Schedule', 'Age', '[Containers]', '[Images]', '[Selector]'],
    'coordination.k8s.io/Lease': ['Name', 'Holder', 'Age'],
    'scheduling.k8s.io/PriorityClass': ['Name', 'Value', 'Global-Default', 'Age', '[PreemptionPolicy]'],
    'discovery.k8s.io/EndpointSlice': ['Name', 'AddressType', 'Ports', 'Endpoints', 'Age'],
  };
  for (const r of RESOURCES) assert.ok(want[`${r.group}/${r.kind}`], `no expectation for ${r.group}/${r.kind}`);
  for (const [key, cols] of Object.entries(want)) {
    const [group, kind] = key.split('/');
    assert.deepEqual(header(kind, group), cols, key);
  }
  assert.deepEqual(header('Widget', 'example.com'), ['Name', 'Age']);
});

test('every printer: Name column has format name, descriptions set, cell count equals column count', () => {
  for (const r of RESOURCES) {
    const p = tablePrinter(r.kind, r.group);
    const nameCol = p.columns.find((c) => c.name === 'Name');
    assert.equal(nameCol?.format, 'name', r.kind);
    for (const c of p.columns) assert.ok(c.description.length > 0 && typeof c.type === 'string', `${r.kind}.${c.name}`);
    const empty = obj(r.kind, r.version, {}, { creationTimestamp: undefined });
    assert.equal(p.cells(empty, NOW).length, p.columns.length, r.kind);
  }
});

test('Service cells', () => {
  const svc = obj('Service', 'v1', {
    spec: { type: 'NodePort', clusterIP: '10.96.0.9', clusterIPs: ['10.96.0.9'], ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }], selector: { b: '2', a: '1' } },
  });
  assert.deepEqual(tablePrinter('Service', '').cells(svc, NOW), ['o', 'NodePort', '10.96.0.9', '<none>', '80:30080/TCP,53/UDP', '90s', 'a=1,b=2']);
  const lb = obj('Service', 'v1', { spec: { type: 'LoadBalancer', clusterIPs: ['10.96.0.1'] }, status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } } });
  assert.deepEqual(tablePrinter('Service', '').cells(lb, NOW).slice(1, 5), ['LoadBalancer', '10.96.0.1', '1.2.3.4', '<none>']);
  const pending = obj('Service', 'v1', { spec: { type: 'LoadBalancer', clusterIPs: ['None'] } });
  assert.deepEqual(tablePrinter('Service', '').cells(pending, NOW).slice(2, 4), ['None', '<pending>']);
});

test('Node cells: status, roles, addresses', () => {
  const node = obj(
    'Node',
    'v1',
    {
      spec: { unschedulable: true },
      status: {
        conditions: [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: 'True' }],
        addresses: [{ type: 'InternalIP', address: '192.168.1.2' }],
        nodeInfo: { kubeletVersion: 'v1.32.4', osImage: 'Debian', kernelVersion: '6.1', containerRuntimeVersion: 'containerd://1.7' },
      },
    },
    { labels: { 'node-role.kubernetes.io/worker': '', 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/role': 'edge' } },
  );
  assert.deepEqual(tablePrinter('Node', '').cells(node, NOW), ['o', 'Ready,SchedulingDisabled', 'control-plane,edge,worker', '90s', 'v1.32.4', '192.168.1.2', '<none>', 'Debian', '6.1', 'containerd://1.7']);
  const bare = obj('Node', 'v1', { status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } });
  assert.deepEqual(tablePrinter('Node', '').cells(bare, NOW).slice(1, 3), ['NotReady', '<none>']);
  assert.equal(tablePrinter('Node', '').cells(obj('Node', 'v1'), NOW)[1], 'Unknown');
});

test('Event cells in column order', () => {
  const ev = obj('Event', 'v1', {
    type: 'Warning',
    reason: 'BackOff',
    message: ' Back-off restarting \n',
    count: 3,
    firstTimestamp: ago(10 * 60_000),
    lastTimestamp: ago(30_000),
    involvedObject: { kind: 'Pod', name: 'web-1', fieldPath: 'spec.containers{app}' },
    source: { component: 'kubelet', host: 'n1' },
  });
  assert.deepEqual(tablePrinter('Event', '').cells(ev, NOW), ['30s', 'Warning', 'BackOff', 'pod/web-1', 'spec.containers{app}', 'kubelet, n1', 'Back-off restarting', '10m', 3, 'o']);
  const single = obj('Event', 'v1', { eventTime: '2024-01-01T11:59:00.000000Z', reportingComponent: 'sched', involvedObject: { kind: 'Node' } });
  assert.deepEqual(tablePrinter('Event', '').cells(single, NOW).slice(0, 9), ['60s', '', '', 'node', '', 'sched', '', '60s', 1]);
});

test('Endpoints cells: up to 3 then "+ N more"', () => {
  const ep = obj('Endpoints', 'v1', { subsets: [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ port: 80 }, { port: 443 }] }] });
  assert.equal(tablePrinter('Endpoints', '').cells(ep, NOW)[1], '10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more...');
  const v6 = obj('Endpoints', 'v1', { subsets: [{ addresses: [{ ip: 'fd00::1' }], ports: [{ port: 80 }] }] });
  assert.equal(tablePrinter('Endpoints', '').cells(v6, NOW)[1], '[fd00::1]:80');
  assert.equal(tablePrinter('Endpoints', '').cells(obj('Endpoints', 'v1'), NOW)[1], '<none>');
});

test('simple core kinds', () => {
  assert.deepEqual(tablePrinter('ConfigMap', '').cells(obj('ConfigMap', 'v1', { data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } }), NOW), ['o', 3, '90s']);
  assert.deepEqual(tablePrinter('Secret', '').cells(obj('Secret', 'v1', { type: 'Opaque', data: { a: 'eA==' } }), NOW), ['o', 'Opaque', 1, '90s']);
  assert.deepEqual(tablePrinter('Namespace', '').cells(obj('Namespace', 'v1', { status: { phase: 'Active' } }), NOW), ['o', 'Active', '90s']);
  assert.deepEqual(tablePrinter('ServiceAccount', '').cells(obj('ServiceAccount', 'v1', { secrets: [{ name: 't' }] }), NOW), ['o', 1, '90s']);
  assert.deepEqual(tablePrinter('Lease', 'coordination.k8s.io').cells(obj('Lease', 'coordination.k8s.io/v1', { spec: { holderIdentity: 'n1' } }), NOW), ['o', 'n1', '90s']);
});

test('PV and PVC cells', () => {
  const pv = obj(
    'PersistentVolume',
    'v1',
    { spec: { capacity: { storage: '5Gi' }, accessModes: ['ReadWriteOncePod', 'ReadWriteOnce', 'ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', claimRef: { namespace: 'ns', name: 'data' }, storageClassName: 'fast' }, status: { phase: 'Bound' } },
    { annotations: { 'volume.beta.kubernetes.io/storage-class': 'legacy' } },
  );
  assert.deepEqual(tablePrinter('PersistentVolume', '').cells(pv, NOW), ['o', '5Gi', 'RWO,RWOP', 'Retain', 'Bound', 'ns/data', 'legacy', '<unset>', '', '90s', '<unset>']);
  const pending = obj('PersistentVolumeClaim', 'v1', { spec: { storageClassName: 'fast', volumeMode: 'Filesystem' }, status: { phase: 'Pending' } });
  assert.deepEqual(tablePrinter('PersistentVolumeClaim', '').cells(pending, NOW), ['o', 'Pending', '', '', '', 'fast', '<unset>', '90s', 'Filesystem']);
  const bound = obj('PersistentVolumeClaim', 'v1', { spec: { volumeName: 'pv1' }, status: { phase: 'Bound', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteMany'] } }, { deletionTimestamp: ago(1) });
  assert.deepEqual(tablePrinter('PersistentVolumeClaim', '').cells(bound, NOW).slice(1, 6), ['Terminating', 'pv1', '1Gi', 'RWX', '']);
});

const template = { spec: { containers: [{ name: 'app', image: 'nginx' }, { name: 'log', image: 'busybox' }], nodeSelector: { disk: 'ssd' } } };

test('workload cells', () => {
  const dep = obj('Deployment', 'apps/v1', { spec: { replicas: 3, selector: { matchLabels: { app: 'w' } }, template }, status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 } });
  assert.deepEqual(tablePrinter('Deployment', 'apps').cells(dep, NOW), ['o', '2/3', 3, 2, '90s', 'app,log', 'nginx,busybox', 'app=w']);
  const rs = obj('ReplicaSet', 'apps/v1', { spec: { replicas: 2, selector: { matchLabels: { app: 'w' }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['b', 'a'] }] }, template }, status: { replicas: 2, readyReplicas: 1 } });
  assert.deepEqual(tablePrinter('ReplicaSet', 'apps').cells(rs, NOW), ['o', 2, 2, 1, '90s', 'app,log', 'nginx,busybox', 'app=w,tier notin (a,b)']);
  const rc = obj('ReplicationController', 'v1', { spec: { replicas: 1, selector: { app: 'w' }, template }, status: { replicas: 1 } });
  assert.deepEqual(tablePrinter('ReplicationController', '').cells(rc, NOW), ['o', 1, 1, 0, '90s', 'app,log', 'nginx,busybox', 'app=w']);
  const ds = obj('DaemonSet', 'apps/v1', { spec: { selector: { matchLabels: { app: 'd' } }, template }, status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 3, numberAvailable: 2 } });
  assert.deepEqual(tablePrinter('DaemonSet', 'apps').cells(ds, NOW), ['o', 3, 3, 2, 3, 2, 'disk=ssd', '90s', 'app,log', 'nginx,busybox', 'app=d']);
  const sts = obj('StatefulSet', 'apps/v1', { spec: { replicas: 3, template }, status: { readyReplicas: 3 } });
  assert.deepEqual(tablePrinter('StatefulSet', 'apps').cells(sts, NOW), ['o', '3/3', '90s', 'app,log', 'nginx,busybox']);
  const cr = obj('ControllerRevision', 'apps/v1', { revision: 4 }, { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'u', controller: true }] });
  assert.deepEqual(tablePrinter('ControllerRevision', 'apps').cells(cr, NOW), ['o', 'statefulset.apps/web', 4, '90s']);
});

test('Job and CronJob cells', () => {
  const job = (spec: Record<string, unknown>, status: Record<string, unknown>, meta: Record<string, unknown> = {}) => obj('Job', 'batch/v1', { spec: { template, ...spec }, status }, meta);
  const p = tablePrinter('Job', 'batch');
  const done = job({ completions: 3, selector: { matchLabels: { 'batch.kubernetes.io/job-name': 'o' } } }, { succeeded: 3, startTime: ago(10 * 60_000), completionTime: ago(5 * 60_000 + 30_000), conditions: [{ type: 'Complete', status: 'True' }] });
  assert.deepEqual(p.cells(done, NOW), ['o', 'Complete', '3/3', '4m30s', '90s', 'app,log', 'nginx,busybox', 'batch.kubernetes.io/job-name=o']);
  assert.deepEqual(p.cells(job({ parallelism: 4 }, { startTime: ago(30_000) }), NOW).slice(1, 4), ['Running', '0/1 of 4', '30s']);
  assert.deepEqual(p.cells(job({}, {}), NOW).slice(1, 4), ['Running', '0/1', '']);
  assert.equal(p.cells(job({}, { conditions: [{ type: 'Failed', status: 'True' }] }), NOW)[1], 'Failed');
  assert.equal(p.cells(job({}, { conditions: [{ type: 'Suspended', status: 'True' }] }), NOW)[1], 'Suspended');
  assert.equal(p.cells(job({}, {}, { deletionTimestamp: ago(1) }), NOW)[1], 'Terminating');
  assert.equal(p.cells(job({}, { conditions: [{ type: 'FailureTarget', status: 'True' }] }), NOW)[1], 'FailureTarget');

  const cj = obj('CronJob', 'batch/v1', { spec: { schedule: '*/5 * * * *', suspend: false, jobTemplate: { spec: { template } } }, status: { active: [{ name: 'j' }], lastScheduleTime: ago(120_000) } });
  assert.deepEqual(tablePrinter('CronJob', 'batch').cells(cj, NOW), ['o', '*/5 * * * *', '<none>', 'False', 1, '2m', '90s', 'app,log', 'nginx,busybox', '<none>']);
  const tz = obj('CronJob', 'batch/v1', { spec: { schedule: '@daily', timeZone: 'Etc/UTC' } });
  assert.deepEqual(tablePrinter('CronJob', 'batch').cells(tz, NOW).slice(1, 6), ['@daily', 'Etc/UTC', '<unset>', 0, '<none>']);
});

test('formatLabelSelector', () => {
  assert.equal(formatLabelSelector(undefined), '<none>');
  assert.equal(formatLabelSelector({}), '<none>');
  assert.equal(formatLabelSelector({ matchExpressions: [{ key: 'x', operator: 'Exists' }, { key: 'a', operator: 'DoesNotExist' }] }), '!a,x');
  assert.equal(formatLabelSelector({ matchExpressions: [{ key: 'x', operator: 'Bogus' }] }), '<error>');
});
