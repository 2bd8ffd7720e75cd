// From the pod spec to CRI configs: the sandbox (hostname, labels, ports, DNS, cgroup parent,
// namespaces) and each container (image, command, env, mounts, resources, security context).
import { join } from 'node:path';
import { parseQuantity, quantityMilliValue, quantityValue } from '../api/quantity.js';
import type { ContainerConfig, LinuxContainerResources, Mount, NamespaceOption, PodSandboxConfig, PortMapping } from '../cri/types.js';
import { expand } from './env.js';
import type { MountedVolume } from './volumes/index.js';
import { ContainerConfigError } from './objects.js';
import {
  ANNOTATION_GRACE, ANNOTATION_RESTART_COUNT, LABEL_CONTAINER_KIND, LABEL_CONTAINER_NAME, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID,
  type ContainerSpec, type Pod,
} from './types.js';

export function podLabels(pod: Pod): Record<string, string> {
  return {
    [LABEL_POD_NAME]: pod.metadata.name ?? '',
    [LABEL_POD_NAMESPACE]: pod.metadata.namespace ?? '',
    [LABEL_POD_UID]: pod.metadata.uid ?? '',
  };
}

export function namespaceOptions(pod: Pod): NamespaceOption {
  const s = pod.spec;
  return {
    network: s.hostNetwork ? 'NODE' : 'POD',
    pid: s.hostPID ? 'NODE' : s.shareProcessNamespace ? 'POD' : 'CONTAINER',
    ipc: s.hostIPC ? 'NODE' : 'POD',
  };
}

function allContainers(pod: Pod): ContainerSpec[] {
  return [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
}

export interface SandboxOptions {
  logDirectory: string;
  cgroupParent: string;
  attempt: number;
}

export function sandboxConfig(pod: Pod, o: SandboxOptions): PodSandboxConfig {
  const s = pod.spec;
  const portMappings: PortMapping[] = [];
  for (const c of allContainers(pod)) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort) continue;
      portMappings.push({ protocol: p.protocol ?? 'TCP', containerPort: p.containerPort, hostPort: p.hostPort, hostIp: p.hostIP ?? '' });
    }
  }
  const dns = s.dnsPolicy === 'None' || s.dnsConfig ? {
    servers: s.dnsConfig?.nameservers ?? [],
    searches: s.dnsConfig?.searches ?? [],
    options: (s.dnsConfig?.options ?? []).map((x) => (x.value !== undefined ? `${x.name}:${x.value}` : x.name)),
  } : undefined;
  const sysctls: Record<string, string> = {};
  for (const x of s.securityContext?.sysctls ?? []) sysctls[x.name] = x.value;
  return {
    metadata: { name: pod.metadata.name ?? '', namespace: pod.metadata.namespace ?? '', uid: pod.metadata.uid ?? '', attempt: o.attempt },
    hostname: s.hostNetwork ? '' : (s.hostname ?? pod.metadata.name ?? ''),
    logDirectory: o.logDirectory,
    ...(dns ? { dnsConfig: dns } : {}),
    portMappings,
    labels: podLabels(pod),
    annotations: { ...(pod.metadata.annotations ?? {}) },
    linux: {
      cgroupParent: o.cgroupParent,
      sysctls,
      securityContext: {
        namespaceOptions: namespaceOptions(pod),
        privileged: allContainers(pod).some((c) => c.securityContext?.privileged === true),
        ...(s.securityContext?.runAsUser !== undefined ? { runAsUser: { value: s.securityContext.runAsUser } } : {}),
        ...(s.securityContext?.runAsGroup !== undefined ? { runAsGroup: { value: s.securityContext.runAsGroup } } : {}),
        supplementalGroups: s.securityContext?.supplementalGroups ?? [],
      },
    },
  };
}

function quantity(v: string | number | undefined, milli: boolean): number | undefined {
  if (v === undefined) return undefined;
  const q = parseQuantity(v);
  return Number(milli ? quantityMilliValue(q) : quantityValue(q));
}

export const CPU_PERIOD_US = 100_000;

/** requests/limits as cgroup settings, as the kubelet computes them. */
export function linuxResources(c: ContainerSpec): LinuxContainerResources {
  const req = c.resources?.requests ?? {};
  const lim = c.resources?.limits ?? {};
  const out: LinuxContainerResources = {};
  const cpuReq = quantity(req.cpu ?? lim.cpu, true);
  out.cpuShares = cpuReq !== undefined ? Math.max(2, Math.floor((cpuReq * 1024) / 1000)) : 2;
  const cpuLim = quantity(lim.cpu, true);
  if (cpuLim !== undefined) {
    out.cpuPeriod = CPU_PERIOD_US;
    out.cpuQuota = Math.max(1000, Math.floor((cpuLim * CPU_PERIOD_US) / 1000));
  }
  const mem = quantity(lim.memory, false);
  if (mem !== undefined) out.memoryLimitInBytes = mem;
  return out;
}

