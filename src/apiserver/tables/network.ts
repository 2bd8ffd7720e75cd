// Tables for Service and Endpoints.
import type { KubeObject } from '../../api/types.js';
import { translateTimestampSince } from './duration.js';
import { formatLabels, joinHostPort } from './format.js';
import { AGE_COLUMN, column, NAME_COLUMN, wide, type TablePrinter } from './types.js';

interface ServicePort {
  port?: number;
  nodePort?: number;
  protocol?: string;
}

interface ServiceShape {
  spec?: {
    type?: string;
    clusterIP?: string;
    clusterIPs?: string[];
    externalIPs?: string[];
    externalName?: string;
    ports?: ServicePort[];
    selector?: Record<string, string>;
  };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

function loadBalancerIPs(s: ServiceShape): string[] {
  const set = new Set<string>();
  for (const i of s.status?.loadBalancer?.ingress ?? []) {
    if (i.ip) set.add(i.ip);
    else if (i.hostname) set.add(i.hostname);
  }
  return [...set].sort();
}

/** External-IP cell (server-side tables are always rendered wide, so no truncation). */
export function serviceExternalIP(svc: KubeObject): string {
  const s = svc as ServiceShape;
  const ext = s.spec?.externalIPs ?? [];
  switch (s.spec?.type ?? 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return ext.length > 0 ? ext.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerIPs(s);
      if (ext.length > 0) return [...lb, ...ext].join(',');
      return lb.length > 0 ? lb.join(',') : '<pending>';
    }
    case 'ExternalName':
      return s.spec?.externalName ?? '';
    default:
      return '<unknown>';
  }
}

/** Port(s) cell: `80/TCP` or `80:30080/TCP`, comma separated; `<none>` without ports. */
export function servicePorts(ports: ServicePort[] | undefined): string {
  const s = (ports ?? []).map((p) => {
    const proto = p.protocol || 'TCP';
    return p.nodePort ? `${p.port ?? 0}:${p.nodePort}/${proto}` : `${p.port ?? 0}/${proto}`;
  });
  return s.length === 0 ? '<none>' : s.join(',');
}

export const servicePrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    column('Type', 'string', 'How the service is exposed: ClusterIP, NodePort, LoadBalancer or ExternalName.'),
    column('Cluster-IP', 'string', 'Virtual IP allocated to the service inside the cluster.'),
    column('External-IP', 'string', 'Addresses through which the service is reachable from outside the cluster.'),
    column('Port(s)', 'string', 'Ports exposed by the service, with node ports when allocated.'),
    AGE_COLUMN,
    wide('Selector', 'string', 'Labels selecting the pods that back the service.'),
  ],
  cells(o, now) {
    const s = o as ServiceShape;
    const clusterIP = s.spec?.clusterIPs?.[0] || s.spec?.clusterIP || '<none>';
    return [
      o.metadata.name ?? '',
      s.spec?.type ?? '',
      clusterIP,
      serviceExternalIP(o),
      servicePorts(s.spec?.ports),
      translateTimestampSince(o.metadata.creationTimestamp, now),
      formatLabels(s.spec?.selector),
    ];
  },
};

interface EndpointSubset {
  addresses?: { ip?: string }[];
  ports?: { port?: number }[];
}

const MAX_ENDPOINTS = 3;

/** Up to three `ip:port` entries, then ` + N more...`; `<none>` without subsets. */
export function formatEndpoints(subsets: EndpointSubset[] | undefined): string {
  const subs = subsets ?? [];
  if (subs.length === 0) return '<none>';
  const list: string[] = [];
  let more = false;
  let count = 0;
  const add = (s: string): void => {
    if (list.length === MAX_ENDPOINTS) more = true;
    else list.push(s);
  };
  for (const ss of subs) {
    const addrs = ss.addresses ?? [];
    const ports = ss.ports ?? [];
    if (ports.length === 0) {
      count += addrs.length;
      addrs.forEach((a) => add(a.ip ?? ''));
      continue;
    }
    for (const p of ports) {
      count += addrs.length;
      addrs.forEach((a) => add(joinHostPort(a.ip ?? '', p.port ?? 0)));
    }
  }
  const ret = list.join(',');
  return more ? `${ret} + ${count - MAX_ENDPOINTS} more...` : ret;
}

export const endpointsPrinter: TablePrinter = {
  columns: [NAME_COLUMN, column('Endpoints', 'string', 'Addresses and ports currently backing the service.'), AGE_COLUMN],
  cells: (o, now) => [o.metadata.name ?? '', formatEndpoints(o.subsets as EndpointSubset[] | undefined), translateTimestampSince(o.metadata.creationTimestamp, now)],
};
