// NodeUnschedulable: cordoned nodes (spec.unschedulable) take only pods tolerating
// node.kubernetes.io/unschedulable:NoSchedule.
import { Code, SUCCESS, newStatus, withPlugin, type FilterPlugin, type Status } from '../../framework/types.js';
import { NO_SCHEDULE, TAINT_NODE_UNSCHEDULABLE, taintTolerated, type Taint } from '../../../api/taints.js';

export const NAME = 'NodeUnschedulable';
export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';

const REJECT: Status = newStatus(Code.UnschedulableAndUnresolvable, ERR_REASON_UNSCHEDULABLE);
const REJECT_BY: Status = withPlugin(REJECT, NAME);
const UNSCHEDULABLE_TAINT: Taint = { key: TAINT_NODE_UNSCHEDULABLE, value: '', effect: NO_SCHEDULE };

export function newNodeUnschedulable(): FilterPlugin {
  return {
    name: NAME,
    filter(_state, pod, ni): Status {
      if (!ni.unschedulable) return SUCCESS;
      return taintTolerated(UNSCHEDULABLE_TAINT, pod.tolerations) ? SUCCESS : REJECT;
    },
    cannotReject(snapshot): boolean {
      return snapshot.unschedulableNodes === 0;
    },
    filterNodes(_state, pod, nodes, len, statuses): number {
      let n = 0;
      let tolerated: boolean | undefined;
      for (let i = 0; i < len; i++) {
        if (!nodes[i].unschedulable || statuses[i] !== undefined) continue;
        tolerated ??= taintTolerated(UNSCHEDULABLE_TAINT, pod.tolerations);
        if (tolerated) return n;
        statuses[i] = REJECT_BY;
        n++;
      }
      return n;
    },
  };
}
