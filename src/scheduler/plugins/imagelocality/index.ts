// ImageLocality: favours nodes that already have the pod's images, weighted by image size and by
// how widely the image is spread (to avoid piling pods onto the few nodes having it).
import { SKIP, StateKey, SUCCESS, type PreScorePlugin, type ScorePlugin, type Status } from '../../framework/types.js';
import { MAX_NODE_SCORE } from '../helpers.js';

export const NAME = 'ImageLocality';
const MB = 1024 * 1024;
export const MIN_THRESHOLD = 23 * MB;
export const MAX_CONTAINER_THRESHOLD = 1000 * MB;

interface PreScoreState {
  readonly totalNodes: number;
  /** image -> number of nodes having it */
  readonly spread: ReadonlyMap<string, number>;
}
const key = new StateKey<PreScoreState>('PreScore' + NAME);

export function calculatePriority(sumScores: number, numContainers: number): number {
  const maxThreshold = MAX_CONTAINER_THRESHOLD * numContainers;
  const s = Math.min(Math.max(sumScores, MIN_THRESHOLD), maxThreshold);
  return Math.trunc((MAX_NODE_SCORE * (s - MIN_THRESHOLD)) / (maxThreshold - MIN_THRESHOLD));
}

export type ImageLocalityPlugin = PreScorePlugin & ScorePlugin;

export function newImageLocality(): ImageLocalityPlugin {
  return {
    name: NAME,
    preScore(state, pod, _nodes, snapshot): Status {
      const spread = new Map<string, number>();
      let anywhere = false;
      for (const img of pod.images) {
        const n = snapshot.imageNumNodes(img);
        spread.set(img, n);
        if (n > 0) anywhere = true;
      }
      // no node has any of the images: every node would score 0, so skip the per-node pass
      if (!anywhere) return SKIP;
      state.write(key, { totalNodes: snapshot.numNodes, spread });
      return SUCCESS;
    },
    score(state, pod, ni): number {
      if (ni.images.size === 0) return 0;
      const s = state.read(key);
      if (!s || s.totalNodes === 0) return 0;
      let sum = 0;
      for (const img of pod.images) {
        const size = ni.images.get(img);
        if (size !== undefined) sum += Math.trunc((size * (s.spread.get(img) ?? 0)) / s.totalNodes);
      }
      return calculatePriority(sum, pod.images.length);
    },
  };
}
