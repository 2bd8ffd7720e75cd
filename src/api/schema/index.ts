// The schema registry: every definition we publish, looked up by name or by GVK.
import { RESOURCES } from '../resources.js';
import type { GVK } from '../types.js';
import { BATCH_DEFS } from './batch.js';
import { CONTAINER_DEFS } from './container.js';
import { CORE_MISC_DEFS } from './core-misc.js';
import { DISCOVERY_DEFS } from './discovery.js';
import { type Defs, type Schema, defNameFor, listKind, targetOf } from './dsl.js';
import { META_DEFS } from './meta.js';
import { NODE_DEFS } from './node.js';
import { OTHER_GROUP_DEFS } from './other-groups.js';
import { POD_DEFS } from './pod.js';
import { PROBE_DEFS } from './probe.js';
import { SCHEDULING_DEFS } from './scheduling.js';
import { SECURITY_DEFS } from './security.js';
import { SERVICE_DEFS } from './service.js';
import { STORAGE_DEFS } from './storage.js';
import { VOLUME_DEFS } from './volume.js';
import { WORKLOAD_DEFS } from './workloads.js';

export type { Schema } from './dsl.js';

const gvkKey = (g: GVK): string => `${g.group}/${g.version}/${g.kind}`;

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v as object)) deepFreeze(x);
  }
  return v;
}

function build(): { defs: ReadonlyMap<string, Schema>; byGvk: ReadonlyMap<string, string> } {
  const all: Defs = {
    ...META_DEFS,
    ...CONTAINER_DEFS,
    ...PROBE_DEFS,
    ...SECURITY_DEFS,
    ...SCHEDULING_DEFS,
    ...VOLUME_DEFS,
    ...POD_DEFS,
    ...NODE_DEFS,
    ...CORE_MISC_DEFS,
    ...SERVICE_DEFS,
    ...STORAGE_DEFS,
    ...WORKLOAD_DEFS,
    ...BATCH_DEFS,
    ...OTHER_GROUP_DEFS,
    ...DISCOVERY_DEFS,
  };
  for (const r of RESOURCES) {
    const item = defNameFor({ group: r.group, version: r.version, kind: r.kind });
    const apiVersion = r.group ? `${r.group}/${r.version}` : r.version;
    all[item + 'List'] = listKind(apiVersion, r.kind, item, `${r.kind} objects`);
  }
  const defs = new Map(Object.entries(all).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const byGvk = new Map<string, string>();
  for (const [name, s] of defs) for (const g of s['x-kubernetes-group-version-kind'] ?? []) if (!byGvk.has(gvkKey(g))) byGvk.set(gvkKey(g), name);
  deepFreeze(defs);
  return { defs, byGvk };
}

const REGISTRY = build();

/** Every published definition, keyed by upstream-style name (e.g. io.k8s.api.core.v1.Pod). Schemas are frozen. */
export function allSchemas(): Map<string, Schema> {
  return new Map(REGISTRY.defs);
}

/** The definition name carrying this GVK in its x-kubernetes-group-version-kind, if any. */
export function definitionNameForKind(gvk: GVK): string | undefined {
  return REGISTRY.byGvk.get(gvkKey(gvk));
}

/** The top-level schema of a kind (Pod, PodList, Deployment, Scale, Status...), if we know it. */
export function schemaForKind(gvk: GVK): Schema | undefined {
  const n = definitionNameForKind(gvk);
  return n === undefined ? undefined : REGISTRY.defs.get(n);
}

/** A definition by name. */
export function schemaByName(name: string): Schema | undefined {
  return REGISTRY.defs.get(name);
}

/** Follows `$ref` / single `allOf` wrappers to the named definition; returns the schema itself otherwise. */
export function resolveSchema(s: Schema): { schema: Schema; name?: string } {
  let cur = s;
  let name: string | undefined;
  for (let i = 0; i < 16; i++) {
    const t = targetOf(cur);
    if (t === undefined) break;
    const next = REGISTRY.defs.get(t);
    if (!next) break;
    name = t;
    cur = next;
  }
  return { schema: cur, name };
}

/** Names of all definitions reachable from the given ones (inclusive), sorted. */
export function closureOf(names: Iterable<string>): string[] {
  const seen = new Set<string>();
  const stack = [...names];
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    const s = REGISTRY.defs.get(n);
    if (!s) continue;
    seen.add(n);
    collectRefs(s, stack);
  }
  return [...seen].sort();
}

/** Pushes every `$ref` target found anywhere inside a schema. */
export function collectRefs(s: unknown, out: string[]): void {
  if (Array.isArray(s)) {
    for (const x of s) collectRefs(x, out);
  } else if (s && typeof s === 'object') {
    for (const [k, v] of Object.entries(s)) {
      if (k === '$ref' && typeof v === 'string') out.push(v.replace('#/components/schemas/', ''));
      else collectRefs(v, out);
    }
  }
}
