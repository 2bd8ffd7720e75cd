// TaintToleration: NoSchedule and NoExecute taints filter; untolerated PreferNoSchedule taints
// lower the score (fewer is better).
import { Code, SUCCESS, StateKey, newStatus, type FilterPlugin, type PreScorePlugin, type ScorePlugin, type Status } from '../../framework/types.js';
import { PREFER_NO_SCHEDULE, findUntoleratedTaint, noScheduleOrNoExecute, taintTolerated, type Toleration } from '../../../api/taints.js';
import { MAX_NODE_SCORE, defaultNormalizeScore } from '../helpers.js';

export const NAME = 'TaintToleration';
export const errReasonUntoleratedTaint = (key: string, value: string): string => `node(s) had untolerated taint {${key}: ${value}}`;

interface PreScoreState {
  readonly tolerations: readonly Toleration[];
}
const preScoreKey = new StateKey<PreScoreState>('PreScore' + NAME);

export type TaintTolerationPlugin = FilterPlugin & PreScorePlugin & ScorePlugin;

export function newTaintToleration(): TaintTolerationPlugin {
  return {
    name: NAME,
    filter(_state, pod, ni): Status {
      if (ni.taints.length === 0) return SUCCESS;
      const t = findUntoleratedTaint(ni.taints, pod.tolerations, noScheduleOrNoExecute);
      return t ? newStatus(Code.UnschedulableAndUnresolvable, errReasonUntoleratedTaint(t.key, t.value)) : SUCCESS;
    },
    preScore(state, pod): Status {
      const tolerations = pod.tolerations.filter((t) => t.effect === '' || t.effect === PREFER_NO_SCHEDULE);
      state.write(preScoreKey, { tolerations });
      return SUCCESS;
    },
    score(state, pod, ni): number {
      if (ni.taints.length === 0) return 0;
      const tolerations = state.read(preScoreKey)?.tolerations ?? pod.tolerations;
      let n = 0;
      for (const taint of ni.taints) if (taint.effect === PREFER_NO_SCHEDULE && !taintTolerated(taint, tolerations)) n++;
      return n;
    },
    normalize(_state, _pod, scores): void {
      defaultNormalizeScore(MAX_NODE_SCORE, true, scores);
    },
  };
}
