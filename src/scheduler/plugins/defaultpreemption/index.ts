// DefaultPreemption (PostFilter): when no node fits, nominate the node where evicting the least
// important lower-priority pods makes room; the scheduler then deletes the victims.
import { preempt, type PreemptionOptions } from '../../preemption/index.js';
import type { PostFilterPlugin, PostFilterResult } from '../../framework/types.js';

export const NAME = 'DefaultPreemption';

export function newDefaultPreemption(opts: PreemptionOptions = {}): PostFilterPlugin {
  return {
    name: NAME,
    postFilter(ctx): PostFilterResult {
      const out = preempt(ctx, opts);
      if (out.candidate) return { status: out.status, nominatedNodeName: out.candidate.nodeName, victims: out.candidate.victims };
      // Clears an earlier nomination unless the pod was simply not eligible.
      return { status: out.status, nominatedNodeName: out.eligible ? '' : undefined };
    },
  };
}
