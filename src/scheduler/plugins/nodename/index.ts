// NodeName: a pod that names its node fits only that node.
import { Code, SUCCESS, newStatus, type FilterPlugin, type Status } from '../../framework/types.js';
import type { NodeInfo } from '../../framework/nodeinfo.js';
import type { PodInfo } from '../../framework/podinfo.js';

export const NAME = 'NodeName';
export const ERR_REASON = "node(s) didn't match the requested node name";

const REJECT: Status = newStatus(Code.UnschedulableAndUnresolvable, ERR_REASON);

export function newNodeName(): FilterPlugin {
  return {
    name: NAME,
    filter(_state, pod: PodInfo, ni: NodeInfo): Status {
      const want = pod.pod.spec?.nodeName;
      return !want || want === ni.name ? SUCCESS : REJECT;
    },
  };
}
