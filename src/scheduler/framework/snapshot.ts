// Snapshot: the scheduler's live view of nodes and assigned pods, updated incrementally from
// informer events (and by assuming pods as they are scheduled), never rebuilt per cycle.
import type { KubeObject } from '../../api/types.js';
import { NodeInfo } from './nodeinfo.js';
import { asPodInfo, PodInfo } from './podinfo.js';
import { PodLabelIndex, TermIndex } from './podindex.js';
import { MatchCounts } from './matchcount.js';
import type { LabelSelector } from '../../api/labels.js';

export const LABEL_ZONE = 'topology.kubernetes.io/zone';
export const LABEL_REGION = 'topology.kubernetes.io/region';
export const LABEL_HOSTNAME = 'kubernetes.io/hostname';

/** Nodes having all of some topology keys, and their domains. */
export interface TopologyDomains {
  readonly nodesWithAllKeys: number;
  /** key -> value -> number of nodes (only nodes having all the keys). */
  readonly domains: ReadonlyMap<string, ReadonlyMap<string, number>>;
}

export function isTerminalPod(pod: KubeObject): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

export class Snapshot {
  private readonly nodeMap = new Map<string, NodeInfo>();
  private list: NodeInfo[] = [];
  private listDirty = false;
  private readonly podMap = new Map<string, PodInfo>();
  /** Pods whose node is not (yet) known. */
  private readonly orphans = new Map<string, Map<string, PodInfo>>();
  private readonly imageNodes = new Map<string, number>();
  private readonly domainCache = new Map<string, TopologyDomains>();
  /** Changes when node labels or the node set change (invalidates topology caches). */
  labelGeneration = 0;
  /** Nodes with at least one taint, and cordoned nodes: with none, those filters cannot reject. */
  taintedNodes = 0;
  unschedulableNodes = 0;

  readonly podsByLabel = new PodLabelIndex();
  /** Existing pods' terms, for InterPodAffinity. */
  readonly requiredAntiAffinity = new TermIndex();
  readonly requiredAffinity = new TermIndex();
  readonly preferredAffinity = new TermIndex();
  readonly preferredAntiAffinity = new TermIndex();
  private readonly matchCounts = new MatchCounts();

  /** Builds a snapshot from node and pod lists (terminal and unassigned pods are left out). */
  static fromLists(nodes: readonly KubeObject[], pods: readonly (KubeObject | PodInfo)[]): Snapshot {
    const s = new Snapshot();
    for (const n of nodes) s.upsertNode(n);
    for (const p of pods) {
      const pi = asPodInfo(p);
      if (pi.nodeName && !isTerminalPod(pi.pod)) s.addPod(pi);
    }
    return s;
  }

  /** Nodes interleaved across zones (as upstream's node tree), so that partial filtering spreads. */
  get nodes(): readonly NodeInfo[] {
    if (this.listDirty) this.rebuildList();
    return this.list;
  }
  get numNodes(): number {
    return this.nodeMap.size;
  }
  get numPods(): number {
    return this.podMap.size;
  }
  get(nodeName: string): NodeInfo | undefined {
    return this.nodeMap.get(nodeName);
  }
  getPod(key: string): PodInfo | undefined {
    return this.podMap.get(key);
  }
  /** Number of nodes that have an image (normalized name). */
  imageNumNodes(image: string): number {
    return this.imageNodes.get(image) ?? 0;
  }

  /** Adds or updates a node. */
  upsertNode(node: KubeObject): NodeInfo {
    const name = node.metadata.name ?? '';
    const ni = this.nodeMap.get(name);
    if (!ni) {
      const fresh = new NodeInfo(node);
      this.nodeMap.set(name, fresh);
      this.countImages(fresh, 1);
      this.countFlags(fresh, 1);
      this.labelsChanged();
      const waiting = this.orphans.get(name);
      if (waiting) {
        this.orphans.delete(name);
        for (const pi of waiting.values()) this.attach(pi, fresh);
      }
      return fresh;
    }
    const oldLabels = ni.labels;
    const newLabels = node.metadata.labels ?? {};
    const relabel = !sameLabels(oldLabels, newLabels);
    if (relabel) for (const pi of ni.pods) this.indexTerms(pi, oldLabels, -1);
    this.countImages(ni, -1);
    this.countFlags(ni, -1);
    ni.setNode(node);
    this.countImages(ni, 1);
    this.countFlags(ni, 1);
    if (relabel) {
      for (const pi of ni.pods) this.indexTerms(pi, newLabels, 1);
      this.labelsChanged();
    }
    return ni;
  }

  private countFlags(ni: NodeInfo, sign: 1 | -1): void {
    if (ni.taints.length > 0) this.taintedNodes += sign;
    if (ni.unschedulable) this.unschedulableNodes += sign;
  }

  /** Alias of upsertNode for informer update events. */
  updateNode(node: KubeObject): NodeInfo {
    return this.upsertNode(node);
  }

  removeNode(name: string): void {
    const ni = this.nodeMap.get(name);
    if (!ni) return;
    this.nodeMap.delete(name);
    this.countImages(ni, -1);
    this.countFlags(ni, -1);
    if (ni.pods.length > 0) {
      const waiting = new Map<string, PodInfo>();
      for (const pi of ni.pods) {
        this.indexTerms(pi, ni.labels, -1);
        if (pi.attachedTo === ni) {
          pi.attachedTo = undefined;
          this.matchCounts.update(pi, ni, -1);
        }
        waiting.set(pi.key, pi);
      }
      this.orphans.set(name, waiting);
    }
    this.labelsChanged();
  }

