// The CPU cgroup of the containerd that kubelite manages (as the kubelet's --runtime-cgroups).
//
// Starting a pod costs the runtime (containerd, its shims, runc, the CNI plugins) several times
// the CPU it costs kubelite, in many processes and threads at once. Left beside kubelite, each of
// them weighs as much as one of kubelite's threads, and a burst of pod starts queues the API
// server, the scheduler and the node agent behind them: every request and every status waits.
// In a cpu cgroup of their own with the weight of one thread (cpu.shares 1024, cgroup v2's
// cpu.weight 100), they share the CPU as one: the control plane answers promptly under churn, and
// the runtime still gets every cycle the control plane leaves idle. containerd's children
// (shims, runc, CNI plugins) are born in its cgroup and stay there.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** a mount point as /proc/self/mountinfo writes it, octal escapes decoded */
const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

export const DEFAULT_RUNTIME_CGROUP = 'kubelite-runtime';
/** cgroup v1 cpu.shares of the runtime's cgroup: one nice-0 thread's weight */
export const RUNTIME_CPU_SHARES = 1024;
/** cgroup v2 cpu.weight of the same (100 is the weight of a nice-0 thread) */
export const RUNTIME_CPU_WEIGHT = 100;

export interface CpuHierarchy {
  version: 1 | 2;
  /** where the hierarchy holding the cpu controller is mounted */
  mount: string;
  /** this process's cgroup in it */
  own: string;
}

/** The cgroup hierarchy with the cpu controller, from /proc/self/mountinfo and /proc/self/cgroup. */
export function cpuHierarchy(mountinfo: string, selfCgroup: string): CpuHierarchy | undefined {
  let v2Mount: string | undefined;
  for (const line of mountinfo.split('\n')) {
    const [pre, post] = line.split(' - ');
    if (!pre || !post) continue;
    const [fstype, , superOpts = ''] = post.split(' ');
    const point = pre.split(' ')[4];
    if (!point) continue;
    const at = unescape(point);
    if (fstype === 'cgroup' && superOpts.split(',').includes('cpu')) {
      const own = selfCgroup
        .split('\n')
        .map((l) => l.split(':'))
        .find((f) => f.length >= 3 && f[1]!.split(',').includes('cpu'))?.slice(2).join(':');
      if (own !== undefined) return { version: 1, mount: at, own };
    }
    if (fstype === 'cgroup2') v2Mount = at;
  }
  if (v2Mount === undefined) return undefined;
  const own = selfCgroup
    .split('\n')
    .find((l) => l.startsWith('0::'))
    ?.slice(3);
  return own === undefined ? undefined : { version: 2, mount: v2Mount, own };
}

/** Throws unless name is one cgroup directory name (no path: it goes beside or below ours). */
export function checkRuntimeCgroupName(name: string): void {
  if (!/^[A-Za-z0-9_.-]+$/.test(name) || name === '.' || name === '..') throw new Error(`--runtime-cgroups ${JSON.stringify(name)}: one cgroup name of letters, digits, '-', '_' and '.' (or '' to keep the runtime in kubelite's cgroup)`);
}

/**
 * Moves pid into the cpu cgroup `name` (cgroup v1: a child of this process's own cpu cgroup; v2:
 * a child of the root, when this process is in the root: v2 allows no child with a controller
 * beside processes elsewhere) with one thread's weight. Returns the cgroup's directory, or throws
 * with the reason it could not.
 */
export function placeInRuntimeCgroup(pid: number, name: string, h: CpuHierarchy): string {
  checkRuntimeCgroupName(name);
  if (h.version === 2) {
    if (h.own !== '/') throw new Error(`this process is in cgroup ${h.own}: cgroup v2 allows no cpu-controlled child beside its processes`);
    const controllers = readFileSync(join(h.mount, 'cgroup.controllers'), 'utf8').split(/\s+/);
    if (!controllers.includes('cpu')) throw new Error('the cgroup v2 root has no cpu controller');
    const subtree = join(h.mount, 'cgroup.subtree_control');
    if (!readFileSync(subtree, 'utf8').split(/\s+/).includes('cpu')) writeFileSync(subtree, '+cpu');
    const dir = join(h.mount, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'cpu.weight'), String(RUNTIME_CPU_WEIGHT));
    writeFileSync(join(dir, 'cgroup.procs'), String(pid));
    return dir;
  }
  const dir = join(h.mount, h.own, name);
  if (!existsSync(dir)) mkdirSync(dir);
  writeFileSync(join(dir, 'cpu.shares'), String(RUNTIME_CPU_SHARES));
  writeFileSync(join(dir, 'cgroup.procs'), String(pid));
  return dir;
}

/** placeInRuntimeCgroup for this machine; undefined when it has no cpu controller to use. */
export function placeRuntime(pid: number, name: string): string | undefined {
  const h = cpuHierarchy(readFileSync('/proc/self/mountinfo', 'utf8'), readFileSync('/proc/self/cgroup', 'utf8'));
  return h ? placeInRuntimeCgroup(pid, name, h) : undefined;
}
