// DefaultPreemption's algorithm, pure: find nodes where removing lower-priority pods lets the pod
// fit (dry runs on copies of nodes and cycle state), keep as few victims as possible (reprieve the
// most important first), and pick the node whose victims matter least.
import { fitErrorMessage, newDiagnosis } from '../framework/diagnosis.js';
import type { NodeInfo } from '../framework/nodeinfo.js';
import { moreImportantPod, type PodInfo } from '../framework/podinfo.js';
import type { Snapshot } from '../framework/snapshot.js';
import { Code, newStatus, type CycleState, type FilterRunner, type PostFilterContext, type Status } from '../framework/types.js';

export const REASON_NOT_HELPFUL = 'Preemption is not helpful for scheduling';
export const REASON_NO_VICTIMS = 'No preemption victims found for incoming pod';
export const REASON_POLICY_NEVER = 'not eligible due to preemptionPolicy=Never.';
export const REASON_TERMINATING_ON_NOMINATED = 'not eligible due to a terminating pod on the nominated node.';
export const MESSAGE_PREFIX = 'preemption: ';

export interface PreemptionOptions {
  /** DefaultPreemptionArgs: at least this share of the potential nodes is dry-run (default 10). */
  readonly minCandidateNodesPercentage?: number;
  /** ...and at least this many (default 100). */
  readonly minCandidateNodesAbsolute?: number;
  /** Random offset into the potential nodes; Math.random by default. */
  readonly rng?: () => number;
}

export interface Candidate {
  readonly nodeName: string;
  /** Ordered from most to least important. */
  readonly victims: readonly PodInfo[];
}

export interface PreemptionOutcome {
  readonly candidate?: Candidate;
  /** False when the pod may not preempt at all (then its nomination is left as it is). */
  readonly eligible: boolean;
  /** Success with a candidate; otherwise Unschedulable with upstream's `preemption: ...` message. */
  readonly status: Status;
}

function terminatingByPreemption(p: PodInfo): boolean {
  if (!p.terminating) return false;
  const conds = p.pod.status?.conditions as { type?: string; status?: string; reason?: string }[] | undefined;
  const c = conds?.find((x) => x.type === 'DisruptionTarget');
  return c !== undefined && c.status === 'True' && c.reason === 'PreemptionByScheduler';
}

/** PodEligibleToPreemptOthers: '' when eligible, otherwise the reason. */
export function preemptionIneligibility(pod: PodInfo, snapshot: Snapshot, nominatedNodeStatus: Status | undefined): string {
  if (pod.preemptionPolicy === 'Never') return REASON_POLICY_NEVER;
  const nom = pod.nominatedNodeName;
  if (nom) {
    if (nominatedNodeStatus?.code === Code.UnschedulableAndUnresolvable) return '';
    const ni = snapshot.get(nom);
    if (ni && ni.pods.some((p) => p.priority < pod.priority && terminatingByPreemption(p))) return REASON_TERMINATING_ON_NOMINATED;
  }
  return '';
}

/** The fewest lower-priority pods to remove from the node so the pod fits, or why none would do. */
export function selectVictimsOnNode(
  fw: FilterRunner,
  state: CycleState,
  pod: PodInfo,
  nodeInfo: NodeInfo,
  snapshot: Snapshot,
): { victims: PodInfo[]; status: Status } {
  const st = state.clone();
  const ni = nodeInfo.clone();
  const potential = ni.pods.filter((p) => p.priority < pod.priority);
  if (potential.length === 0) return { victims: [], status: newStatus(Code.UnschedulableAndUnresolvable, REASON_NO_VICTIMS) };
  for (const p of potential) {
    ni.removePod(p);
    fw.runPreFilterRemovePod(st, pod, p, ni, snapshot);
  }
  const s = fw.runFiltersWithNominatedPods(st, pod, ni, snapshot);
  if (s.code !== Code.Success) return { victims: [], status: s };
  potential.sort((a, b) => (moreImportantPod(a, b) ? -1 : moreImportantPod(b, a) ? 1 : 0));
  const victims: PodInfo[] = [];
  for (const p of potential) {
    ni.addPod(p);
    fw.runPreFilterAddPod(st, pod, p, ni, snapshot);
    if (fw.runFiltersWithNominatedPods(st, pod, ni, snapshot).code !== Code.Success) {
      ni.removePod(p);
      fw.runPreFilterRemovePod(st, pod, p, ni, snapshot);
      victims.push(p);
    }
  }
  return { victims, status: newStatus(Code.Success) };
}

