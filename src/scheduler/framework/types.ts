// The scheduling framework's vocabulary: status codes, statuses, the typed cycle state and the
// plugin interfaces (as in Kubernetes' pkg/scheduler/framework). Everything here is pure data.
import type { KubeObject } from '../../api/types.js';
import type { NodeInfo } from './nodeinfo.js';
import type { PodInfo } from './podinfo.js';
import type { Snapshot } from './snapshot.js';

export const Code = {
  Success: 0,
  Error: 1,
  Unschedulable: 2,
  UnschedulableAndUnresolvable: 3,
  /** PreFilter/PreScore only: the plugin has nothing to do for this pod; its Filter/Score is skipped. */
  Skip: 4,
} as const;
export type Code = (typeof Code)[keyof typeof Code];

export const CODE_NAMES: Record<Code, string> = {
  0: 'Success',
  1: 'Error',
  2: 'Unschedulable',
  3: 'UnschedulableAndUnresolvable',
  4: 'Skip',
};

export interface Status {
  readonly code: Code;
  readonly reasons: readonly string[];
  /** The plugin that produced the status (set by the framework on failures). */
  readonly plugin?: string;
}

/** The shared success status: plugins return it without allocating. */
export const SUCCESS: Status = Object.freeze({ code: Code.Success, reasons: Object.freeze([]) as readonly string[] });
export const SKIP: Status = Object.freeze({ code: Code.Skip, reasons: Object.freeze([]) as readonly string[] });

export function newStatus(code: Code, ...reasons: string[]): Status {
  return { code, reasons };
}
export function isSuccess(s: Status): boolean {
  return s.code === Code.Success;
}
export function withPlugin(s: Status, plugin: string): Status {
  return s.plugin === plugin ? s : { code: s.code, reasons: s.reasons, plugin };
}
export function statusMessage(s: Status): string {
  return s.reasons.join(', ');
}

export const MAX_NODE_SCORE = 100;
export const MIN_NODE_SCORE = 0;

/** Data stored in the cycle state; `clone` is called when preemption copies the state per node. */
export interface StateData {
  clone?(): StateData;
}

function isCloneable(v: unknown): v is { clone(): unknown } {
  return typeof v === 'object' && v !== null && typeof (v as { clone?: unknown }).clone === 'function';
}

/** A typed key into the cycle state. Values with a clone() method are copied by CycleState.clone. */
export class StateKey<T> {
  declare readonly _type: T;
  constructor(readonly name: string) {}
}

/** Work computed once per scheduling cycle and shared between a plugin's extension points. */
export class CycleState {
  private readonly data = new Map<StateKey<unknown>, unknown>();
  /** Plugins whose PreFilter returned Skip. */
  readonly skipFilter = new Set<string>();
  /** Plugins whose PreScore returned Skip. */
  readonly skipScore = new Set<string>();

  read<T>(key: StateKey<T>): T | undefined {
    return this.data.get(key) as T | undefined;
  }
  write<T>(key: StateKey<T>, value: T): void {
    this.data.set(key, value);
  }
  delete<T>(key: StateKey<T>): void {
    this.data.delete(key);
  }
  clone(): CycleState {
    const c = new CycleState();
    for (const [k, v] of this.data) c.data.set(k, isCloneable(v) ? v.clone() : v);
    for (const p of this.skipFilter) c.skipFilter.add(p);
    for (const p of this.skipScore) c.skipScore.add(p);
    return c;
  }
}

export interface Plugin {
  readonly name: string;
}

export interface PreFilterPlugin extends Plugin {
  /** Computes per-cycle state. Returns SKIP when the plugin's Filter has nothing to check. */
  preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot): Status;
  /** Keeps the PreFilter state right when preemption adds/removes pods on a copy of a node. */
  addPod?(state: CycleState, pod: PodInfo, podToAdd: PodInfo, nodeInfo: NodeInfo, snapshot: Snapshot): void;
  removePod?(state: CycleState, pod: PodInfo, podToRemove: PodInfo, nodeInfo: NodeInfo, snapshot: Snapshot): void;
}

