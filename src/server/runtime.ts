// Starting this machine's container runtime ahead of the rest of the node agent. Kept apart
// from agent.ts (which loads the kubelet) so that a starting process can spawn containerd
// first and load its own code while containerd boots.
import { resolve } from 'node:path';
import { startRuntime, type Runtime } from '../cri/containerd.js';
import type { Logger } from '../util/logger.js';

/** A container runtime being started ahead of the rest of the agent (see startAgentRuntime). */
export interface EarlyRuntime {
  readonly runtime: Promise<Runtime>;
  /** stops that runtime (and containerd, when kubelite started it) */
  readonly stop: AbortController;
}

export interface EarlyRuntimeConfig {
  dataDir: string;
  log: Logger;
  /** an existing CRI socket: start no containerd */
  runtimeEndpoint?: string;
  /** image archives imported at start (default: the package's build/images) */
  imageArchives?: string[];
  insecureRegistries?: string[];
  /** the managed containerd's cpu cgroup (default kubelite-runtime; '' leaves it in ours) */
  runtimeCgroup?: string;
}

/**
 * Start the container runtime now, so that containerd boots while the caller does other work:
 * `kubelite server` overlaps it with its own start (certificates, store, API server) to shorten
 * the cold start. The runtime resolves once containerd answers; the images are imported in the
 * background (Runtime.imported), which startAgent awaits before the kubelet runs pods. startAgent
 * takes the result over.
 */
export function startAgentRuntime(cfg: EarlyRuntimeConfig): EarlyRuntime {
  const stop = new AbortController();
  const runtime = startRuntime({ dataDir: resolve(cfg.dataDir), log: cfg.log.child({ component: 'containerd' }), endpoint: cfg.runtimeEndpoint, imageArchives: cfg.imageArchives, insecureRegistries: cfg.insecureRegistries, runtimeCgroup: cfg.runtimeCgroup, importInBackground: true }, stop.signal);
  runtime.catch(() => undefined); // the error reaches whoever awaits it (startAgent)
  return { runtime, stop };
}