  /**
   * Adds an assigned pod (or assumes a scheduled one: pass nodeName). A pod already present
   * under the same key is replaced.
   */
  addPod(pod: KubeObject | PodInfo, nodeName?: string): PodInfo {
    const pi = asPodInfo(pod);
    if (nodeName) pi.nodeName = nodeName;
    if (!pi.nodeName) throw new Error(`pod ${pi.namespace}/${pi.name} has no node`);
    const old = this.podMap.get(pi.key);
    if (old) this.removePod(old);
    this.podMap.set(pi.key, pi);
    this.podsByLabel.add(pi);
    const ni = this.nodeMap.get(pi.nodeName);
    if (ni) this.attach(pi, ni);
    else {
      let w = this.orphans.get(pi.nodeName);
      if (!w) this.orphans.set(pi.nodeName, (w = new Map()));
      w.set(pi.key, pi);
    }
    return pi;
  }

  /** Informer-style update: terminal or unassigned pods are removed, others added/replaced. */
  upsertPod(pod: KubeObject | PodInfo): PodInfo | undefined {
    const pi = asPodInfo(pod);
    if (!pi.nodeName || isTerminalPod(pi.pod)) {
      this.removePod(pi.key);
      return undefined;
    }
    return this.addPod(pi);
  }

  removePod(podOrKey: KubeObject | PodInfo | string): boolean {
    const key = typeof podOrKey === 'string' ? podOrKey : asKey(podOrKey);
    const pi = this.podMap.get(key);
    if (!pi) return false;
    this.podMap.delete(key);
    this.podsByLabel.remove(pi);
    const ni = this.nodeMap.get(pi.nodeName);
    if (ni && pi.attachedTo === ni) this.matchCounts.update(pi, ni, -1);
    if (pi.attachedTo === ni) pi.attachedTo = undefined;
    if (ni && ni.removePod(pi)) this.indexTerms(pi, ni.labels, -1);
    else this.orphans.get(pi.nodeName)?.delete(key);
    return true;
  }

  /** Domains of nodes having all `keys`; cached until node labels change. */
  topologyDomains(keys: readonly string[]): TopologyDomains {
    const ck = keys.join('\0');
    const hit = this.domainCache.get(ck);
    if (hit) return hit;
    const domains = new Map<string, Map<string, number>>();
    for (const k of keys) domains.set(k, new Map());
    let n = 0;
    for (const ni of this.nodeMap.values()) {
      if (!hasAllKeys(ni.labels, keys)) continue;
      n++;
      for (const k of keys) {
        const d = domains.get(k) as Map<string, number>;
        const v = ni.labels[k];
        d.set(v, (d.get(v) ?? 0) + 1);
      }
    }
    const r: TopologyDomains = { nodesWithAllKeys: n, domains };
    this.domainCache.set(ck, r);
    return r;
  }

  /**
   * Pods attached to each node that are in `namespace`, not terminating and matched by a
   * non-empty `selector` (PodTopologySpread's counting), followed incrementally once asked
   * for; undefined for an empty or match-nothing selector.
   */
  matchingPodsByNode(namespace: string, selector: LabelSelector): ReadonlyMap<NodeInfo, number> | undefined {
    return this.matchCounts.get(namespace, selector, () => this.podsByLabel.candidates(selector).flatMap((s) => [...s]));
  }

  private attach(pi: PodInfo, ni: NodeInfo): void {
    ni.addPod(pi);
    pi.attachedTo = ni;
    this.matchCounts.update(pi, ni, 1);
    this.indexTerms(pi, ni.labels, 1);
  }

  private indexTerms(pi: PodInfo, labels: Readonly<Record<string, string>>, sign: 1 | -1): void {
    if (!pi.hasAffinity) return;
    this.requiredAntiAffinity.update(pi.requiredAntiAffinityTerms, labels, sign);
    this.requiredAffinity.update(pi.requiredAffinityTerms, labels, sign);
    this.preferredAffinity.update(pi.preferredAffinityTerms, labels, sign);
    this.preferredAntiAffinity.update(pi.preferredAntiAffinityTerms, labels, sign);
  }

  private countImages(ni: NodeInfo, sign: 1 | -1): void {
    for (const img of ni.images.keys()) {
      const n = (this.imageNodes.get(img) ?? 0) + sign;
      if (n > 0) this.imageNodes.set(img, n);
      else this.imageNodes.delete(img);
    }
  }

  private labelsChanged(): void {
    this.labelGeneration++;
    this.domainCache.clear();
    this.listDirty = true;
  }

  private rebuildList(): void {
    const zones = new Map<string, NodeInfo[]>();
    for (const ni of this.nodeMap.values()) {
      const z = `${ni.labels[LABEL_REGION] ?? ''}:\0:${ni.labels[LABEL_ZONE] ?? ''}`;
      let l = zones.get(z);
      if (!l) zones.set(z, (l = []));
      l.push(ni);
    }
    const lists = [...zones.values()];
    const out: NodeInfo[] = [];
    for (let i = 0; out.length < this.nodeMap.size; i++) {
      for (const l of lists) if (i < l.length) out.push(l[i]);
    }
    this.list = out;
    this.listDirty = false;
  }
}

function asKey(p: KubeObject | PodInfo): string {
  if (p instanceof PodInfo) return p.key;
  const md = p.metadata;
  return md.uid ?? `${md.namespace ?? 'default'}/${md.name ?? ''}`;
}

export function hasAllKeys(labels: Readonly<Record<string, string>>, keys: readonly string[]): boolean {
  for (const k of keys) if (labels[k] === undefined) return false;
  return true;
}

function sameLabels(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (a[k] !== b[k]) return false;
  return true;
}
