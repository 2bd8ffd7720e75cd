// TaintToleration: NoSchedule and NoExecute taints filter; untolerated PreferNoSchedule taints
// lower the score (fewer is better).
import { Code, SUCCESS, StateKey, newStatus, withPlugin, type FilterPlugin, type PreScorePlugin, type ScorePlugin, type Status } from '../../framework/types.js';
import { PREFER_NO_SCHEDULE, findUntoleratedTaint, noScheduleOrNoExecute, taintTolerated, type Taint, type Toleration } from '../../../api/taints.js';
import { MAX_NODE_SCORE, defaultNormalizeScore } from '../helpers.js';

export const NAME = 'TaintToleration';
export const errReasonUntoleratedTaint = (key: string, value: string): string => `node(s) had untolerated taint {${key}: ${value}}`;

interface PreScoreState {
  readonly tolerations: readonly Toleration[];
  /** no node of the snapshot has a taint: every score is 0 */
  readonly noTaints: boolean;
}
const preScoreKey = new StateKey<PreScoreState>('PreScore' + NAME);

function countIntolerable(taints: readonly Taint[], tolerations: readonly Toleration[]): number {
  let n = 0;
  for (const taint of taints) if (taint.effect === PREFER_NO_SCHEDULE && !taintTolerated(taint, tolerations)) n++;
  return n;
}

export type TaintTolerationPlugin = FilterPlugin & PreScorePlugin & ScorePlugin;

export function newTaintToleration(): TaintTolerationPlugin {
  return {
    name: NAME,
    filter(_state, pod, ni): Status {
      if (ni.taints.length === 0) return SUCCESS;
      const t = findUntoleratedTaint(ni.taints, pod.tolerations, noScheduleOrNoExecute);
      return t ? newStatus(Code.UnschedulableAndUnresolvable, errReasonUntoleratedTaint(t.key, t.value)) : SUCCESS;
    },
    cannotReject(snapshot): boolean {
      return snapshot.taintedNodes === 0;
    },
    filterNodes(_state, pod, nodes, len, statuses): number {
      let n = 0;
      for (let i = 0; i < len; i++) {
        const ni = nodes[i];
        if (ni.taints.length === 0 || statuses[i] !== undefined) continue;
        const t = findUntoleratedTaint(ni.taints, pod.tolerations, noScheduleOrNoExecute);
        if (t) {
          statuses[i] = withPlugin(newStatus(Code.UnschedulableAndUnresolvable, errReasonUntoleratedTaint(t.key, t.value)), NAME);
          n++;
        }
      }
      return n;
    },
    preScore(state, pod, _nodes, snapshot): Status {
      const tolerations = pod.tolerations.filter((t) => t.effect === '' || t.effect === PREFER_NO_SCHEDULE);
      state.write(preScoreKey, { tolerations, noTaints: snapshot.taintedNodes === 0 });
      return SUCCESS;
    },
    score(state, pod, ni): number {
      if (ni.taints.length === 0) return 0;
      const tolerations = state.read(preScoreKey)?.tolerations ?? pod.tolerations;
      return countIntolerable(ni.taints, tolerations);
    },
    scoreNodes(state, pod, nodes, len, values): void {
      if (state.read(preScoreKey)?.noTaints) {
        for (let i = 0; i < len; i++) values[i] = 0; // without reading every node
        return;
      }
      let tolerations: readonly Toleration[] | undefined;
      for (let i = 0; i < len; i++) {
        const taints = nodes[i].taints;
        if (taints.length === 0) values[i] = 0;
        else values[i] = countIntolerable(taints, (tolerations ??= state.read(preScoreKey)?.tolerations ?? pod.tolerations));
      }
    },
    normalize(_state, _pod, scores): void {
      defaultNormalizeScore(MAX_NODE_SCORE, true, scores);
    },
  };
}
