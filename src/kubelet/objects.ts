// Reading the ConfigMaps, Secrets, PVCs and PVs a pod refers to, straight from the API
// (the kubelet's "Get" strategy: a read per use, nothing cached across syncs).
import { ApiError } from '../api/errors.js';
import type { KubeObject } from '../api/types.js';
import type { RestClient } from '../client/rest.js';

export interface ObjectSource {
  /** the object, or undefined when it does not exist */
  get(kind: 'configmaps' | 'secrets' | 'persistentvolumeclaims', namespace: string, name: string): Promise<KubeObject | undefined>;
  getCluster(kind: 'persistentvolumes', name: string): Promise<KubeObject | undefined>;
}

/** A container cannot be configured yet (missing ConfigMap key, ...): waiting reason CreateContainerConfigError. */
export class ContainerConfigError extends Error {}

async function orUndefined(p: Promise<KubeObject>): Promise<KubeObject | undefined> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) return undefined;
    throw err;
  }
}

export function restObjectSource(client: RestClient): ObjectSource {
  return {
    get: (kind, ns, name) => orUndefined(client.json<KubeObject>('GET', `/api/v1/namespaces/${encodeURIComponent(ns)}/${kind}/${encodeURIComponent(name)}`)),
    getCluster: (kind, name) => orUndefined(client.json<KubeObject>('GET', `/api/v1/${kind}/${encodeURIComponent(name)}`)),
  };
}

/** The data of a ConfigMap or Secret as bytes per key (Secret data is base64). */
export function dataOf(obj: KubeObject): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const isSecret = obj.kind === 'Secret';
  const data = (obj as { data?: Record<string, string> }).data ?? {};
  for (const [k, v] of Object.entries(data)) out.set(k, isSecret ? Buffer.from(v, 'base64') : Buffer.from(v, 'utf8'));
  if (isSecret) for (const [k, v] of Object.entries((obj as { stringData?: Record<string, string> }).stringData ?? {})) out.set(k, Buffer.from(v, 'utf8'));
  else for (const [k, v] of Object.entries((obj as { binaryData?: Record<string, string> }).binaryData ?? {})) out.set(k, Buffer.from(v, 'base64'));
  return out;
}
