// Why a pod did not fit, and upstream's FitError text built from it:
// `0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node affinity/selector. preemption: ...`
import { Code, type Status } from './types.js';

export interface Diagnosis {
  /** Status of every node that was evaluated and rejected. */
  readonly nodeToStatus: Map<string, Status>;
  /** Status given to nodes absent from nodeToStatus (when set, they count in the message). */
  absentNodesStatus?: Status;
  readonly unschedulablePlugins: Set<string>;
  /** Message of a PreFilter rejection (then node statuses are not listed). */
  preFilterMsg: string;
  /** Message from PostFilter (preemption). */
  postFilterMsg: string;
  numAllNodes: number;
}

export function newDiagnosis(numAllNodes: number): Diagnosis {
  return { nodeToStatus: new Map(), unschedulablePlugins: new Set(), preFilterMsg: '', postFilterMsg: '', numAllNodes };
}

export const NO_NODE_AVAILABLE = (n: number): string => `0/${n} nodes are available`;

/** Reasons counted across nodes, formatted `N reason` and sorted as strings (as upstream). */
export function reasonHistogram(d: Pick<Diagnosis, 'nodeToStatus' | 'absentNodesStatus' | 'numAllNodes'>): string[] {
  const counts = new Map<string, number>();
  for (const s of d.nodeToStatus.values()) for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  const absent = d.numAllNodes - d.nodeToStatus.size;
  if (d.absentNodesStatus && absent > 0) for (const r of d.absentNodesStatus.reasons) counts.set(r, (counts.get(r) ?? 0) + absent);
  const out: string[] = [];
  for (const [r, n] of counts) out.push(`${n} ${r}`);
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** FitError.Error(). */
export function fitErrorMessage(d: Diagnosis): string {
  let msg = NO_NODE_AVAILABLE(d.numAllNodes) + ':';
  if (d.preFilterMsg !== '') msg += ` ${d.preFilterMsg}.`;
  else {
    const h = reasonHistogram(d);
    if (h.length > 0) msg += ` ${h.join(', ')}.`;
  }
  // The preemption message is itself a FitError text ending in '.', which is not doubled.
  if (d.postFilterMsg !== '') msg += ` ${d.postFilterMsg.endsWith('.') ? d.postFilterMsg : d.postFilterMsg + '.'}`;
  return msg;
}

/** Nodes whose status says that removing pods might help (code Unschedulable). */
export function nodesWherePreemptionMightHelp(nodeToStatus: ReadonlyMap<string, Status>): string[] {
  const out: string[] = [];
  for (const [n, s] of nodeToStatus) if (s.code === Code.Unschedulable) out.push(n);
  return out;
}
