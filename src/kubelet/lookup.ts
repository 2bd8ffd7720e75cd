// Finding a pod's container for the kubelet's streaming server (logs, exec, attach,
// port-forward): answered from the PLEG's last listing, so it costs no runtime call.
import { join } from 'node:path';
import type { Pleg } from './pleg.js';
import { LABEL_CONTAINER_NAME, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID } from './types.js';

export interface ContainerLocation {
  containerId: string;
  podSandboxId: string;
  /** the CRI log file of the current instance */
  logPath: string;
  /** the log of the instance before (kubectl logs --previous) */
  previousLogPath?: string;
}

export interface PodRuntimeLookup {
  findContainer(namespace: string, podName: string, containerName: string): ContainerLocation | undefined;
}

/** uid of the pod as the API knows it, so that an old pod of the same name is not picked. */
export type UIDResolver = (namespace: string, podName: string) => string | undefined;

export function plegLookup(pleg: Pleg, uidOf: UIDResolver, podDir: (uid: string) => string): PodRuntimeLookup {
  return {
    findContainer(namespace, podName, containerName) {
      const wantUID = uidOf(namespace, podName);
      const found = pleg.snapshot.containers
        .filter((c) => c.labels[LABEL_CONTAINER_NAME] === containerName && c.labels[LABEL_POD_NAMESPACE] === namespace && c.labels[LABEL_POD_NAME] === podName)
        .filter((c) => !wantUID || c.labels[LABEL_POD_UID] === wantUID)
        .sort((a, b) => (b.metadata?.attempt ?? 0) - (a.metadata?.attempt ?? 0) || b.createdAt - a.createdAt);
      const cur = found[0];
      if (!cur) return undefined;
      const uid = cur.labels[LABEL_POD_UID]!;
      const log = (attempt: number) => join(podDir(uid), containerName, `${attempt}.log`);
      const prev = found[1];
      return { containerId: cur.id, podSandboxId: cur.podSandboxId, logPath: log(cur.metadata?.attempt ?? 0), ...(prev ? { previousLogPath: log(prev.metadata?.attempt ?? 0) } : {}) };
    },
  };
}
