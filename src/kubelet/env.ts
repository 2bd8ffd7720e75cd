// A container's environment: envFrom, then env in order (each value may refer to earlier ones
// with $(VAR)), valueFrom ConfigMap/Secret keys, the Downward API and resource fields.
import { parseQuantity, quantityMilliValue, quantityValue } from '../api/quantity.js';
import type { KeyValue } from '../cri/types.js';
import { ContainerConfigError, dataOf, type ObjectSource } from './objects.js';
import type { ContainerSpec, FieldRef, Pod, ResourceFieldRef } from './types.js';

/** Node allocatable, used when a container has no limit (as the kubelet does for resourceFieldRef). */
export interface NodeAllocatable {
  cpuMilli: number;
  memoryBytes: number;
}

/** Kubernetes' $(VAR) expansion: defined names are replaced, $$ escapes, unknown refs stay. */
export function expand(input: string, vars: ReadonlyMap<string, string>): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const ch = input[i]!;
    if (ch !== '$' || i + 1 >= input.length) {
      out += ch;
      continue;
    }
    const next = input[i + 1]!;
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '(') {
      const end = input.indexOf(')', i + 2);
      if (end < 0) {
        out += input.slice(i);
        break;
      }
      const name = input.slice(i + 2, end);
      out += vars.has(name) ? vars.get(name)! : input.slice(i, end + 1);
      i = end;
    } else out += ch;
  }
  return out;
}

function quoteMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}="${(m ?? {})[k]!.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join('\n');
}

/** The Downward API's fieldRef value; undefined for an unsupported path. */
export function fieldRefValue(pod: Pod, ref: FieldRef, podIP: string, hostIP: string): string | undefined {
  const m = pod.metadata;
  const p = ref.fieldPath;
  const sub = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(p);
  if (sub) return (sub[1] === 'labels' ? m.labels : m.annotations)?.[sub[2]!] ?? '';
  switch (p) {
    case 'metadata.name':
      return m.name ?? '';
    case 'metadata.namespace':
      return m.namespace ?? '';
    case 'metadata.uid':
      return m.uid ?? '';
    case 'metadata.labels':
      return quoteMap(m.labels);
    case 'metadata.annotations':
      return quoteMap(m.annotations);
    case 'spec.nodeName':
      return pod.spec.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec.serviceAccountName ?? 'default';
    case 'status.podIP':
    case 'status.podIPs':
      return podIP;
    case 'status.hostIP':
    case 'status.hostIPs':
      return hostIP;
  }
  return undefined;
}

/** resourceFieldRef: limits fall back to the node's allocatable; cpu rounds up to the divisor. */
export function resourceFieldValue(pod: Pod, ref: ResourceFieldRef, defaultContainer: string, node: NodeAllocatable): string {
  const c = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].find((x) => x.name === (ref.containerName || defaultContainer));
  if (!c) throw new ContainerConfigError(`resourceFieldRef: no container ${ref.containerName}`);
  const [kind, res] = ref.resource.split('.', 2) as ['limits' | 'requests', string];
  const raw = c.resources?.[kind]?.[res] ?? (kind === 'requests' ? c.resources?.limits?.[res] : undefined);
  const divisor = parseQuantity(ref.divisor ?? 1);
  if (res === 'cpu') {
    const milli = raw !== undefined ? Number(quantityMilliValue(parseQuantity(raw))) : kind === 'limits' ? node.cpuMilli : 0;
    const div = Math.max(1, Number(quantityMilliValue(divisor)));
    return String(Math.ceil(milli / div));
  }
  const bytes = raw !== undefined ? Number(quantityValue(parseQuantity(raw))) : kind === 'limits' && res === 'memory' ? node.memoryBytes : 0;
  return String(Math.ceil(bytes / Math.max(1, Number(quantityValue(divisor)))));
}

export interface EnvContext {
  pod: Pod;
  podIP: string;
  hostIP: string;
  node: NodeAllocatable;
  objects: ObjectSource;
}

/** The container's environment in order, as the runtime gets it. */
export async function containerEnv(c: ContainerSpec, ctx: EnvContext): Promise<KeyValue[]> {
  const ns = ctx.pod.metadata.namespace ?? 'default';
  const vars = new Map<string, string>();
  const cache = new Map<string, Map<string, Buffer> | undefined>();
  const source = async (kind: 'configmaps' | 'secrets', name: string): Promise<Map<string, Buffer> | undefined> => {
    const k = `${kind}/${name}`;
    if (!cache.has(k)) {
      const obj = await ctx.objects.get(kind, ns, name);
      cache.set(k, obj ? dataOf(obj) : undefined);
    }
    return cache.get(k);
  };
  const what = (kind: string) => (kind === 'configmaps' ? 'configmap' : 'secret');
  for (const from of c.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    if (!ref) continue;
    const kind = from.configMapRef ? 'configmaps' : 'secrets';
    const data = await source(kind, ref.name);
    if (!data) {
      if (ref.optional) continue;
      throw new ContainerConfigError(`${what(kind)} "${ref.name}" not found`);
    }
    for (const [k, v] of data) vars.set(`${from.prefix ?? ''}${k}`, v.toString('utf8'));
  }
  for (const e of c.env ?? []) {
    let value: string;
    const vf = e.valueFrom;
    if (!vf) value = expand(e.value ?? '', vars);
    else if (vf.configMapKeyRef || vf.secretKeyRef) {
      const ref = (vf.configMapKeyRef ?? vf.secretKeyRef)!;
      const kind = vf.configMapKeyRef ? 'configmaps' : 'secrets';
      const data = await source(kind, ref.name ?? '');
      if (!data) {
        if (ref.optional) continue;
        throw new ContainerConfigError(`${what(kind)} "${ref.name}" not found`);
      }
      const v = data.get(ref.key);
      if (v === undefined) {
        if (ref.optional) continue;
        throw new ContainerConfigError(`couldn't find key ${ref.key} in ${what(kind)[0]!.toUpperCase()}${what(kind).slice(1)} ${ns}/${ref.name}`);
      }
      value = v.toString('utf8');
    } else if (vf.fieldRef) {
      const v = fieldRefValue(ctx.pod, vf.fieldRef, ctx.podIP, ctx.hostIP);
      if (v === undefined) throw new ContainerConfigError(`unsupported fieldPath ${vf.fieldRef.fieldPath}`);
      value = v;
    } else if (vf.resourceFieldRef) value = resourceFieldValue(ctx.pod, vf.resourceFieldRef, c.name, ctx.node);
    else continue;
    vars.set(e.name, value);
  }
  return [...vars].map(([key, value]) => ({ key, value }));
}
