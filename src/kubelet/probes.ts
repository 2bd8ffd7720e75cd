// The hook the pod workers consult for readiness, startup and liveness verdicts
// (src/kubelet/prober/ implements it). Without a prober, every running container counts as
// started and ready ("no probe = success").
import type { PodRuntimeState } from './runtime.js';
import type { Pod } from './types.js';

/** A failed liveness or startup probe: the container must be killed (and restarted by policy). */
export interface KillRequest {
  reason: 'LivenessProbe' | 'StartupProbe';
  /** "Container web failed liveness probe" (the Killing event adds ", will be restarted") */
  message: string;
  /** the probe's terminationGracePeriodSeconds, which overrides the pod's */
  gracePeriodSeconds?: number;
}

export interface ProbeResults {
  /** undefined: no result yet (treated as not ready when the container has a readiness probe) */
  ready(podUID: string, containerName: string, containerId: string): boolean | undefined;
  started(podUID: string, containerName: string, containerId: string): boolean | undefined;
  /** set when a running container failed its liveness or startup probe */
  killRequest?(podUID: string, containerName: string, containerId: string): KillRequest | undefined;
  /** the pod worker's latest view of a pod it syncs: starts probe workers, feeds them container states */
  syncPod?(pod: Pod, state: PodRuntimeState): void;
  /** forget a pod's results and stop its probes */
  removePod?(podUID: string): void;
}

export const NO_PROBES: ProbeResults = {
  ready: () => true,
  started: () => true,
};
