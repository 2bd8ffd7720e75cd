// NodePorts: a requested hostPort must be free on the node for its protocol and IP
// (0.0.0.0 conflicts with every IP).
import { Code, SKIP, SUCCESS, newStatus, type FilterPlugin, type PreFilterPlugin, type Status } from '../../framework/types.js';

export const NAME = 'NodePorts';
export const ERR_REASON = "node(s) didn't have free ports for the requested pod ports";

const REJECT: Status = newStatus(Code.Unschedulable, ERR_REASON);

export type NodePortsPlugin = PreFilterPlugin & FilterPlugin;

export function newNodePorts(): NodePortsPlugin {
  return {
    name: NAME,
    preFilter(_state, pod): Status {
      return pod.hostPorts.length === 0 ? SKIP : SUCCESS;
    },
    filter(_state, pod, ni): Status {
      if (ni.usedPorts.size === 0) return SUCCESS;
      for (const p of pod.hostPorts) if (ni.usedPorts.conflicts(p)) return REJECT;
      return SUCCESS;
    },
  };
}
