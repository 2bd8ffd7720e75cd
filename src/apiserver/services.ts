// Service address allocation, as kube-apiserver does on create: a cluster IP from the
// service CIDR (10.43.0.0/16, as k3s) and node ports from 30000-32767.
import { ApiError, FieldError } from '../api/errors.js';
import type { KubeObject } from '../api/types.js';
import type { WatchCache } from './watchcache.js';

export const SERVICE_CIDR = { base: (10 << 24) | (43 << 16), size: 1 << 16 };
export const NODE_PORT_RANGE = { min: 30000, max: 32767 };

function ipToString(n: number): string {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function ipToNumber(s: string): number | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (!m) return undefined;
  return ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
}

export class ServiceAllocator {
  /** addresses handed out but maybe not yet visible in the cache */
  private readonly pendingIPs = new Set<string>();
  private readonly pendingPorts = new Set<number>();
  private nextIP = 10;
  private nextPort = NODE_PORT_RANGE.min;

  constructor(private readonly services: WatchCache) {}

  private used(): { ips: Set<string>; ports: Set<number> } {
    const ips = new Set(this.pendingIPs);
    const ports = new Set(this.pendingPorts);
    for (const e of this.services.list()) {
      const spec = e.obj.spec ?? {};
      if (spec.clusterIP) ips.add(spec.clusterIP);
      for (const p of spec.ports ?? []) if (p.nodePort) ports.add(p.nodePort);
    }
    return { ips, ports };
  }

  /** Fill spec.clusterIP(s), ipFamilies and node ports of a new Service; throws 422 on a clash. */
  allocate(svc: KubeObject): void {
    const spec = (svc.spec ??= {});
    const type = spec.type ?? 'ClusterIP';
    if (type === 'ExternalName') return;
    const { ips, ports } = this.used();
    const errs: FieldError[] = [];
    if (spec.clusterIP && spec.clusterIP !== 'None') {
      const n = ipToNumber(spec.clusterIP);
      if (n === undefined || n - SERVICE_CIDR.base < 0 || n - SERVICE_CIDR.base >= SERVICE_CIDR.size) {
        errs.push(FieldError.invalid('spec.clusterIPs', [spec.clusterIP], `failed to allocate IP ${spec.clusterIP}: the provided IP (${spec.clusterIP}) is not in the valid range. The range of valid IPs is 10.43.0.0/16`));
      } else if (ips.has(spec.clusterIP)) {
        errs.push(FieldError.invalid('spec.clusterIPs', [spec.clusterIP], `failed to allocate IP ${spec.clusterIP}: provided IP is already allocated`));
      }
    } else if (!spec.clusterIP) {
      for (let i = 0; i < SERVICE_CIDR.size - 11; i++) {
        const candidate = ipToString(SERVICE_CIDR.base + 10 + ((this.nextIP - 10 + i) % (SERVICE_CIDR.size - 11)));
        if (!ips.has(candidate)) {
          spec.clusterIP = candidate;
          this.nextIP = ((this.nextIP - 10 + i + 1) % (SERVICE_CIDR.size - 11)) + 10;
          break;
        }
      }
      if (!spec.clusterIP) throw ApiError.internal('failed to allocate a serviceIP: range is full');
    }
    if (spec.clusterIP) {
      spec.clusterIPs = [spec.clusterIP];
      if (spec.clusterIP !== 'None') this.reserveIP(spec.clusterIP);
    }
    spec.ipFamilies ??= ['IPv4'];
    spec.ipFamilyPolicy ??= 'SingleStack';
    if (type === 'NodePort' || type === 'LoadBalancer') {
      (spec.ports ?? []).forEach((p: { nodePort?: number }, i: number) => {
        if (p.nodePort) {
          if (ports.has(p.nodePort)) errs.push(FieldError.invalid(`spec.ports[${i}].nodePort`, p.nodePort, 'provided port is already allocated'));
          else if (p.nodePort < NODE_PORT_RANGE.min || p.nodePort > NODE_PORT_RANGE.max) {
            errs.push(FieldError.invalid(`spec.ports[${i}].nodePort`, p.nodePort, 'provided port is not in the valid range. The range of valid ports is 30000-32767'));
          } else this.reservePort(p.nodePort);
          return;
        }
        for (let k = 0; k <= NODE_PORT_RANGE.max - NODE_PORT_RANGE.min; k++) {
          const port = NODE_PORT_RANGE.min + ((this.nextPort - NODE_PORT_RANGE.min + k) % (NODE_PORT_RANGE.max - NODE_PORT_RANGE.min + 1));
          if (!ports.has(port)) {
            p.nodePort = port;
            ports.add(port);
            this.reservePort(port);
            this.nextPort = port + 1;
            return;
          }
        }
      });
    }
    if (errs.length) throw ApiError.invalid('Service', '', svc.metadata.name ?? '', errs);
  }

  private reserveIP(ip: string): void {
    this.pendingIPs.add(ip);
    setTimeout(() => this.pendingIPs.delete(ip), 5000).unref();
  }

  private reservePort(port: number): void {
    this.pendingPorts.add(port);
    setTimeout(() => this.pendingPorts.delete(port), 5000).unref();
  }
}
