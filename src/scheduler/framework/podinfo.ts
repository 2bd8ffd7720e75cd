// PodInfo: a pod plus everything the plugins derive from it, computed once (lazily) per pod and
// kept for as long as the pod lives in the queue or in the snapshot.
import type { KubeObject } from '../../api/types.js';
import type { NodeInfo } from './nodeinfo.js';
import { nothing, selectorFromLabelSelector, type LabelSelector, type LabelSelectorSpec } from '../../api/labels.js';
import { computePodRequests, type PodRequests } from './resources.js';
import { parseTolerations, type Toleration } from '../../api/taints.js';
import { compilePreferredTerms, compileRequiredNodeAffinity, type PreferredTerm, type RequiredNodeAffinity } from '../../api/nodeselector.js';

export interface HostPort {
  readonly ip: string;
  readonly protocol: string;
  readonly port: number;
}

/** A pod (anti-)affinity term, compiled. */
export interface AffinityTerm {
  readonly topologyKey: string;
  readonly namespaces: ReadonlySet<string>;
  /** namespaceSelector {}: every namespace. */
  readonly allNamespaces: boolean;
  /** A non-empty namespaceSelector, matched against the other pod's namespace labels. */
  readonly nsSelector: LabelSelector | null;
  readonly selector: LabelSelector;
  /** Weight for preferred terms, 1 for required ones. */
  readonly weight: number;
  /** Identifies equal terms (same namespaces, selectors and topology key) across pods. */
  readonly signature: string;
}

/** AffinityTerm.Matches: the other pod is in one of the term's namespaces and matches its selector. */
export function termMatches(t: AffinityTerm, pod: PodInfo, nsLabels: Readonly<Record<string, string>> | undefined): boolean {
  if (!t.allNamespaces && !t.namespaces.has(pod.namespace) && !(t.nsSelector !== null && t.nsSelector.matches(nsLabels ?? {}))) return false;
  return t.selector.matches(pod.labels);
}

export function selectorKey(s: LabelSelector): string {
  return s.requirements.length === 0 && !s.isEmpty() ? '<nothing>' : s.toString();
}

function safeSelector(spec: LabelSelectorSpec | null | undefined): LabelSelector {
  try {
    return selectorFromLabelSelector(spec);
  } catch {
    return nothing();
  }
}

interface TermSpec {
  labelSelector?: LabelSelectorSpec | null;
  namespaces?: string[];
  namespaceSelector?: LabelSelectorSpec | null;
  topologyKey?: string;
  matchLabelKeys?: string[];
  mismatchLabelKeys?: string[];
}

export function makeTerm(
  topologyKey: string,
  namespaces: ReadonlySet<string>,
  allNamespaces: boolean,
  nsSelector: LabelSelector | null,
  selector: LabelSelector,
  weight: number,
): AffinityTerm {
  const signature = `${topologyKey}|${allNamespaces ? '*' : [...namespaces].sort().join(',')}|${nsSelector ? selectorKey(nsSelector) : ''}|${selectorKey(selector)}`;
  return { topologyKey, namespaces, allNamespaces, nsSelector, selector, weight, signature };
}

function compileTerm(ns: string, labels: Record<string, string>, t: TermSpec, weight: number): AffinityTerm {
  let spec = t.labelSelector;
  if (spec && (t.matchLabelKeys?.length || t.mismatchLabelKeys?.length)) {
    const extra = [];
    for (const k of t.matchLabelKeys ?? []) if (k in labels) extra.push({ key: k, operator: 'In', values: [labels[k]] });
    for (const k of t.mismatchLabelKeys ?? []) if (k in labels) extra.push({ key: k, operator: 'NotIn', values: [labels[k]] });
    spec = { matchLabels: spec.matchLabels, matchExpressions: [...(spec.matchExpressions ?? []), ...extra] };
  }
  const selector = safeSelector(spec);
  const nsList = t.namespaces ?? [];
  const namespaces = new Set(nsList.length === 0 && t.namespaceSelector == null ? [ns] : nsList);
  let nsSelector: LabelSelector | null = null;
  let all = false;
  if (t.namespaceSelector != null) {
    const s = safeSelector(t.namespaceSelector);
    if (s.isEmpty()) all = true;
    else if (s.requirements.length > 0) nsSelector = s;
  }
  return makeTerm(t.topologyKey ?? '', namespaces, all, nsSelector, selector, weight);
}

function compileTerms(ns: string, labels: Record<string, string>, list: unknown, weighted: boolean): AffinityTerm[] {
  if (!Array.isArray(list)) return [];
  const out: AffinityTerm[] = [];
  for (const item of list) {
    if (weighted) {
      const w = item as { weight?: number; podAffinityTerm?: TermSpec };
      if (w.podAffinityTerm) out.push(compileTerm(ns, labels, w.podAffinityTerm, w.weight ?? 0));
    } else out.push(compileTerm(ns, labels, item as TermSpec, 1));
  }
  return out;
}

