// Which containers the kernel's OOM killer hit, read from the kernel log (/dev/kmsg), as
// cAdvisor's OOM parser does for the kubelet. containerd 1.6 names an exit "OOMKilled" only when
// its OOM event beats the exit event, and the container's cgroup (with its oom_kill counter) is
// gone by the time the kubelet sees the exit. The kernel log is written before the process dies:
//   memcg over its limit -> "oom-kill:...,task_memcg=/<root>/pod<uid>/<containerID>,..." logged
//   -> SIGKILL -> exit -> the shim and containerd report it -> the kubelet drains the log
// so draining the log after seeing an exit always finds the record, whatever the race upstream.
import { closeSync, constants, openSync, readSync } from 'node:fs';
import type { Logger } from '../util/logger.js';

export interface RecordSource {
  /** the next kernel log record's text (after "prio,seq,ts,flags;"), or undefined: none left now */
  next(): string | undefined;
  close(): void;
}

export interface OomKill {
  /** CONSTRAINT_MEMCG: a cgroup's limit; CONSTRAINT_NONE: the whole machine ran out */
  constraint: string;
  /** the cgroup of the killed process, e.g. /kubelite/pod<uid>/<containerID> */
  taskMemcg: string;
  task: string;
  pid: number;
}

/** Parses the kernel's one-line OOM summary ("oom-kill:constraint=...,task_memcg=...,pid=..."). */
export function parseOomKill(text: string): OomKill | undefined {
  const at = text.indexOf('oom-kill:');
  if (at < 0) return undefined;
  const fields = new Map<string, string>();
  // values hold no commas except cpuset/mems lists, which we do not need
  for (const part of text.slice(at + 'oom-kill:'.length).trim().split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq), part.slice(eq + 1));
  }
  const taskMemcg = fields.get('task_memcg');
  if (!taskMemcg) return undefined;
  return { constraint: fields.get('constraint') ?? '', taskMemcg, task: fields.get('task') ?? '', pid: Number(fields.get('pid') ?? 0) };
}

/**
 * The pid of "Killed process <pid> (<comm>) ..." (or "Kill process"): printed for every OOM kill,
 * while the summary line above it is rate-limited by the kernel (about 10 per 5 s).
 */
export function parseKilledPid(text: string): number | undefined {
  const m = /Kill(?:ed)? process (\d+) \(/.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** The container id a cgroup path ends with (runc's cgroupfs layout: <parent>/<containerID>). */
export function containerIdOf(memcg: string): string {
  return memcg.slice(memcg.lastIndexOf('/') + 1);
}

const MAX_REMEMBERED = 4096;

export class OomKills {
  /** container ids with an OOM kill, oldest first (bounded) */
  private readonly killed = new Set<string>();
  /** host pid of each started container's process -> container id (bounded) */
  private readonly pids = new Map<number, string>();

  constructor(private readonly source: RecordSource) {}

  /** Reads every record the kernel has logged so far. */
  drain(): void {
    for (let text = this.source.next(); text !== undefined; text = this.source.next()) {
      const k = parseOomKill(text);
      const id = k ? containerIdOf(k.taskMemcg) : this.pids.get(parseKilledPid(text) ?? -1);
      if (!id) continue;
      this.killed.add(id);
      if (this.killed.size > MAX_REMEMBERED) this.killed.delete(this.killed.values().next().value!);
    }
  }

  /** Remember a started container's main process, for kills whose summary line the kernel rate-limited. */
  track(pid: number, containerId: string): void {
    this.pids.set(pid, containerId);
    if (this.pids.size > MAX_REMEMBERED) this.pids.delete(this.pids.keys().next().value!);
  }

  /** True when the OOM killer killed a process of this container (drains the log first). */
  wasKilled(containerId: string): boolean {
    if (this.killed.has(containerId)) return true;
    this.drain();
    return this.killed.has(containerId);
  }

  close(): void {
    this.source.close();
  }
}

/** A kmsg reader: one record per read(2); records overwritten before we read them are skipped. */
export function kmsgSource(path: string, log: Logger): RecordSource {
  let fd: number | undefined;
  let disabled = false;
  const buf = Buffer.alloc(16 * 1024);
  const close = () => {
    disabled = true;
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
  };
  const next = () => {
    if (disabled) return undefined;
    if (fd === undefined) {
      try {
        fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
      } catch (err) {
        disabled = true;
        log.warn({ path, err: (err as Error).message }, 'cannot read the kernel log: OOM kills are reported only as the runtime sees them');
        return undefined;
      }
    }
    for (;;) {
      try {
        const n = readSync(fd, buf, 0, buf.length, null);
        if (n <= 0) return undefined;
        const rec = buf.toString('utf8', 0, n);
        const semi = rec.indexOf(';');
        const nl = rec.indexOf('\n', semi);
        return rec.slice(semi + 1, nl < 0 ? undefined : nl);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EPIPE') continue; // the ring buffer wrapped past us: go on with the oldest record left
        if (code !== 'EAGAIN') {
          close();
          log.warn({ path, err: (err as Error).message }, 'reading the kernel log failed: OOM kills are reported only as the runtime sees them');
        }
        return undefined;
      }
    }
  };
  return { next, close };
}
