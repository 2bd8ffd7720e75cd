// Payloads of the file-projecting volumes: configMap, secret, downwardAPI and projected.
import { dataOf, type ObjectSource } from '../objects.js';
import { fieldRefValue, resourceFieldValue, type NodeAllocatable } from '../env.js';
import type { DownwardAPIFile, KeyToPath, Pod, VolumeSpec } from '../types.js';
import type { Payload } from './atomic.js';

/** The volume cannot be set up yet (missing ConfigMap, unbound claim, ...): a FailedMount event. */
export class VolumeError extends Error {}

const DEFAULT_MODE = 0o644;

function project(payload: Payload, data: Map<string, Buffer>, items: KeyToPath[] | undefined, mode: number, what: string, optional: boolean): void {
  if (!items || items.length === 0) {
    for (const [k, v] of data) payload.set(k, { data: v, mode });
    return;
  }
  for (const it of items) {
    const v = data.get(it.key);
    if (v === undefined) {
      if (optional) continue;
      throw new VolumeError(`configmap references non-existent config key: ${it.key} (${what})`);
    }
    payload.set(it.path, { data: v, mode: it.mode ?? mode });
  }
}

function downward(payload: Payload, pod: Pod, items: DownwardAPIFile[] | undefined, mode: number, node: NodeAllocatable, podIP: string, hostIP: string): void {
  for (const it of items ?? []) {
    let v: string | undefined;
    if (it.fieldRef) v = fieldRefValue(pod, it.fieldRef, podIP, hostIP);
    else if (it.resourceFieldRef) v = resourceFieldValue(pod, it.resourceFieldRef, it.resourceFieldRef.containerName ?? pod.spec.containers[0]?.name ?? '', node);
    if (v === undefined) throw new VolumeError(`unsupported downwardAPI item ${it.path}`);
    payload.set(it.path, { data: Buffer.from(v), mode: it.mode ?? mode });
  }
}

export interface PayloadContext {
  pod: Pod;
  objects: ObjectSource;
  node: NodeAllocatable;
  podIP: string;
  hostIP: string;
}

async function source(ctx: PayloadContext, kind: 'configmaps' | 'secrets', name: string, optional: boolean): Promise<Map<string, Buffer> | undefined> {
  const obj = await ctx.objects.get(kind, ctx.pod.metadata.namespace ?? 'default', name);
  if (obj) return dataOf(obj);
  if (optional) return undefined;
  throw new VolumeError(`${kind === 'configmaps' ? 'configmap' : 'secret'} "${name}" not found`);
}

/** The files of a configMap/secret/downwardAPI/projected volume; undefined for other kinds. */
export async function volumePayload(v: VolumeSpec, ctx: PayloadContext): Promise<Payload | undefined> {
  const payload: Payload = new Map();
  if (v.configMap) {
    const data = await source(ctx, 'configmaps', v.configMap.name ?? '', v.configMap.optional === true);
    if (data) project(payload, data, v.configMap.items, v.configMap.defaultMode ?? DEFAULT_MODE, v.name, v.configMap.optional === true);
    return payload;
  }
  if (v.secret) {
    const data = await source(ctx, 'secrets', v.secret.secretName ?? '', v.secret.optional === true);
    if (data) project(payload, data, v.secret.items, v.secret.defaultMode ?? DEFAULT_MODE, v.name, v.secret.optional === true);
    return payload;
  }
  if (v.downwardAPI) {
    downward(payload, ctx.pod, v.downwardAPI.items, v.downwardAPI.defaultMode ?? DEFAULT_MODE, ctx.node, ctx.podIP, ctx.hostIP);
    return payload;
  }
  if (v.projected) {
    const mode = v.projected.defaultMode ?? DEFAULT_MODE;
    for (const s of v.projected.sources ?? []) {
      if (s.configMap) {
        const data = await source(ctx, 'configmaps', s.configMap.name ?? '', s.configMap.optional === true);
        if (data) project(payload, data, s.configMap.items, mode, v.name, s.configMap.optional === true);
      } else if (s.secret) {
        const data = await source(ctx, 'secrets', s.secret.name ?? '', s.secret.optional === true);
        if (data) project(payload, data, s.secret.items, mode, v.name, s.secret.optional === true);
      } else if (s.downwardAPI) downward(payload, ctx.pod, s.downwardAPI.items, mode, ctx.node, ctx.podIP, ctx.hostIP);
      // serviceAccountToken: token issuance is not part of kubelite yet; the path stays absent
    }
    return payload;
  }
  return undefined;
}
