// CRI container log files: `<RFC3339Nano> stdout|stderr F|P <text>` per line, P marking a
// partial line continued by the next entry. Reading applies tailLines, sinceTime, timestamps
// and limitBytes as the kubelet does; following tails the file until the container stops.
import { open, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

export interface CriLogEntry {
  /** the RFC3339Nano timestamp as written */
  time: string;
  stream: 'stdout' | 'stderr';
  partial: boolean;
  text: Buffer;
}

export interface LogLine {
  time: string;
  stream: 'stdout' | 'stderr';
  /** the full line, including its trailing newline */
  text: Buffer;
}

export interface LogOptions {
  follow?: boolean;
  tailLines?: number;
  /** only lines at or after this time */
  since?: Date;
  timestamps?: boolean;
  limitBytes?: number;
}

const SPACE = 0x20;

/** Parses one line of a CRI log file (without its newline); undefined when malformed. */
export function parseCriLogLine(line: Buffer): CriLogEntry | undefined {
  const a = line.indexOf(SPACE);
  if (a <= 0) return undefined;
  const b = line.indexOf(SPACE, a + 1);
  if (b < 0) return undefined;
  const stream = line.subarray(a + 1, b).toString('latin1');
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  // the tag field: "F" or "P", possibly several ":"-separated tags in later formats
  let c = line.indexOf(SPACE, b + 1);
  if (c < 0) c = line.length;
  const tags = line.subarray(b + 1, c).toString('latin1').split(':');
  return {
    time: line.subarray(0, a).toString('latin1'),
    stream,
    partial: tags.includes('P'),
    text: line.subarray(Math.min(c + 1, line.length)),
  };
}

/**
 * Turns raw file bytes into full log lines. Partial entries are joined (per stream) until the
 * entry that ends them; a full line carries the time of its first part.
 */
export class LogAssembler {
  private rest: Buffer = Buffer.alloc(0);
  private readonly pending = new Map<string, { time: string; parts: Buffer[] }>();

  push(chunk: Buffer): LogLine[] {
    const data = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    const out: LogLine[] = [];
    let start = 0;
    for (let nl = data.indexOf(0x0a, start); nl >= 0; nl = data.indexOf(0x0a, start)) {
      const e = parseCriLogLine(data.subarray(start, nl));
      start = nl + 1;
      if (!e) continue;
      const p = this.pending.get(e.stream);
      if (e.partial) {
        if (p) p.parts.push(e.text);
        else this.pending.set(e.stream, { time: e.time, parts: [e.text] });
        continue;
      }
      this.pending.delete(e.stream);
      const parts = p ? [...p.parts, e.text, NL] : [e.text, NL];
      out.push({ time: p?.time ?? e.time, stream: e.stream, text: Buffer.concat(parts) });
    }
    this.rest = Buffer.from(data.subarray(start));
    return out;
  }
}

const NL = Buffer.from('\n');

export function formatLine(l: LogLine, timestamps: boolean): Buffer {
  return timestamps ? Buffer.concat([Buffer.from(l.time + ' ', 'latin1'), l.text]) : l.text;
}

/** True when the log line's time is at or after `since` (millisecond precision). */
export function notBefore(time: string, since: Date | undefined): boolean {
  if (!since) return true;
  const t = Date.parse(time);
  return Number.isNaN(t) || t >= since.getTime();
}

export interface LogSink {
  /** returns false when the consumer wants no more */
  write(b: Buffer): boolean;
}

export interface FollowOptions {
  /** is the container still running? asked when the file stops growing */
  running: () => Promise<boolean>;
  pollMs?: number;
  signal: AbortSignal;
}

const READ_CHUNK = 256 * 1024;

/** Writes the log file's lines to the sink as `kubectl logs` wants them; with follow, keeps tailing. */
export async function streamLogFile(path: string, o: LogOptions, sink: LogSink, f?: FollowOptions): Promise<void> {
  let budget = o.limitBytes && o.limitBytes > 0 ? o.limitBytes : Infinity;
  const emit = (l: LogLine): boolean => {
    if (!notBefore(l.time, o.since)) return true;
    let b = formatLine(l, !!o.timestamps);
    if (b.length > budget) b = b.subarray(0, budget);
    budget -= b.length;
    const more = sink.write(b);
    return more && budget > 0;
  };

  let fh = await open(path, 'r');
  try {
    let ino = (await fh.stat()).ino;
    let offset = 0;
    let asm = new LogAssembler();
    // first pass: the whole file, keeping only the last tailLines lines
    const tail = o.tailLines !== undefined && o.tailLines >= 0 ? o.tailLines : undefined;
    let kept: LogLine[] = [];
    const buf = Buffer.alloc(READ_CHUNK);
    for (;;) {
      if (f?.signal.aborted) return;
      const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
      for (const l of asm.push(Buffer.from(buf.subarray(0, bytesRead)))) {
        if (tail === undefined) {
          if (!emit(l)) return;
        } else if (tail > 0 && notBefore(l.time, o.since)) {
          kept.push(l);
          if (kept.length > tail * 2 + 1024) kept = kept.slice(-tail);
        }
      }
    }
    if (tail) for (const l of kept.slice(-tail)) if (!emit(l)) return;
    if (!o.follow || !f) return;

    // follow: poll for growth; stop when the container has stopped and everything is read
    const pollMs = f.pollMs ?? 100;
    let idle = 0;
    while (!f.signal.aborted) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
      if (bytesRead > 0) {
        idle = 0;
        offset += bytesRead;
        for (const l of asm.push(Buffer.from(buf.subarray(0, bytesRead)))) if (!emit(l)) return;
        continue;
      }
      // rotated (new inode) or truncated: continue with the new file from its start
      const st = await stat(path).catch(() => undefined);
      if (st && (st.ino !== ino || st.size < offset)) {
        await fh.close();
        fh = await open(path, 'r');
        ino = (await fh.stat()).ino;
        offset = 0;
        asm = new LogAssembler();
        continue;
      }
      if (++idle % Math.max(1, Math.round(500 / pollMs)) === 0 || idle === 1) {
        if (!(await f.running())) {
          const last = await fh.read(buf, 0, buf.length, offset);
          if (last.bytesRead === 0) return;
          continue;
        }
      }
      await sleep(pollMs, undefined, { signal: f.signal }).catch(() => undefined);
    }
  } finally {
    await fh.close().catch(() => undefined);
  }
}
