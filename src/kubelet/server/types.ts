// What the kubelet's HTTPS server needs from the rest of the kubelet: where a pod's containers
// are (the pod workers' PodRuntimeLookup, see ../lookup.ts) and the runtime's streaming calls.
import type { CallOptions } from '../../cri/client.js';
import type { AttachOptions, ContainerStatusResponse, ExecOptions } from '../../cri/types.js';

export interface ContainerLocation {
  containerId: string;
  podSandboxId: string;
  /** the CRI log file of the current instance */
  logPath: string;
  /** the log file of the previous (terminated) instance, when there is one */
  previousLogPath?: string;
}

/** Structurally the same as the kubelet's PodRuntimeLookup. */
export interface ContainerLookup {
  findContainer(namespace: string, podName: string, containerName: string): ContainerLocation | undefined | Promise<ContainerLocation | undefined>;
  /** the pod's sandbox, for port-forward; without it the container the API server names is used */
  findPodSandbox?(namespace: string, podName: string): string | undefined;
}

/** The CriClient methods used here (a CriClient satisfies it). */
export interface StreamingRuntime {
  exec(containerId: string, o: ExecOptions, opts?: CallOptions): Promise<string>;
  attach(containerId: string, o: AttachOptions, opts?: CallOptions): Promise<string>;
  portForward(podSandboxId: string, ports: number[], opts?: CallOptions): Promise<string>;
  containerStatus(containerId: string, verbose?: boolean, opts?: CallOptions): Promise<ContainerStatusResponse>;
}
