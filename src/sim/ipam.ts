// Fake addressing for simulated nodes: node i gets the pod CIDR 10.42.0.0/16's i-th /24 (and
// beyond the first 256 nodes the /24s continue into 10.43.0.0, 10.44.0.0, ...), and an
// InternalIP counted up from 172.16.0.10. Pod IPs are handed out per node from .2 to .254
// (.0 is the network, .1 the bridge, .255 broadcast), as host-local IPAM would.

export const POD_NET_FIRST_OCTETS = [10, 42] as const;

function ipv4(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

function parseIPv4(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

/** The /24 pod CIDR of node index i. */
export function podCIDRFor(i: number): string {
  const base = ((10 << 24) | (42 << 16)) >>> 0;
  return `${ipv4((base + i * 256) >>> 0)}/24`;
}

/** The fake InternalIP of node index i (172.16.0.10 upwards, inside 172.16.0.0/12). */
export function nodeIPFor(i: number): string {
  const base = ((172 << 24) | (16 << 16)) >>> 0;
  return ipv4((base + 10 + i) >>> 0);
}

/** Hands out pod IPs inside one node's /24. Owners are pod UIDs. */
export class PodIPPool {
  private readonly base: number;
  private readonly byOwner = new Map<string, number>();
  private readonly used = new Uint8Array(256);
  private next = 2;

  constructor(readonly cidr: string) {
    const [addr, bits] = cidr.split('/');
    const base = parseIPv4(addr ?? '');
    if (base === undefined || bits !== '24' || (base & 255) !== 0) throw new Error(`pod CIDR ${cidr} is not an IPv4 /24`);
    this.base = base;
  }

  get size(): number {
    return this.byOwner.size;
  }

  /** The IP of owner, allocating one if it has none; undefined when the /24 is full. */
  allocate(owner: string): string | undefined {
    const have = this.byOwner.get(owner);
    if (have !== undefined) return ipv4(this.base + have);
    for (let n = 0; n < 253; n++) {
      const host = 2 + ((this.next - 2 + n) % 253);
      if (this.used[host]) continue;
      this.used[host] = 1;
      this.byOwner.set(owner, host);
      this.next = host + 1 > 254 ? 2 : host + 1;
      return ipv4(this.base + host);
    }
    return undefined;
  }

  /** Record an IP the owner already has (after a restart); false if not ours or taken by another. */
  adopt(owner: string, ip: string): boolean {
    const n = parseIPv4(ip);
    if (n === undefined || (n & ~255) >>> 0 !== this.base) return false;
    const host = n & 255;
    if (host < 2 || host > 254) return false;
    const have = this.byOwner.get(owner);
    if (have === host) return true;
    if (have !== undefined || this.used[host]) return false;
    this.used[host] = 1;
    this.byOwner.set(owner, host);
    return true;
  }

  contains(ip: string): boolean {
    const n = parseIPv4(ip);
    return n !== undefined && (n & ~255) >>> 0 === this.base;
  }

  release(owner: string): void {
    const host = this.byOwner.get(owner);
    if (host === undefined) return;
    this.byOwner.delete(owner);
    this.used[host] = 0;
  }
}
