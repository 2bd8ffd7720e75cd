// What the runtime holds for a pod, found by the io.kubernetes.pod.uid label: its sandboxes
// and containers with their states. Exited containers never change, so their statuses are cached.
import type { CriClient } from '../cri/client.js';
import { CriNotFoundError } from '../cri/errors.js';
import type { Container, ContainerState, ContainerStatus, PodSandbox, PodSandboxState } from '../cri/types.js';
import { containerPids } from './cgroups.js';
import { LABEL_CONTAINER_KIND, LABEL_POD_UID } from './types.js';

export interface ContainerInfo {
  id: string;
  name: string;
  attempt: number;
  kind: 'init' | 'app';
  sandboxId: string;
  state: ContainerState;
  /** ms since the epoch (0: not set) */
  createdAt: number;
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  reason: string;
  message: string;
  image: string;
  imageRef: string;
  logPath: string;
}

export interface SandboxInfo {
  id: string;
  attempt: number;
  state: PodSandboxState;
  createdAt: number;
  ip: string;
}

/** One pod's part of a runtime listing. */
export interface PodListing {
  sandboxes: readonly PodSandbox[];
  containers: readonly Container[];
}

export interface PodRuntimeState {
  /** newest first */
  sandboxes: SandboxInfo[];
  /** newest attempt first per name */
  containers: ContainerInfo[];
}

const ms = (ns: number) => (ns > 0 ? Math.floor(ns / 1e6) : 0);

export class RuntimeView {
  private readonly statuses = new Map<string, ContainerInfo>();
  private readonly ips = new Map<string, string>();

  constructor(
    private readonly cri: CriClient,
    /** the kernel's OOM kills: an exit containerd did not name OOMKilled may still be one */
    private readonly oom?: { wasKilled(containerId: string): boolean; track?(pid: number, containerId: string): void },
  ) {}

  /**
   * listing: the pod's sandboxes and containers from a runtime listing taken after anything
   * this kubelet did to the pod (the PLEG's), instead of listing them now.
   */
  async podState(uid: string, signal?: AbortSignal, listing?: PodListing): Promise<PodRuntimeState> {
    const selector = { labelSelector: { [LABEL_POD_UID]: uid } };
    const [sbs, cs] = listing ? [listing.sandboxes, listing.containers] : await Promise.all([this.cri.listPodSandbox(selector, { signal }), this.cri.listContainers(selector, { signal })]);
    const sandboxes: SandboxInfo[] = [];
    for (const s of sbs) {
      let ip = this.ips.get(s.id);
      if (ip === undefined && s.state === 'SANDBOX_READY') {
        try {
          const st = await this.cri.podSandboxStatus(s.id, false, { signal });
          ip = st.status?.network?.ip ?? '';
          this.ips.set(s.id, ip);
        } catch (err) {
          if (!(err instanceof CriNotFoundError)) throw err;
          continue;
        }
      }
      sandboxes.push({ id: s.id, attempt: s.metadata?.attempt ?? 0, state: s.state, createdAt: ms(s.createdAt), ip: ip ?? '' });
    }
    sandboxes.sort((a, b) => b.createdAt - a.createdAt || b.attempt - a.attempt);
    const containers: ContainerInfo[] = [];
    for (const c of cs) {
      const cached = this.statuses.get(c.id);
      if (cached && cached.state === c.state) {
        containers.push(cached);
        continue;
      }
      let st;
      try {
        st = (await this.cri.containerStatus(c.id, false, { signal })).status;
      } catch (err) {
        if (err instanceof CriNotFoundError) continue;
        throw err;
      }
      if (!st) continue;
      containers.push(this.remember(c.id, c.podSandboxId, st, c.labels[LABEL_CONTAINER_KIND], c.metadata?.name));
    }
    containers.sort(byNameNewestFirst);
    return { sandboxes, containers };
  }

  private remember(id: string, sandboxId: string, st: ContainerStatus, kind: string | undefined, listedName?: string): ContainerInfo {
    const info: ContainerInfo = {
      id,
      name: st.metadata?.name ?? listedName ?? '',
      attempt: st.metadata?.attempt ?? 0,
      kind: kind === 'init' ? 'init' : 'app',
      sandboxId,
      state: st.state,
      createdAt: ms(st.createdAt),
      startedAt: ms(st.startedAt),
      finishedAt: ms(st.finishedAt),
      exitCode: st.exitCode,
      reason: st.state === 'CONTAINER_EXITED' && st.reason !== 'OOMKilled' && this.oom?.wasKilled(id) ? 'OOMKilled' : st.reason,
      message: st.message,
      image: st.image?.image ?? '',
      imageRef: st.imageRef,
      logPath: st.logPath,
    };
    this.statuses.set(id, info);
    return info;
  }