export interface FilterPlugin extends Plugin {
  filter(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): Status;
  /**
   * Optional batch form of filter, for the hot path: for each i < len with statuses[i]
   * undefined, sets statuses[i] to filter(nodes[i])'s status when it is not Success, with
   * `plugin` set to the plugin's name. Returns how many it set.
   */
  filterNodes?(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], len: number, statuses: (Status | undefined)[]): number;
  /**
   * Optional: true when no node of the snapshot can fail this filter, whatever the pod (no
   * node has a taint, none is cordoned): the search for feasible nodes leaves it out.
   */
  cannotReject?(snapshot: Snapshot): boolean;
}

/** Runs after a node is chosen, before the pod is bound (e.g. binding its volumes); a throw fails the binding. */
export interface PreBindPlugin extends Plugin {
  preBind(pod: KubeObject, node: { name: string; labels: Readonly<Record<string, string>> }, signal?: AbortSignal): Promise<void>;
}

export interface PreScorePlugin extends Plugin {
  preScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], snapshot: Snapshot): Status;
}

/** Scores of one plugin for the feasible nodes: values[i] belongs to nodes[i], for i < length. */
export interface NodeScores {
  readonly nodes: readonly NodeInfo[];
  readonly values: Float64Array;
  readonly length: number;
}

export interface ScorePlugin extends Plugin {
  score(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): number;
  /** Optional batch form of score: values[i] = score(nodes[i]) for i < len. */
  scoreNodes?(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], len: number, values: Float64Array): void;
  /** Brings the raw scores into [0, 100]. */
  normalize?(state: CycleState, pod: PodInfo, scores: NodeScores): void;
}

/** What PostFilter plugins can call back into: filtering with the profile's own plugins. */
export interface FilterRunner {
  runFilters(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): Status;
  runFiltersWithNominatedPods(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo, snapshot: Snapshot): Status;
  runPreFilterAddPod(state: CycleState, pod: PodInfo, podToAdd: PodInfo, nodeInfo: NodeInfo, snapshot: Snapshot): void;
  runPreFilterRemovePod(state: CycleState, pod: PodInfo, podToRemove: PodInfo, nodeInfo: NodeInfo, snapshot: Snapshot): void;
}

export interface PostFilterContext {
  readonly state: CycleState;
  readonly pod: PodInfo;
  readonly snapshot: Snapshot;
  /** Filter statuses of the nodes that were evaluated (nodes absent here were not). */
  readonly nodeToStatus: ReadonlyMap<string, Status>;
  /** Status of the nodes absent from nodeToStatus (a PreFilter rejection applies to all nodes). */
  readonly absentNodesStatus?: Status;
  readonly framework: FilterRunner;
}

export interface PostFilterResult {
  readonly status: Status;
  /** Node the pod is nominated to once the victims are gone ('' clears a nomination). */
  readonly nominatedNodeName?: string;
  readonly victims?: readonly PodInfo[];
}

export interface PostFilterPlugin extends Plugin {
  postFilter(ctx: PostFilterContext): PostFilterResult;
}

/** Nominated pods (pods that preempted others and wait for room on a node). */
export interface PodNominator {
  nominatedPodsForNode(nodeName: string): readonly PodInfo[];
  /** pods nominated anywhere: with none, filtering skips the per-node lookup */
  readonly size: number;
}

/** Read access to the cluster objects some plugins need (wired to informers by the scheduler). */
export interface ClusterLister {
  namespaces(): readonly { name: string; labels: Readonly<Record<string, string>> }[];
  namespaceLabels(name: string): Readonly<Record<string, string>> | undefined;
  /** Services of a namespace (for default spreading). */
  services(namespace: string): readonly { spec?: { selector?: Record<string, string> } }[];
  /** A ReplicaSet, StatefulSet or ReplicationController by name (for default spreading). */
  controller(kind: string, namespace: string, name: string): { spec?: { selector?: unknown } } | undefined;
}

/** What plugin factories receive. */
export interface Handle {
  readonly lister: ClusterLister;
}
