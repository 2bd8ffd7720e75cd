// Memory usage as the kubelet's eviction manager sees it: working set = usage minus inactive
// file pages (page cache the kernel can drop), read from cgroup v1 memory files. The node's
// available memory is its capacity minus the root cgroup's working set, or /proc/meminfo's
// MemAvailable where the root cgroup cannot be read.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const MEMORY_CGROUP = '/sys/fs/cgroup/memory';

export interface NodeMemory {
  capacity: number;
  available: number;
}

function num(text: string, key: string): number | undefined {
  const m = new RegExp(`^${key}\\s+(\\d+)`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

/** Working set of a memory cgroup directory; undefined when it does not exist. */
export function workingSet(dir: string): number | undefined {
  try {
    const usage = Number(readFileSync(join(dir, 'memory.usage_in_bytes'), 'utf8').trim());
    const inactive = num(readFileSync(join(dir, 'memory.stat'), 'utf8'), 'total_inactive_file') ?? 0;
    return Math.max(0, usage - inactive);
  } catch {
    return undefined;
  }
}

export function nodeMemory(base = MEMORY_CGROUP, meminfo = '/proc/meminfo'): NodeMemory {
  const info = readFileSync(meminfo, 'utf8');
  const capacity = (num(info, 'MemTotal:') ?? 0) * 1024;
  const ws = workingSet(base);
  if (ws !== undefined && ws <= capacity) return { capacity, available: capacity - ws };
  return { capacity, available: (num(info, 'MemAvailable:') ?? 0) * 1024 };
}

export interface PodMemory {
  /** working set of the pod's cgroup */
  pod: number;
  /** working set by container id */
  containers: Map<string, number>;
}

/** The pod's cgroup (cgroupParent of its sandbox) and one child per container, named by its id. */
export function podMemory(cgroupParent: string, base = MEMORY_CGROUP): PodMemory | undefined {
  const dir = join(base, cgroupParent);
  const pod = workingSet(dir);
  if (pod === undefined) return undefined;
  const containers = new Map<string, number>();
  try {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      const ws = workingSet(join(dir, e.name));
      if (ws !== undefined) containers.set(e.name, ws);
    }
  } catch {
    // gone meanwhile
  }
  return { pod, containers };
}
