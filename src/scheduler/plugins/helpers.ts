// Helpers shared by plugins (upstream pkg/scheduler/framework/plugins/helper).
import { MAX_NODE_SCORE, type NodeScores } from '../framework/types.js';

/** helper.DefaultNormalizeScore: scales to [0, max] by the highest score; `reverse` flips it. */
export function defaultNormalizeScore(maxPriority: number, reverse: boolean, scores: NodeScores): void {
  const v = scores.values;
  let max = 0;
  for (let i = 0; i < scores.length; i++) if (v[i] > max) max = v[i];
  if (max === 0) {
    if (reverse) v.fill(maxPriority, 0, scores.length);
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    let s = Math.trunc((maxPriority * v[i]) / max);
    if (reverse) s = maxPriority - s;
    v[i] = s;
  }
}

export { MAX_NODE_SCORE };