export interface ContainerOptions {
  kind: 'init' | 'app';
  attempt: number;
  image: string;
  env: { key: string; value: string }[];
  volumes: ReadonlyMap<string, MountedVolume>;
  /** the pod's /etc/hosts file, when the kubelet manages it */
  etcHosts?: string;
}

/** CRI capability names carry no CAP_ prefix (containerd adds it). */
function cap(c: string): string {
  return c.toUpperCase().replace(/^CAP_/, '');
}

function mountsFor(c: ContainerSpec, o: ContainerOptions, vars: ReadonlyMap<string, string>): Mount[] {
  const mounts: Mount[] = [];
  for (const m of c.volumeMounts ?? []) {
    const v = o.volumes.get(m.name);
    if (!v) throw new ContainerConfigError(`cannot find volume "${m.name}" to mount into container "${c.name}"`);
    const sub = m.subPathExpr ? expand(m.subPathExpr, vars) : m.subPath;
    if (sub && (sub.startsWith('/') || sub.split('/').includes('..'))) throw new ContainerConfigError(`invalid subPath ${JSON.stringify(sub)} of volume "${m.name}"`);
    mounts.push({ containerPath: m.mountPath, hostPath: sub ? join(v.hostPath, sub) : v.hostPath, readonly: m.readOnly === true || (v.readOnly && !m.readOnly), propagation: 'PROPAGATION_PRIVATE' });
  }
  if (o.etcHosts && !mounts.some((m) => m.containerPath === '/etc/hosts')) mounts.push({ containerPath: '/etc/hosts', hostPath: o.etcHosts, readonly: false });
  return mounts;
}

export function containerConfig(pod: Pod, c: ContainerSpec, o: ContainerOptions): ContainerConfig {
  const vars = new Map(o.env.map((e) => [e.key, e.value]));
  const sc = c.securityContext ?? {};
  const psc = pod.spec.securityContext ?? {};
  const runAsUser = sc.runAsUser ?? psc.runAsUser;
  const runAsGroup = sc.runAsGroup ?? psc.runAsGroup;
  return {
    metadata: { name: c.name, attempt: o.attempt },
    image: { image: o.image, userSpecifiedImage: c.image ?? '' },
    command: (c.command ?? []).map((x) => expand(x, vars)),
    args: (c.args ?? []).map((x) => expand(x, vars)),
    workingDir: c.workingDir ?? '',
    envs: o.env,
    mounts: mountsFor(c, o, vars),
    labels: { ...podLabels(pod), [LABEL_CONTAINER_NAME]: c.name, [LABEL_CONTAINER_KIND]: o.kind },
    annotations: {
      [ANNOTATION_RESTART_COUNT]: String(o.attempt),
      [ANNOTATION_GRACE]: String(pod.spec.terminationGracePeriodSeconds ?? 30),
    },
    logPath: `${c.name}/${o.attempt}.log`,
    stdin: c.stdin === true,
    stdinOnce: c.stdinOnce === true,
    tty: c.tty === true,
    linux: {
      resources: linuxResources(c),
      securityContext: {
        namespaceOptions: namespaceOptions(pod),
        privileged: sc.privileged === true,
        capabilities: { addCapabilities: (sc.capabilities?.add ?? []).map(cap), dropCapabilities: (sc.capabilities?.drop ?? []).map(cap) },
        ...(runAsUser !== undefined ? { runAsUser: { value: runAsUser } } : {}),
        ...(runAsGroup !== undefined ? { runAsGroup: { value: runAsGroup } } : {}),
        readonlyRootfs: sc.readOnlyRootFilesystem === true,
        supplementalGroups: psc.supplementalGroups ?? [],
        noNewPrivs: sc.allowPrivilegeEscalation === false,
      },
    },
  };
}

/** The pod's /etc/hosts, as the kubelet writes it (with hostAliases). */
export function etcHostsContent(pod: Pod, podIP: string): string {
  const host = pod.spec.hostname ?? pod.metadata.name ?? '';
  const lines = [
    '# Kubernetes-managed hosts file.',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
  ];
  if (podIP) lines.push(`${podIP}\t${pod.spec.subdomain ? `${host}.${pod.spec.subdomain}.${pod.metadata.namespace}.svc.cluster.local\t` : ''}${host}`);
  const aliases = pod.spec.hostAliases ?? [];
  if (aliases.length) {
    lines.push('', '# Entries added by HostAliases.');
    for (const a of aliases) lines.push(`${a.ip}\t${(a.hostnames ?? []).join('\t')}`);
  }
  return `${lines.join('\n')}\n`;
}
