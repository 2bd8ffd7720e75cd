// Node IPAM, as kube-controller-manager's range allocator does, but at admission: a Node
// created without spec.podCIDR gets the next free /24 of the cluster CIDR (10.42.0.0/16, as k3s).
import { ApiError } from '../api/errors.js';
import type { KubeObject } from '../api/types.js';
import type { WatchCache } from './watchcache.js';

export const CLUSTER_CIDR = '10.42.0.0/16';
const SUBNETS = 256;

export function podCIDRAt(i: number): string {
  return `10.42.${i}.0/24`;
}

export class NodeIpam {
  /** handed out but maybe not yet visible in the cache */
  private readonly pending = new Set<string>();

  constructor(private readonly nodes: WatchCache) {}

  private used(): Set<string> {
    const used = new Set(this.pending);
    for (const e of this.nodes.list()) {
      const spec = e.obj.spec ?? {};
      if (typeof spec.podCIDR === 'string') used.add(spec.podCIDR);
      for (const c of Array.isArray(spec.podCIDRs) ? spec.podCIDRs : []) if (typeof c === 'string') used.add(c);
    }
    return used;
  }

  /** Fill spec.podCIDR(s) of a new Node that has none; throws when the cluster CIDR is full. */
  allocate(node: KubeObject): void {
    const spec = (node.spec ??= {});
    if (typeof spec.podCIDR === 'string' && spec.podCIDR !== '') {
      spec.podCIDRs ??= [spec.podCIDR];
      return;
    }
    const used = this.used();
    for (let i = 0; i < SUBNETS; i++) {
      const cidr = podCIDRAt(i);
      if (used.has(cidr)) continue;
      spec.podCIDR = cidr;
      spec.podCIDRs = [cidr];
      this.pending.add(cidr);
      setTimeout(() => this.pending.delete(cidr), 5000).unref();
      return;
    }
    throw ApiError.internal(`failed to allocate a pod CIDR for node ${node.metadata.name}: ${CLUSTER_CIDR} is full`);
  }
}
