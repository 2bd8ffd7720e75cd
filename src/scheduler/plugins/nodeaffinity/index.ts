// NodeAffinity: spec.nodeSelector and required node affinity filter; preferred terms score by the
// sum of the weights of the terms a node matches.
import { Code, SKIP, SUCCESS, newStatus, type FilterPlugin, type PreFilterPlugin, type PreScorePlugin, type ScorePlugin, type Status } from '../../framework/types.js';
import { MAX_NODE_SCORE, defaultNormalizeScore } from '../helpers.js';

export const NAME = 'NodeAffinity';
export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";

const REJECT: Status = newStatus(Code.UnschedulableAndUnresolvable, ERR_REASON_POD);

export type NodeAffinityPlugin = PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin;

export function newNodeAffinity(): NodeAffinityPlugin {
  return {
    name: NAME,
    preFilter(_state, pod): Status {
      return pod.nodeAffinity.empty ? SKIP : SUCCESS;
    },
    filter(_state, pod, ni): Status {
      return pod.nodeAffinity.matches(ni) ? SUCCESS : REJECT;
    },
    preScore(_state, pod): Status {
      return pod.preferredNodeTerms.length === 0 ? SKIP : SUCCESS;
    },
    score(_state, pod, ni): number {
      let s = 0;
      for (const t of pod.preferredNodeTerms) if (t.matches(ni)) s += t.weight;
      return s;
    },
    normalize(_state, _pod, scores): void {
      defaultNormalizeScore(MAX_NODE_SCORE, false, scores);
    },
  };
}
