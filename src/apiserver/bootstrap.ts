// Objects every cluster has: the `kubernetes` Service in `default` pointing at the API server.
import { networkInterfaces } from 'node:os';
import { ApiError } from '../api/errors.js';
import type { KubeObject } from '../api/types.js';
import type { Registries } from './handlers/context.js';

export const KUBERNETES_SERVICE_IP = '10.43.0.1';

function hostIP(): string {
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return '127.0.0.1';
}

async function upsert(regs: Registries, resource: string, obj: KubeObject): Promise<void> {
  const reg = regs.get('', resource)!;
  const name = obj.metadata.name!;
  const cur = reg.tryGet('default', name);
  try {
    if (!cur) await reg.create('default', obj, { manager: 'kube-apiserver' });
    else if (resource === 'endpoints') await reg.update('default', name, { ...obj, metadata: { ...cur.obj.metadata } }, cur, { manager: 'kube-apiserver' });
  } catch (err) {
    if (!(err instanceof ApiError && (err.code === 409 || err.code === 422))) throw err;
  }
}

export async function ensureKubernetesService(regs: Registries, port: number): Promise<void> {
  const labels = { component: 'apiserver', provider: 'kubernetes' };
  await upsert(regs, 'services', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kubernetes', namespace: 'default', labels },
    spec: { type: 'ClusterIP', clusterIP: KUBERNETES_SERVICE_IP, ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: port }], sessionAffinity: 'None' },
  });
  await upsert(regs, 'endpoints', {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{ addresses: [{ ip: hostIP() }], ports: [{ name: 'https', port, protocol: 'TCP' }] }],
  });
  await upsertKubernetesSlice(regs, hostIP(), port);
}

/** The API server's own EndpointSlice, as upstream's endpoints adapter writes it (no managed-by label: no controller touches it). */
async function upsertKubernetesSlice(regs: Registries, ip: string, port: number): Promise<void> {
  const reg = regs.get('discovery.k8s.io', 'endpointslices');
  if (!reg) return;
  const slice: KubeObject = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [ip], conditions: { ready: true } }],
    ports: [{ name: 'https', port, protocol: 'TCP' }],
  };
  const cur = reg.tryGet('default', 'kubernetes');
  try {
    if (!cur) await reg.create('default', slice, { manager: 'kube-apiserver' });
    else await reg.update('default', 'kubernetes', { ...slice, metadata: { ...cur.obj.metadata } }, cur, { manager: 'kube-apiserver' });
  } catch (err) {
    if (!(err instanceof ApiError && (err.code === 409 || err.code === 422))) throw err;
  }
}
