// A static pod from a manifest (a file in --pod-manifest-path or the body of --manifest-url), as
// the kubelet's config sources make it: API defaults, the name suffixed with the node name, the
// default namespace, spec.nodeName set, and a UID that is the hash of the manifest and its origin
// (so the same manifest is the same pod across agent restarts, and an edit is a new pod).
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { defaultPodObjectSpec } from '../../api/defaults/pod.js';
import type { KubeObject } from '../../api/types.js';
import { validatePod } from '../../api/validation/pod.js';
import type { PodSpec as ApiPodSpec } from '../../api/validation/shapes.js';
import type { Pod } from '../types.js';

export const ANNOTATION_CONFIG_SOURCE = 'kubernetes.io/config.source';
export const ANNOTATION_CONFIG_HASH = 'kubernetes.io/config.hash';
export const ANNOTATION_CONFIG_SEEN = 'kubernetes.io/config.seen';
export const ANNOTATION_CONFIG_MIRROR = 'kubernetes.io/config.mirror';

export type SourceKind = 'file' | 'http';

export interface Origin {
  kind: SourceKind;
  /** the file's path or the URL */
  where: string;
}

export class ManifestError extends Error {}

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

/** JSON with object keys sorted: the hash must not depend on key order in the file. */
function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (isRec(v)) return `{${Object.keys(v).sort().filter((k) => v[k] !== undefined).map((k) => `${JSON.stringify(k)}:${stableJson(v[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

/** The objects in a manifest's text (YAML or JSON; one document, a PodList's items for http). */
export function parseManifest(text: string, origin: Origin): Rec[] {
  // the YAML parser is loaded with the first manifest: most agents have none
  const { parseAllDocuments } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  const docs = parseAllDocuments(text).filter((d) => d.contents !== null);
  for (const d of docs) if (d.errors.length) throw new ManifestError(`${origin.where}: ${d.errors[0]!.message}`);
  const objs = docs.map((d) => d.toJS() as unknown);
  if (!objs.length) return [];
  if (objs.length > 1 && origin.kind === 'file') throw new ManifestError(`${origin.where}: a manifest file holds one pod, found ${objs.length} documents`);
  const out: Rec[] = [];
  for (const o of objs) {
    if (!isRec(o)) throw new ManifestError(`${origin.where}: not an object`);
    if (origin.kind === 'http' && (o.kind === 'PodList' || o.kind === 'List') && Array.isArray(o.items)) {
      for (const it of o.items) if (isRec(it)) out.push({ apiVersion: 'v1', kind: 'Pod', ...it });
      continue;
    }
    out.push(o);
  }
  return out;
}

/** The static pod the kubelet runs for one manifest object; throws ManifestError when invalid. */
export function staticPod(raw: Rec, origin: Origin, nodeName: string): Pod {
  if (raw.kind !== 'Pod' || (raw.apiVersion !== 'v1' && raw.apiVersion !== undefined)) {
    throw new ManifestError(`${origin.where}: want a v1 Pod, got ${String(raw.apiVersion ?? '')}/${String(raw.kind ?? '')}`);
  }
  const pod = structuredClone(raw) as unknown as KubeObject;
  if (!isRec(pod.metadata)) pod.metadata = {};
  if (!isRec(pod.spec)) pod.spec = {};
  delete pod.status;
  defaultPodObjectSpec(pod.spec as ApiPodSpec, true);
  const meta = pod.metadata;
  const node = nodeName.toLowerCase();
  if (!meta.uid) {
    const h = createHash('md5').update(stableJson(pod));
    h.update(origin.kind === 'file' ? `host:${node}file:${origin.where}` : `url:${origin.where}`);
    meta.uid = h.digest('hex');
  }
  meta.name = `${meta.name ?? ''}-${node}`;
  if (!meta.namespace) meta.namespace = 'default';
  pod.spec.nodeName = node;
  meta.annotations = { ...(meta.annotations ?? {}), [ANNOTATION_CONFIG_HASH]: meta.uid, [ANNOTATION_CONFIG_SOURCE]: origin.kind };
  if (origin.kind === 'file') {
    // static pods from files tolerate every NoExecute taint: node problems must not evict them
    const tols = Array.isArray(pod.spec.tolerations) ? (pod.spec.tolerations as Rec[]) : [];
    if (!tols.some((t) => t.operator === 'Exists' && t.effect === 'NoExecute' && !t.key)) tols.push({ operator: 'Exists', effect: 'NoExecute' });
    pod.spec.tolerations = tols;
  }
  pod.apiVersion = 'v1';
  pod.kind = 'Pod';
  pod.status = { phase: 'Pending' };
  const errs = validatePod(pod);
  if (errs.length) throw new ManifestError(`${origin.where}: invalid pod: ${errs.map((e) => `${e.field}: ${e.detail || e.type}`).join('; ')}`);
  return pod as Pod;
}

export const isMirrorPod = (p: KubeObject): boolean => p.metadata.annotations?.[ANNOTATION_CONFIG_MIRROR] !== undefined;

/** ns/name, the key static pods and their mirrors share. */
export const fullName = (p: KubeObject): string => `${p.metadata.namespace}/${p.metadata.name}`;