const INT32_OFFSET = 2 ** 31;

function earliestStartOfTopPriority(victims: readonly PodInfo[]): number {
  const top = victims[0].priority;
  let t = Infinity;
  for (const v of victims) if (v.priority === top && v.startTime < t) t = v.startTime;
  return t;
}

/**
 * pickOneNodeForPreemption (no PDBs): lowest highest-victim priority, then lowest sum of
 * priorities, then fewest victims, then latest start of the top-priority victims, then first.
 */
export function pickOneNodeForPreemption(candidates: readonly Candidate[]): Candidate | undefined {
  if (candidates.length === 0) return undefined;
  const scoreFns: ((c: Candidate) => number)[] = [
    (c) => -c.victims[0].priority,
    (c) => -c.victims.reduce((s, v) => s + v.priority + INT32_OFFSET, 0),
    (c) => -c.victims.length,
    (c) => earliestStartOfTopPriority(c.victims),
  ];
  let pool = candidates;
  for (const f of scoreFns) {
    let max = -Infinity;
    let best: Candidate[] = [];
    for (const c of pool) {
      const s = f(c);
      if (s > max) {
        max = s;
        best = [c];
      } else if (s === max) best.push(c);
    }
    if (best.length === 1) return best[0];
    pool = best;
  }
  return pool[0];
}

function numCandidates(n: number, opts: PreemptionOptions): number {
  const pct = opts.minCandidateNodesPercentage ?? 10;
  const abs = opts.minCandidateNodesAbsolute ?? 100;
  return Math.min(Math.max(Math.trunc((n * pct) / 100), abs), n);
}

/** Evaluator.Preempt without the API calls: the node to nominate and the pods to evict. */
export function preempt(ctx: PostFilterContext, opts: PreemptionOptions = {}): PreemptionOutcome {
  const { pod, snapshot, state, nodeToStatus, absentNodesStatus } = ctx;
  const why = preemptionIneligibility(pod, snapshot, nodeToStatus.get(pod.nominatedNodeName));
  if (why) return { eligible: false, status: newStatus(Code.Unschedulable, MESSAGE_PREFIX + why) };
  const potential: NodeInfo[] = [];
  for (const ni of snapshot.nodes) {
    const s = nodeToStatus.get(ni.name) ?? absentNodesStatus;
    if (s?.code === Code.Unschedulable) potential.push(ni);
  }
  const diagnosis = newDiagnosis(snapshot.numNodes);
  diagnosis.absentNodesStatus = newStatus(Code.UnschedulableAndUnresolvable, REASON_NOT_HELPFUL);
  const candidates: Candidate[] = [];
  if (potential.length > 0) {
    const want = numCandidates(potential.length, opts);
    const offset = Math.floor((opts.rng ?? Math.random)() * potential.length);
    for (let i = 0; i < potential.length && candidates.length < want; i++) {
      const ni = potential[(offset + i) % potential.length];
      const r = selectVictimsOnNode(ctx.framework, state, pod, ni, snapshot);
      if (r.status.code === Code.Success && r.victims.length > 0) candidates.push({ nodeName: ni.name, victims: r.victims });
      else if (r.status.code === Code.Success) diagnosis.nodeToStatus.set(ni.name, newStatus(Code.Error, `expected at least one victim pod on node "${ni.name}"`));
      else diagnosis.nodeToStatus.set(ni.name, r.status);
    }
  }
  const best = pickOneNodeForPreemption(candidates);
  if (!best) return { eligible: true, status: newStatus(Code.Unschedulable, MESSAGE_PREFIX + fitErrorMessage(diagnosis)) };
  return { eligible: true, candidate: best, status: newStatus(Code.Success) };
}

/** Pure victim selection: `{ nodeName, victims }` for the best node, or undefined. */
export function findPreemptionTarget(ctx: PostFilterContext, opts: PreemptionOptions = {}): Candidate | undefined {
  return preempt(ctx, opts).candidate;
}

export { NominatedPods } from './nominator.js';
