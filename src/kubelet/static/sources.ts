// Where static pods come from: a directory (or single file) of manifests, watched with fs.watch
// and re-read every checkMs as well (events can be missed); and a URL polled every checkMs.
// Each source reports the complete set of its pods on every change; a failed read of the URL
// keeps the pods it had (the server may be briefly away), a bad file is skipped with a warning.
import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../util/logger.js';
import { sleep } from '../sleep.js';
import type { Pod } from '../types.js';
import { ManifestError, parseManifest, staticPod, type Origin } from './manifest.js';

export type SourceUpdate = (source: string, pods: Pod[]) => void;

export interface SourceOptions {
  nodeName: string;
  log: Logger;
  onUpdate: SourceUpdate;
  checkMs: number;
}

function podsOf(text: string, origin: Origin, nodeName: string, log: Logger): Pod[] {
  const out: Pod[] = [];
  try {
    for (const raw of parseManifest(text, origin)) {
      try {
        out.push(staticPod(raw, origin, nodeName));
      } catch (err) {
        if (!(err instanceof ManifestError)) throw err;
        log.warn({ err: err.message }, 'static pod manifest skipped');
      }
    }
  } catch (err) {
    if (!(err instanceof ManifestError)) throw err;
    log.warn({ err: err.message }, 'static pod manifest skipped');
  }
  return out;
}

/** --pod-manifest-path: every file not starting with "." is a manifest. */
export class FileSource {
  readonly id: string;
  constructor(private readonly path: string, private readonly o: SourceOptions) {
    this.id = `file:${path}`;
  }

  /** Reads the manifests once; a missing path has no pods. */
  async scan(): Promise<Pod[]> {
    let files: string[];
    try {
      const st = await stat(this.path);
      files = st.isDirectory() ? (await readdir(this.path)).filter((f) => !f.startsWith('.')).sort().map((f) => join(this.path, f)) : [this.path];
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.o.log.warn({ err: (err as Error).message, path: this.path }, 'pod manifest path unreadable');
      return [];
    }
    const pods: Pod[] = [];
    for (const f of files) {
      let text: string;
      try {
        if (!(await stat(f)).isFile()) continue;
        text = await readFile(f, 'utf8');
      } catch {
        continue; // removed while we read
      }
      pods.push(...podsOf(text, { kind: 'file', where: f }, this.o.nodeName, this.o.log));
    }
    return pods;
  }

  async run(signal: AbortSignal, first: Pod[]): Promise<void> {
    let last = JSON.stringify(first);
    let timer: NodeJS.Timeout | undefined;
    let wake: (() => void) | undefined;
    let watcher: FSWatcher | undefined;
    try {
      watcher = watch(this.path, () => {
        clearTimeout(timer);
        timer = setTimeout(() => wake?.(), 100); // an editor's write is several events
      });
      watcher.on('error', () => undefined);
    } catch {
      // no such path yet: the periodic check finds it once it exists
    }
    try {
      while (!signal.aborted) {
        await Promise.race([sleep(this.o.checkMs, signal), new Promise<void>((r) => (wake = r))]);
        if (signal.aborted) return;
        const pods = await this.scan();
        const now = JSON.stringify(pods);
        if (now !== last) {
          last = now;
          this.o.onUpdate(this.id, pods);
        }
      }
    } finally {
      clearTimeout(timer);
      watcher?.close();
    }
  }
}

/** --manifest-url: a Pod or a PodList (YAML or JSON), fetched every checkMs. */
export class UrlSource {
  readonly id: string;
  constructor(private readonly url: string, private readonly o: SourceOptions) {
    this.id = `http:${url}`;
  }

  /** One fetch; undefined when it failed (the caller keeps what it had). */
  async fetchPods(signal: AbortSignal): Promise<Pod[] | undefined> {
    try {
      const res = await fetch(this.url, { signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]) });
      const text = await res.text();
      if (res.status !== 200) {
        this.o.log.warn({ url: this.url, status: res.status }, 'manifest URL answered with an error');
        return undefined;
      }
      return podsOf(text, { kind: 'http', where: this.url }, this.o.nodeName, this.o.log);
    } catch (err) {
      if (!signal.aborted) this.o.log.warn({ url: this.url, err: (err as Error).message }, 'manifest URL unreachable');
      return undefined;
    }
  }

  async run(signal: AbortSignal, first: Pod[] | undefined): Promise<void> {
    let last = first ? JSON.stringify(first) : undefined;
    while (!signal.aborted) {
      await sleep(this.o.checkMs, signal);
      if (signal.aborted) return;
      const pods = await this.fetchPods(signal);
      if (!pods) continue;
      const now = JSON.stringify(pods);
      if (now !== last) {
        last = now;
        this.o.onUpdate(this.id, pods);
      }
    }
  }
}
