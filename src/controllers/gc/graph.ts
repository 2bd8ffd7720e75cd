// The garbage collector's view of the cluster (upstream GraphBuilder): every monitored
// object by uid with its owner references, and the reverse edges owner uid -> dependents.
// Informer events update it and say which uids need a look.
import type { KubeObject, OwnerReference } from '../../api/types.js';

export interface GraphNode {
  uid: string;
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  obj: KubeObject;
}

export class OwnerGraph {
  private readonly nodes = new Map<string, GraphNode>();
  private readonly dependentsOf = new Map<string, Set<string>>();

  get(uid: string): GraphNode | undefined {
    return this.nodes.get(uid);
  }

  dependents(uid: string): GraphNode[] {
    return [...(this.dependentsOf.get(uid) ?? [])].map((d) => this.nodes.get(d)).filter((n): n is GraphNode => n !== undefined);
  }

  hasDependents(uid: string): boolean {
    return (this.dependentsOf.get(uid)?.size ?? 0) > 0;
  }

  get size(): number {
    return this.nodes.size;
  }

  /** Objects with an owner reference to a uid the graph does not hold (owner gone or unseen). */
  withMissingOwners(): GraphNode[] {
    const out: GraphNode[] = [];
    for (const n of this.nodes.values()) {
      const refs = n.obj.metadata.ownerReferences ?? [];
      if (refs.some((r) => !this.nodes.has(r.uid))) out.push(n);
    }
    return out;
  }

  /** Insert or replace; returns the previous version. */
  upsert(obj: KubeObject, apiVersion: string, kind: string): GraphNode | undefined {
    const uid = obj.metadata.uid!;
    const prev = this.nodes.get(uid);
    if (prev) this.unlink(prev);
    const node: GraphNode = { uid, apiVersion, kind, namespace: obj.metadata.namespace, name: obj.metadata.name!, obj };
    this.nodes.set(uid, node);
    for (const r of obj.metadata.ownerReferences ?? []) {
      let s = this.dependentsOf.get(r.uid);
      if (!s) this.dependentsOf.set(r.uid, (s = new Set()));
      s.add(uid);
    }
    return prev;
  }

  remove(uid: string): GraphNode | undefined {
    const prev = this.nodes.get(uid);
    if (!prev) return undefined;
    this.unlink(prev);
    this.nodes.delete(uid);
    return prev;
  }

  private unlink(n: GraphNode): void {
    for (const r of n.obj.metadata.ownerReferences ?? []) {
      const s = this.dependentsOf.get(r.uid);
      s?.delete(n.uid);
      if (s && s.size === 0) this.dependentsOf.delete(r.uid);
    }
  }
}

export function ownerRefs(o: KubeObject): OwnerReference[] {
  return o.metadata.ownerReferences ?? [];
}

export function hasFinalizer(o: KubeObject, f: string): boolean {
  return (o.metadata.finalizers ?? []).includes(f);
}

export const ORPHAN = 'orphan';
export const FOREGROUND = 'foregroundDeletion';
