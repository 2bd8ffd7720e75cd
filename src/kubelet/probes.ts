// The hook the pod workers consult for readiness and startup; probes are a follow-up. Without
// a prober, every running container counts as started and ready ("no probe = success").

export interface ProbeResults {
  /** undefined: no result yet (treated as not ready when the container has a readiness probe) */
  ready(podUID: string, containerName: string, containerId: string): boolean | undefined;
  started(podUID: string, containerName: string, containerId: string): boolean | undefined;
  /** a liveness failure asks the worker to restart the container */
  livenessFailed?(podUID: string, containerName: string, containerId: string): boolean;
  /** forget a pod's results and stop its probes */
  removePod?(podUID: string): void;
}

export const NO_PROBES: ProbeResults = {
  ready: () => true,
  started: () => true,
};
