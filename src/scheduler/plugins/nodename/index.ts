// NodeName: a pod that names its node fits only that node.
import { Code, SUCCESS, newStatus, withPlugin, type FilterPlugin, type Status } from '../../framework/types.js';
import type { NodeInfo } from '../../framework/nodeinfo.js';
import type { PodInfo } from '../../framework/podinfo.js';

export const NAME = 'NodeName';
export const ERR_REASON = "node(s) didn't match the requested node name";

const REJECT: Status = newStatus(Code.UnschedulableAndUnresolvable, ERR_REASON);
const REJECT_BY: Status = withPlugin(REJECT, NAME);

export function newNodeName(): FilterPlugin {
  return {
    name: NAME,
    filter(_state, pod: PodInfo, ni: NodeInfo): Status {
      const want = pod.pod.spec?.nodeName;
      return !want || want === ni.name ? SUCCESS : REJECT;
    },
    filterNodes(_state, pod, nodes, len, statuses): number {
      const want = pod.pod.spec?.nodeName;
      if (!want) return 0;
      let n = 0;
      for (let i = 0; i < len; i++) {
        if (statuses[i] === undefined && nodes[i].name !== want) {
          statuses[i] = REJECT_BY;
          n++;
        }
      }
      return n;
    },
  };
}