const NO_TERMS: readonly AffinityTerm[] = Object.freeze([]);

export function normalizedImageName(name: string): string {
  return name.lastIndexOf(':') <= name.lastIndexOf('/') ? name + ':latest' : name;
}

interface ContainerSpec {
  image?: string;
  restartPolicy?: string;
  ports?: { hostPort?: number; hostIP?: string; protocol?: string }[];
}

/** PodInfo.key without building a PodInfo: the uid, else namespace/name. */
export function podInfoKey(pod: KubeObject): string {
  const md = pod.metadata;
  return md.uid ?? `${md.namespace ?? 'default'}/${md.name ?? ''}`;
}

export class PodInfo {
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly priority: number;
  readonly terminating: boolean;
  readonly requiredAffinityTerms: readonly AffinityTerm[];
  readonly requiredAntiAffinityTerms: readonly AffinityTerm[];
  readonly preferredAffinityTerms: readonly AffinityTerm[];
  readonly preferredAntiAffinityTerms: readonly AffinityTerm[];
  /** Any (anti-)affinity term, required or preferred (NodeInfo.PodsWithAffinity). */
  readonly hasAffinity: boolean;
  /** The node the pod is assigned (or assumed) to in a snapshot; '' while pending. */
  nodeName: string;
  /**
   * The snapshot NodeInfo the pod is attached to (set and cleared by Snapshot only; clones
   * made for preemption do not change it): lets index walks skip two map lookups per pod.
   */
  attachedTo: NodeInfo | undefined = undefined;
  private _requests?: PodRequests;
  private _tolerations?: Toleration[];
  private _hostPorts?: HostPort[];
  private _images?: string[];
  private _nodeAffinity?: RequiredNodeAffinity;
  private _preferredNodeTerms?: PreferredTerm[];

  private _pod: KubeObject;

  /**
   * `from`: a PodInfo of the same pod object except for spec.nodeName (the pending pod a
   * scheduling cycle just placed, for its assumed copy): what it derived is shared.
   */
  constructor(pod: KubeObject, from?: PodInfo) {
    this._pod = pod;
    if (from) {
      this.namespace = from.namespace;
      this.name = from.name;
      this.key = from.key;
      this.labels = from.labels;
      this.priority = from.priority;
      this.terminating = from.terminating;
      this.nodeName = typeof pod.spec?.nodeName === 'string' ? pod.spec.nodeName : '';
      this.requiredAffinityTerms = from.requiredAffinityTerms;
      this.preferredAffinityTerms = from.preferredAffinityTerms;
      this.requiredAntiAffinityTerms = from.requiredAntiAffinityTerms;
      this.preferredAntiAffinityTerms = from.preferredAntiAffinityTerms;
      this.hasAffinity = from.hasAffinity;
      this._requests = from._requests;
      this._tolerations = from._tolerations;
      this._hostPorts = from._hostPorts;
      this._images = from._images;
      this._nodeAffinity = from._nodeAffinity;
      this._preferredNodeTerms = from._preferredNodeTerms;
      return;
    }
    const md = pod.metadata;
    this.namespace = md.namespace ?? 'default';
    this.name = md.name ?? '';
    this.key = podInfoKey(pod);
    this.labels = md.labels ?? {};
    this.priority = typeof pod.spec?.priority === 'number' ? pod.spec.priority : 0;
    this.terminating = md.deletionTimestamp !== undefined && md.deletionTimestamp !== null;
    this.nodeName = typeof pod.spec?.nodeName === 'string' ? pod.spec.nodeName : '';
    const pa = pod.spec?.affinity?.podAffinity;
    const paa = pod.spec?.affinity?.podAntiAffinity;
    const ns = this.namespace;
    this.requiredAffinityTerms = pa ? compileTerms(ns, this.labels, pa.requiredDuringSchedulingIgnoredDuringExecution, false) : NO_TERMS;
    this.preferredAffinityTerms = pa ? compileTerms(ns, this.labels, pa.preferredDuringSchedulingIgnoredDuringExecution, true) : NO_TERMS;
    this.requiredAntiAffinityTerms = paa ? compileTerms(ns, this.labels, paa.requiredDuringSchedulingIgnoredDuringExecution, false) : NO_TERMS;
    this.preferredAntiAffinityTerms = paa ? compileTerms(ns, this.labels, paa.preferredDuringSchedulingIgnoredDuringExecution, true) : NO_TERMS;
    this.hasAffinity =
      this.requiredAffinityTerms.length + this.preferredAffinityTerms.length + this.requiredAntiAffinityTerms.length + this.preferredAntiAffinityTerms.length > 0;
  }

