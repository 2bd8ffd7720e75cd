// Pod cgroups (cgroup v1 with the cgroupfs driver): every pod's sandbox and containers go under
// /kubelite/pod<uid> in each hierarchy; runc creates the directories, the kubelet removes them.
import { existsSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';

export const CGROUP_ROOT = '/sys/fs/cgroup';

export function podCgroupParent(root: string, uid: string): string {
  return `/${root}/pod${uid}`;
}

function removeTree(dir: string): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) removeTree(join(dir, e.name));
  rmdirSync(dir);
}

/** Removes the pod's cgroup in every hierarchy; returns the errors (a busy cgroup stays). */
export function removePodCgroups(parent: string, base = CGROUP_ROOT): string[] {
  const errs: string[] = [];
  if (!existsSync(base)) return errs;
  for (const h of readdirSync(base)) {
    const dir = join(base, h, parent);
    if (!existsSync(dir)) continue;
    try {
      removeTree(dir);
    } catch (err) {
      errs.push(`${dir}: ${(err as Error).message}`);
    }
  }
  return errs;
}

/**
 * The processes in a container's cgroup (<parent>/<containerID>, runc's cgroupfs layout), read
 * from the memory hierarchy (cgroup v1) or the unified one (v2); undefined when neither has it.
 */
export function containerPids(parent: string, containerId: string, base = CGROUP_ROOT): number[] | undefined {
  for (const dir of [join(base, 'memory', parent, containerId), join(base, parent, containerId)]) {
    let text: string;
    try {
      text = readFileSync(join(dir, 'cgroup.procs'), 'utf8');
    } catch {
      continue;
    }
    return text.split('\n').filter(Boolean).map(Number).filter((pid) => pid > 0);
  }
  return undefined;
}