  /**
   * The state after this sync made a sandbox: what podState would list now (nothing else makes
   * or changes this pod's sandboxes), from one PodSandboxStatus instead of two listings.
   * undefined when the sandbox is gone already.
   */
  async withSandbox(state: PodRuntimeState, sandboxId: string, signal?: AbortSignal): Promise<PodRuntimeState | undefined> {
    let st;
    try {
      st = (await this.cri.podSandboxStatus(sandboxId, false, { signal })).status;
    } catch (err) {
      if (err instanceof CriNotFoundError) return undefined;
      throw err;
    }
    if (!st) return undefined;
    const ip = st.network?.ip ?? '';
    if (st.state === 'SANDBOX_READY') this.ips.set(sandboxId, ip);
    const info: SandboxInfo = { id: sandboxId, attempt: st.metadata?.attempt ?? 0, state: st.state, createdAt: ms(st.createdAt), ip: st.state === 'SANDBOX_READY' ? ip : '' };
    const sandboxes = [info, ...state.sandboxes.filter((s) => s.id !== sandboxId)];
    sandboxes.sort((a, b) => b.createdAt - a.createdAt || b.attempt - a.attempt);
    return { sandboxes, containers: state.containers };
  }

  /**
   * The state after this sync started containers: their statuses (one ContainerStatus each)
   * added to what the sync began with, as podState would list them now. Containers that
   * vanished meanwhile are left out. (Not verbose: containerd answers that from memory, while
   * the verbose info, for the pid, reads its metadata store; trackStarted asks for it aside.)
   */
  async withStarted(state: PodRuntimeState, started: readonly { id: string; sandboxId: string; kind: 'init' | 'app' }[], signal?: AbortSignal): Promise<PodRuntimeState> {
    const fresh = await Promise.all(started.map(async (s) => {
      let res;
      try {
        res = await this.cri.containerStatus(s.id, false, { signal });
      } catch (err) {
        if (err instanceof CriNotFoundError) return undefined;
        throw err;
      }
      if (!res.status) return undefined;
      return this.remember(s.id, s.sandboxId, res.status, s.kind);
    }));
    const ids = new Set(started.map((s) => s.id));
    const containers = [...state.containers.filter((c) => !ids.has(c.id)), ...fresh.filter((c): c is ContainerInfo => c !== undefined)];
    containers.sort(byNameNewestFirst);
    return { sandboxes: state.sandboxes, containers };
  }

  private trackPid(containerId: string, info: string | undefined): void {
    if (!this.oom?.track || !info) return;
    try {
      const pid = Number((JSON.parse(info) as { pid?: number }).pid);
      if (pid > 0) this.oom.track(pid, containerId);
    } catch {
      // best effort: the kernel's summary line still names the container
    }
  }

  /**
   * Note a just-started container's host pids, so its OOM kill is recognised by pid too: from its
   * cgroup (cgroupParent given), else from the CRI verbose status (which carries the whole OCI
   * spec: a large message for containerd to build and for us to decode, per container start).
   */
  async trackStarted(containerId: string, cgroupParent?: string): Promise<void> {
    if (!this.oom?.track) return;
    const pids = cgroupParent ? containerPids(cgroupParent, containerId) : undefined;
    if (pids?.length) {
      for (const pid of pids) this.oom.track(pid, containerId);
      return;
    }
    try {
      this.trackPid(containerId, (await this.cri.containerStatus(containerId, true)).info?.info);
    } catch {
      // best effort: the kernel's summary line still names the container
    }
  }

  /** Drop cached statuses of containers and sandboxes that are gone. */
  forget(containerIds: Iterable<string>, sandboxIds: Iterable<string> = []): void {
    for (const id of containerIds) this.statuses.delete(id);
    for (const id of sandboxIds) this.ips.delete(id);
  }
}

const byNameNewestFirst = (a: ContainerInfo, b: ContainerInfo) => (a.name === b.name ? b.attempt - a.attempt : a.name < b.name ? -1 : 1);

/** The newest instance of each container name. */
export function latestByName(cs: readonly ContainerInfo[]): Map<string, ContainerInfo> {
  const out = new Map<string, ContainerInfo>();
  for (const c of cs) {
    const have = out.get(c.name);
    if (!have || c.attempt > have.attempt) out.set(c.name, c);
  }
  return out;
}
