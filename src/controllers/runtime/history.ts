// ControllerRevision helpers (upstream pkg/controller/history), shared by the controllers that
// keep a history of their pod templates (DaemonSet, StatefulSet): build a revision for an
// owner, hash its data, find the revisions an owner controls, create one (telling an
// identical existing revision from a hash collision), renumber and delete revisions.
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import type { RestClient } from '../../client/rest.js';
import { computeHash } from '../deployment/util.js';
import { controllerRef, newControllerRef, stableJson } from './objects.js';

/** Label with the hash of a revision's data (upstream ControllerRevisionHashLabel). */
export const REVISION_HASH_LABEL = 'controller.kubernetes.io/hash';
const MAX_NAME_PREFIX = 223;

export interface ControllerRevision extends KubeObject {
  data?: unknown;
  revision: number;
}

/**
 * The hash of a pod template (with the owner's collisionCount), as Deployments and DaemonSets
 * label their pods: pod-template-hash / controller-revision-hash.
 */
export function hashTemplate(template: unknown, collisionCount?: number): string {
  return computeHash(template, collisionCount);
}

/** 32-bit FNV-1 (not 1a), as upstream hashes revision data. */
function fnv32(data: Buffer): number {
  let h = 0x811c9dc5;
  for (const b of data) {
    h = Math.imul(h, 0x01000193) >>> 0;
    h ^= b;
  }
  return h >>> 0;
}

const SAFE_ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** Hash of a revision's data and the owner's collisionCount (upstream HashControllerRevision). */
export function hashRevisionData(data: unknown, collisionCount?: number): string {
  let s = stableJson(data ?? null);
  if (collisionCount !== undefined && collisionCount !== null) s += String(collisionCount);
  const n = String(fnv32(Buffer.from(s, 'utf8')));
  let out = '';
  for (let i = 0; i < n.length; i++) out += SAFE_ALPHANUMS[n.charCodeAt(i) % SAFE_ALPHANUMS.length];
  return out;
}

/** `<prefix>-<hash>`, the prefix cut so that the name stays a valid object name. */
export function revisionName(prefix: string, hash: string): string {
  return `${prefix.slice(0, MAX_NAME_PREFIX)}-${hash}`;
}

export interface NewRevision {
  owner: KubeObject;
  revision: number;
  data: unknown;
  /** labels of the revision (usually the pod template's), without the hash label */
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** the name's hash; default hashRevisionData(data, collisionCount) */
  hash?: string;
  /** label that carries the hash (default controller.kubernetes.io/hash) */
  hashLabel?: string;
  collisionCount?: number;
}

/** A ControllerRevision controlled by owner (upstream NewControllerRevision). */
export function newRevision(o: NewRevision): ControllerRevision {
  const hash = o.hash ?? hashRevisionData(o.data, o.collisionCount);
  const metadata: KubeObject['metadata'] = {
    name: revisionName(o.owner.metadata.name!, hash),
    namespace: o.owner.metadata.namespace,
    labels: { ...(o.labels ?? {}), [o.hashLabel ?? REVISION_HASH_LABEL]: hash },
    ownerReferences: [newControllerRef(o.owner)],
  };
  if (o.annotations && Object.keys(o.annotations).length) metadata.annotations = { ...o.annotations };
  return { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata, data: structuredClone(o.data), revision: o.revision };
}

export const revisionsPath = (ns: string): string => `/apis/apps/v1/namespaces/${ns}/controllerrevisions`;

/** The revisions among all whose controller reference is owner. */
export function ownedRevisions(all: KubeObject[], owner: KubeObject): ControllerRevision[] {
  return all.filter((r) => controllerRef(r)?.uid === owner.metadata.uid) as ControllerRevision[];
}

export function revisionNumber(r: KubeObject): number {
  return Number((r as ControllerRevision).revision ?? 0);
}

export function maxRevisionNumber(revs: KubeObject[]): number {
  return revs.reduce((m, r) => Math.max(m, revisionNumber(r)), 0);
}

/** Oldest revision first; ties by creation time then name (upstream byRevision). */
export function byRevision(a: KubeObject, b: KubeObject): number {
  const d = revisionNumber(a) - revisionNumber(b);
  if (d !== 0) return d;
  const ta = Date.parse(a.metadata.creationTimestamp ?? '') || 0;
  const tb = Date.parse(b.metadata.creationTimestamp ?? '') || 0;
  return ta - tb || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}

export function sameRevisionData(a: unknown, b: unknown): boolean {
  return stableJson(a ?? null) === stableJson(b ?? null);
}

/** A revision of that name exists with other data or another owner: the owner must bump collisionCount. */
export class RevisionCollision extends Error {
  override readonly name = 'RevisionCollision';
  constructor(readonly existing: ControllerRevision) {
    super(`controller revision ${existing.metadata.namespace}/${existing.metadata.name} already exists with different data`);
  }
}

/**
 * Create rev; when one of that name exists and holds the same data for the same owner, return
 * it (a previous create whose reply was lost); otherwise throw RevisionCollision.
 */
export async function createRevision(client: RestClient, rev: ControllerRevision): Promise<ControllerRevision> {
  const ns = rev.metadata.namespace!;
  try {
    return await client.json<ControllerRevision>('POST', revisionsPath(ns), rev);
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 409)) throw err;
  }
  const existing = await client.json<ControllerRevision>('GET', `${revisionsPath(ns)}/${rev.metadata.name}`);
  const owner = rev.metadata.ownerReferences?.[0]?.uid;
  if (controllerRef(existing)?.uid === owner && sameRevisionData(existing.data, rev.data)) return existing;
  throw new RevisionCollision(existing);
}

/** Give rev a new revision number (upstream UpdateControllerRevision). */
export async function setRevisionNumber(client: RestClient, rev: ControllerRevision, revision: number): Promise<ControllerRevision> {
  if (revisionNumber(rev) === revision) return rev;
  return client.json<ControllerRevision>('PUT', `${revisionsPath(rev.metadata.namespace!)}/${rev.metadata.name}`, { ...rev, revision });
}

export async function deleteRevision(client: RestClient, rev: KubeObject): Promise<void> {
  try {
    await client.json('DELETE', `${revisionsPath(rev.metadata.namespace!)}/${rev.metadata.name}`);
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 404)) throw err;
  }
}