  get pod(): KubeObject {
    return this._pod;
  }

  /**
   * Swaps in a newer copy of the same pod whose scheduling inputs are unchanged (see
   * sameSchedulingInputs): what was derived from the old copy stays valid. Used when the
   * binding of an assumed pod comes back from the API.
   */
  replacePod(pod: KubeObject): void {
    this._pod = pod;
  }

  get requests(): PodRequests {
    return (this._requests ??= computePodRequests(this.pod));
  }
  get tolerations(): Toleration[] {
    return (this._tolerations ??= parseTolerations(this.pod.spec?.tolerations));
  }
  get nodeAffinity(): RequiredNodeAffinity {
    return (this._nodeAffinity ??= compileRequiredNodeAffinity(this.pod.spec));
  }
  get preferredNodeTerms(): PreferredTerm[] {
    return (this._preferredNodeTerms ??= compilePreferredTerms(this.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution));
  }
  /** Host ports of app containers and sidecars (hostPort > 0), defaulted to 0.0.0.0/TCP. */
  get hostPorts(): HostPort[] {
    if (!this._hostPorts) {
      const out: HostPort[] = [];
      const spec = this.pod.spec as { containers?: ContainerSpec[]; initContainers?: ContainerSpec[] } | undefined;
      const cs = [...(spec?.containers ?? []), ...(spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always')];
      for (const c of cs) {
        for (const p of c.ports ?? []) {
          if (!p.hostPort || p.hostPort <= 0) continue;
          out.push({ ip: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', port: p.hostPort });
        }
      }
      this._hostPorts = out;
    }
    return this._hostPorts;
  }
  /** Normalized images of all containers (init and app), for ImageLocality. */
  get images(): string[] {
    if (!this._images) {
      const spec = this.pod.spec as { containers?: ContainerSpec[]; initContainers?: ContainerSpec[] } | undefined;
      this._images = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])].map((c) => normalizedImageName(c.image ?? ''));
    }
    return this._images;
  }
  /** status.startTime in ms; pods not started yet count as started now (latest). */
  get startTime(): number {
    const t = this.pod.status?.startTime;
    const ms = typeof t === 'string' ? Date.parse(t) : NaN;
    return Number.isNaN(ms) ? Number.MAX_SAFE_INTEGER : ms;
  }
  get preemptionPolicy(): string {
    return this.pod.spec?.preemptionPolicy ?? 'PreemptLowerPriority';
  }
  get nominatedNodeName(): string {
    return this.pod.status?.nominatedNodeName ?? '';
  }
}

/**
 * True when b can stand in for a under an existing PodInfo: same identity, labels, deletion
 * state, node and spec (everything a PodInfo derives from; status is read live).
 */
export function sameSchedulingInputs(a: KubeObject, b: KubeObject): boolean {
  const ma = a.metadata;
  const mb = b.metadata;
  if (ma.uid !== mb.uid || ma.namespace !== mb.namespace || ma.name !== mb.name) return false;
  if ((ma.deletionTimestamp ?? undefined) !== (mb.deletionTimestamp ?? undefined)) return false;
  if (!jsonEqual(ma.labels ?? {}, mb.labels ?? {})) return false;
  return jsonEqual(a.spec, b.spec);
}

/**
 * True when b is a copy of a made for assuming it on a node ({...a, spec: {...a.spec, nodeName}}):
 * the same metadata object and the same spec values except spec.nodeName.
 */
export function isAssumedCopy(a: KubeObject, b: KubeObject): boolean {
  if (a.metadata !== b.metadata || !a.spec || !b.spec) return false;
  let n = 0;
  for (const k in b.spec) {
    if (k === 'nodeName') continue;
    if (b.spec[k] !== a.spec[k]) return false;
    n++;
  }
  for (const k in a.spec) if (k !== 'nodeName') n--;
  return n === 0;
}

/** Deep equality of JSON values (key order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  let n = 0;
  for (const k in ao) {
    if (ao[k] === undefined) continue;
    n++;
    if (!jsonEqual(ao[k], bo[k])) return false;
  }
  for (const k in bo) if (bo[k] !== undefined) n--;
  return n === 0;
}

/** util.MoreImportantPod: higher priority first, then the pod that started earlier. */
export function moreImportantPod(a: PodInfo, b: PodInfo): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority;
  return a.startTime < b.startTime;
}

export function asPodInfo(p: KubeObject | PodInfo): PodInfo {
  return p instanceof PodInfo ? p : new PodInfo(p);
}
