// Deployment helpers (upstream pkg/controller/deployment/util): the pod-template hash,
// revisions and the annotations kept on ReplicaSets, surge/unavailability arithmetic, and
// finding the new and old ReplicaSets of a Deployment.
import type { KubeObject } from '../../api/types.js';
import { stableJson } from '../runtime/objects.js';

export const POD_TEMPLATE_HASH = 'pod-template-hash';
export const REVISION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';
const SKIPPED_ANNOTATIONS = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION,
  REVISION_HISTORY,
  DESIRED_REPLICAS,
  MAX_REPLICAS,
  'deprecated.deployment.rollback.to',
]);
const REV_HISTORY_LIMIT_CHARS = 2000;

const SAFE_ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** 32-bit FNV-1a. */
export function fnv32a(data: Buffer): number {
  let h = 0x811c9dc5;
  for (const b of data) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** apimachinery rand.SafeEncodeString: no vowels, no look-alikes. */
export function safeEncode(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHANUMS[s.charCodeAt(i) % SAFE_ALPHANUMS.length];
  return out;
}

/** The pod-template-hash of a template (upstream ComputeHash: FNV over the template and collisionCount). */
export function computeHash(template: unknown, collisionCount?: number): string {
  const parts = [Buffer.from(stableJson(template), 'utf8')];
  if (collisionCount !== undefined && collisionCount !== null) {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(collisionCount >>> 0);
    parts.push(b);
  }
  return safeEncode(String(fnv32a(Buffer.concat(parts))));
}

function withoutHash(template: unknown): unknown {
  const t = structuredClone((template ?? {}) as { metadata?: { labels?: Record<string, string> } });
  if (t.metadata?.labels) {
    delete t.metadata.labels[POD_TEMPLATE_HASH];
    if (Object.keys(t.metadata.labels).length === 0) delete t.metadata.labels;
  }
  return t;
}

/**
 * A template's stable JSON without the pod-template-hash label, remembered per template
 * object: templates of cached objects are read-only, and every sync of a Deployment compares
 * its template with each of its ReplicaSets' several times.
 */
const normalized = new WeakMap<object, string>();

function normalizedJson(template: unknown): string {
  if (template === null || typeof template !== 'object') return stableJson(withoutHash(template));
  let j = normalized.get(template);
  if (j === undefined) normalized.set(template, (j = stableJson(withoutHash(template))));
  return j;
}

/** Templates equal once the pod-template-hash label is ignored (upstream EqualIgnoreHash). */
export function equalIgnoreHash(a: unknown, b: unknown): boolean {
  return normalizedJson(a) === normalizedJson(b);
}

export function replicasOf(o: KubeObject): number {
  const r = o.spec?.replicas;
  return r === undefined || r === null ? 1 : Number(r);
}

export function revisionOf(o: KubeObject): number {
  const v = Number(o.metadata.annotations?.[REVISION] ?? '0');
  return Number.isFinite(v) ? v : 0;
}

export function maxRevision(rss: KubeObject[]): number {
  return rss.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);
}

function ts(o: KubeObject): number {
  return Date.parse(o.metadata.creationTimestamp ?? '') || 0;
}

/** Oldest first, ties by name (upstream ReplicaSetsByCreationTimestamp). */
export function byCreation(a: KubeObject, b: KubeObject): number {
  return ts(a) - ts(b) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}

/** Lowest revision first (upstream ReplicaSetsByRevision). */
export function byRevision(a: KubeObject, b: KubeObject): number {
  return revisionOf(a) - revisionOf(b) || byCreation(a, b);
}

/** The ReplicaSet whose template is the Deployment's (the oldest if several). */
export function findNewReplicaSet(d: KubeObject, rss: KubeObject[]): KubeObject | undefined {
  return [...rss].sort(byCreation).find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
}

export const sumSpecReplicas = (rss: KubeObject[]): number => rss.reduce((n, rs) => n + (rs ? replicasOf(rs) : 0), 0);
export const sumStatus = (rss: KubeObject[], field: 'replicas' | 'readyReplicas' | 'availableReplicas'): number =>
  rss.reduce((n, rs) => n + Number(rs?.status?.[field] ?? 0), 0);
export const activeReplicaSets = (rss: KubeObject[]): KubeObject[] => rss.filter((rs) => replicasOf(rs) > 0);

/** An int-or-percent against total (upstream GetScaledValueFromIntOrPercent). */
export function scaledValue(v: unknown, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.endsWith('%')) {
    const pct = Number(v.slice(0, -1));
    const x = (pct * total) / 100;
    return roundUp ? Math.ceil(x) : Math.floor(x);
  }
  const n = Number(v ?? 0);
  return Number.isFinite(n) ? n : 0;
}

export function isRollingUpdate(d: KubeObject): boolean {
  return (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

/** [maxSurge, maxUnavailable]; both zero would stall, so unavailable becomes 1. */
export function resolveFenceposts(d: KubeObject): [number, number] {
  const ru = d.spec?.strategy?.rollingUpdate ?? {};
  const desired = replicasOf(d);
  const surge = scaledValue(ru.maxSurge ?? '25%', desired, true);
  let unavailable = scaledValue(ru.maxUnavailable ?? '25%', desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return [surge, unavailable];
}

export function maxSurge(d: KubeObject): number {
  return isRollingUpdate(d) ? resolveFenceposts(d)[0] : 0;
}

export function maxUnavailable(d: KubeObject): number {
  const replicas = replicasOf(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  return Math.min(resolveFenceposts(d)[1], replicas);
}

/** Copy the Deployment's own annotations to rs (skipping the controller's); true on change. */
export function copyAnnotations(d: KubeObject, rs: KubeObject): boolean {
  let changed = false;
  const ann = (rs.metadata.annotations ??= {});
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (SKIPPED_ANNOTATIONS.has(k) || ann[k] === v) continue;
    ann[k] = v;
    changed = true;
  }
  return changed;
}

/** desired-replicas and max-replicas annotations; true on change. */
export function setReplicasAnnotations(rs: KubeObject, desired: number, max: number): boolean {
  const ann = (rs.metadata.annotations ??= {});
  if (ann[DESIRED_REPLICAS] === String(desired) && ann[MAX_REPLICAS] === String(max)) return false;
  ann[DESIRED_REPLICAS] = String(desired);
  ann[MAX_REPLICAS] = String(max);
  return true;
}

export function replicasAnnotationsNeedUpdate(rs: KubeObject, desired: number, max: number): boolean {
  const ann = rs.metadata.annotations ?? {};
  return ann[DESIRED_REPLICAS] !== String(desired) || ann[MAX_REPLICAS] !== String(max);
}

/** Revision (and revision history on a rollback) of the new ReplicaSet; true on change. */
export function setNewReplicaSetAnnotations(d: KubeObject, rs: KubeObject, newRevision: number, exists: boolean): boolean {
  let changed = copyAnnotations(d, rs);
  const ann = (rs.metadata.annotations ??= {});
  const old = ann[REVISION];
  const oldRev = old ? Number(old) : 0;
  if (oldRev < newRevision) {
    ann[REVISION] = String(newRevision);
    changed = true;
    if (old) {
      const history = ann[REVISION_HISTORY] ? ann[REVISION_HISTORY].split(',') : [];
      history.push(old);
      while (history.join(',').length > REV_HISTORY_LIMIT_CHARS) history.shift();
      ann[REVISION_HISTORY] = history.join(',');
    }
  }
  if (!exists && setReplicasAnnotations(rs, replicasOf(d), replicasOf(d) + maxSurge(d))) changed = true;
  return changed;
}
