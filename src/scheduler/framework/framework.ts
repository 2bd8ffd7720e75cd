// The scheduling cycle (upstream schedulePod + frameworkImpl): PreFilter, Filter over a rotating
// window of nodes until enough are feasible, PreScore, Score with normalisation and weights,
// host selection with random tie-breaking, and PostFilter (preemption) on failure.
import type { KubeObject } from '../../api/types.js';
import { fitErrorMessage, newDiagnosis, type Diagnosis } from './diagnosis.js';
import type { NodeInfo } from './nodeinfo.js';
import { asPodInfo, type PodInfo } from './podinfo.js';
import type { Snapshot } from './snapshot.js';
import {
  Code,
  CycleState,
  newStatus,
  statusMessage,
  withPlugin,
  type FilterPlugin,
  type FilterRunner,
  type PodNominator,
  type PostFilterPlugin,
  type PreBindPlugin,
  type PreFilterPlugin,
  type PreScorePlugin,
  type ScorePlugin,
  type Status,
} from './types.js';

export interface WeightedScorePlugin {
  readonly plugin: ScorePlugin;
  readonly weight: number;
}

/** The plugins of a profile, per extension point, in the order they run. */
export interface ProfilePlugins {
  readonly preFilter: readonly PreFilterPlugin[];
  readonly filter: readonly FilterPlugin[];
  readonly postFilter: readonly PostFilterPlugin[];
  readonly preScore: readonly PreScorePlugin[];
  readonly score: readonly WeightedScorePlugin[];
  readonly preBind?: readonly PreBindPlugin[];
}

export interface FrameworkOptions {
  /** 0 or undefined: adaptive (50% - nodes/125, at least 5%), as upstream. */
  readonly percentageOfNodesToScore?: number;
  /** Uniform [0, 1) source for tie-breaking; Math.random by default. */
  readonly rng?: () => number;
  /** Nominated pods are taken into account when filtering (RunFilterPluginsWithNominatedPods). */
  readonly nominator?: PodNominator;
}

export interface ScheduleOptions {
  /** Do not run PostFilter (preemption) when the pod does not fit. */
  readonly skipPostFilter?: boolean;
}

export interface ScheduleSuccess {
  readonly node: string;
  readonly evaluatedNodes: number;
  readonly feasibleNodes: number;
  readonly state: CycleState;
}

export interface ScheduleFailure {
  readonly node?: undefined;
  /** Unschedulable (with the FitError message as reason) or Error. */
  readonly status: Status;
  readonly diagnosis: Diagnosis;
  /** Upstream's FailedScheduling text. */
  readonly message: string;
  /** Set when preemption chose a node: nominate the pod there and delete the victims. */
  readonly nominatedNodeName?: string;
  readonly victims?: readonly PodInfo[];
}

export type ScheduleResult = ScheduleSuccess | ScheduleFailure;

export const MIN_FEASIBLE_NODES_TO_FIND = 100;
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;

/** numFeasibleNodesToFind: how many feasible nodes are enough to stop filtering. */
export function numFeasibleNodesToFind(numAllNodes: number, percentage = 0): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND || percentage >= 100) return numAllNodes;
  let pct = percentage;
  if (pct <= 0) pct = Math.max(50 - Math.trunc(numAllNodes / 125), MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND);
  const n = Math.trunc((numAllNodes * pct) / 100);
  return Math.max(n, MIN_FEASIBLE_NODES_TO_FIND);
}

class PluginError extends Error {}

/** Nodes filtered together (see filterInChunks). */
const CHUNK = 256;
const MIN_CHUNK = 16;

export class Framework implements FilterRunner {
  private nextStartNodeIndex = 0;
  private readonly rng: () => number;
  private feasible: NodeInfo[] = [];
  private readonly chunk: NodeInfo[] = new Array<NodeInfo>(CHUNK);
  private readonly chunkStatus: (Status | undefined)[] = new Array<Status | undefined>(CHUNK);
  /** nodes rejected in the current cycle (filterInChunks), in order, and how many */
  private readonly rejNodes: NodeInfo[] = [];
  private readonly rejStatuses: Status[] = [];
  private rejected = 0;
  private scoreBufs: Float64Array[] = [];
  private totals = new Float64Array(0);

  constructor(
    readonly plugins: ProfilePlugins,
    private readonly opts: FrameworkOptions = {},
  ) {
    this.rng = opts.rng ?? Math.random;
  }

  /** Runs one scheduling cycle for `pod` against `snapshot` (which it does not change). */
  schedulePod(podIn: KubeObject | PodInfo, snapshot: Snapshot, opts: ScheduleOptions = {}): ScheduleResult {
    const pod = asPodInfo(podIn);
    const state = new CycleState();
    const diagnosis = newDiagnosis(snapshot.numNodes);
    try {
      if (snapshot.numNodes === 0) {
        const msg = 'no nodes available to schedule pods';
        return { status: newStatus(Code.Unschedulable, msg), diagnosis, message: msg };
      }
      const pre = this.runPreFilters(state, pod, snapshot);
      if (pre.code !== Code.Success) {
        diagnosis.preFilterMsg = statusMessage(pre);
        diagnosis.absentNodesStatus = pre;
        if (pre.plugin) diagnosis.unschedulablePlugins.add(pre.plugin);
        return this.fail(state, pod, snapshot, diagnosis, opts);
      }
      const active = this.activeFilters(state);
      // A pod nominated by an earlier preemption tries its node first.
      const nominated = pod.nominatedNodeName ? snapshot.get(pod.nominatedNodeName) : undefined;
      if (nominated && this.filterWithNominated(active, state, pod, nominated, snapshot).code === Code.Success) {
        return { node: nominated.name, evaluatedNodes: 1, feasibleNodes: 1, state };
      }
      const feasible = this.findFeasibleNodes(active, state, pod, snapshot, diagnosis);
      if (feasible.length === 0) return this.fail(state, pod, snapshot, diagnosis, opts);
      const evaluated = feasible.length + this.rejected;
      if (feasible.length === 1) return { node: feasible[0].name, evaluatedNodes: evaluated, feasibleNodes: 1, state };
      const node = this.prioritize(state, pod, feasible, snapshot);
      return { node, evaluatedNodes: evaluated, feasibleNodes: feasible.length, state };
    } catch (e) {
      if (!(e instanceof PluginError)) throw e;
      const status = newStatus(Code.Error, e.message);
      return { status, diagnosis, message: e.message };
    }
  }

  /** PreBind plugins in order; the first failure throws and the pod is not bound. */
  async runPreBind(pod: KubeObject, node: { name: string; labels: Readonly<Record<string, string>> }, signal?: AbortSignal): Promise<void> {
    for (const p of this.plugins.preBind ?? []) await p.preBind(pod, node, signal);
  }

  runPreFilters(state: CycleState, pod: PodInfo, snapshot: Snapshot): Status {
    for (const p of this.plugins.preFilter) {
      const s = p.preFilter(state, pod, snapshot);
      if (s.code === Code.Success) continue;
      if (s.code === Code.Skip) {
        state.skipFilter.add(p.name);
        continue;
      }
      if (s.code === Code.Error) throw new PluginError(`running PreFilter plugin "${p.name}": ${statusMessage(s)}`);
      return withPlugin(s, p.name);
    }
    return { code: Code.Success, reasons: [] };
  }

  runFilters(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): Status {
    return this.filterNode(this.activeFilters(state), state, pod, nodeInfo);
  }

  runFiltersWithNominatedPods(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo, snapshot: Snapshot): Status {
    return this.filterWithNominated(this.activeFilters(state), state, pod, nodeInfo, snapshot);
  }

  runPreFilterAddPod(state: CycleState, pod: PodInfo, podToAdd: PodInfo, nodeInfo: NodeInfo, snapshot: Snapshot): void {
    for (const p of this.plugins.preFilter) {
      if (p.addPod && !state.skipFilter.has(p.name)) p.addPod(state, pod, podToAdd, nodeInfo, snapshot);
    }
  }

  runPreFilterRemovePod(state: CycleState, pod: PodInfo, podToRemove: PodInfo, nodeInfo: NodeInfo, snapshot: Snapshot): void {
    for (const p of this.plugins.preFilter) {
      if (p.removePod && !state.skipFilter.has(p.name)) p.removePod(state, pod, podToRemove, nodeInfo, snapshot);
    }
  }

  private activeFilters(state: CycleState): FilterPlugin[] {
    return this.plugins.filter.filter((p) => !state.skipFilter.has(p.name));
  }

  private filterNode(active: readonly FilterPlugin[], state: CycleState, pod: PodInfo, ni: NodeInfo): Status {
    for (let i = 0; i < active.length; i++) {
      const p = active[i];
      const s = p.filter(state, pod, ni);
      if (s.code !== Code.Success) {
        if (s.code === Code.Error) throw new PluginError(`running "${p.name}" filter plugin: ${statusMessage(s)}`);
        return s.plugin === undefined ? withPlugin(s, p.name) : s;
      }
    }
    return SUCCESS_STATUS;
  }

  /** Filters twice when higher-or-equal priority pods are nominated to the node: with and without them. */
  private filterWithNominated(active: readonly FilterPlugin[], state: CycleState, pod: PodInfo, ni: NodeInfo, snapshot: Snapshot): Status {
    const nominator = this.opts.nominator;
    if (nominator) {
      const nominated = nominator.nominatedPodsForNode(ni.name);
      if (nominated.length > 0) {
        let st: CycleState | undefined;
        let copy: NodeInfo | undefined;
        for (const np of nominated) {
          if (np.key === pod.key || np.priority < pod.priority) continue;
          st ??= state.clone();
          copy ??= ni.clone();
          copy.addPod(np);
          this.runPreFilterAddPod(st, pod, np, copy, snapshot);
        }
        if (st && copy) {
          const s = this.filterNode(active, st, pod, copy);
          if (s.code !== Code.Success) return s;
        }
      }
    }
    return this.filterNode(active, state, pod, ni);
  }

  private findFeasibleNodes(active: readonly FilterPlugin[], state: CycleState, pod: PodInfo, snapshot: Snapshot, diagnosis: Diagnosis): NodeInfo[] {
    const nodes = snapshot.nodes;
    const n = nodes.length;
    const want = numFeasibleNodesToFind(n, this.opts.percentageOfNodesToScore ?? 0);
    const feasible = this.feasible;
    feasible.length = 0;
    const start = this.nextStartNodeIndex % n;
    // filters no node of this snapshot can fail (no taints, no cordoned nodes) are left out:
    // each would still read every node it is given
    if (active.some((p) => p.cannotReject?.(snapshot))) active = active.filter((p) => !p.cannotReject?.(snapshot));
    // nominations are rare: without any, nodes are filtered in chunks, plugin by plugin
    const useNominator = (this.opts.nominator?.size ?? 0) > 0;
    let processed = 0;
    if (useNominator) {
      for (let i = 0; i < n && feasible.length < want; i++) {
        let idx = start + i;
        if (idx >= n) idx -= n;
        const ni = nodes[idx];
        processed++;
        const s = this.filterWithNominated(active, state, pod, ni, snapshot);
        if (s.code === Code.Success) feasible.push(ni);
        else this.reject(diagnosis, ni, s);
      }
      this.rejected = diagnosis.nodeToStatus.size;
    } else {
      processed = this.filterInChunks(active, state, pod, nodes, start, want);
      // the rejected nodes' statuses matter only when nothing fits (FitError, preemption):
      // otherwise they are counted, not put in a map (thousands per cycle when most nodes fail)
      this.rejected = this.rejNodes.length;
      if (feasible.length === 0) for (let i = 0; i < this.rejNodes.length; i++) this.reject(diagnosis, this.rejNodes[i], this.rejStatuses[i]);
      this.rejNodes.length = 0;
      this.rejStatuses.length = 0;
    }
    this.nextStartNodeIndex = (start + processed) % n;
    return feasible;
  }

  private reject(diagnosis: Diagnosis, ni: NodeInfo, s: Status): void {
    diagnosis.nodeToStatus.set(ni.name, s);
    if (s.plugin) diagnosis.unschedulablePlugins.add(s.plugin);
  }

  /**
   * The same outcome as filtering node after node (plugins in order, the first rejection
   * counts, stop once `want` nodes fit), computed a chunk of nodes at a time and plugin by
   * plugin: each plugin's loop over the chunk stays monomorphic. Nodes of the last chunk
   * beyond the stopping point are left out of the result, as if never filtered (filters
   * have no side effects). Returns how many nodes were processed.
   */
  private filterInChunks(active: readonly FilterPlugin[], state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], start: number, want: number): number {
    const n = nodes.length;
    const feasible = this.feasible;
    const chunk = this.chunk;
    const statuses = this.chunkStatus;
    this.rejNodes.length = 0; // left over if a plugin error ended the last cycle
    this.rejStatuses.length = 0;
    let processed = 0;
    while (processed < n && feasible.length < want) {
      // a chunk no larger than the nodes still needed (most nodes usually fit)
      const len = Math.min(CHUNK, n - processed, Math.max(want - feasible.length, MIN_CHUNK));
      for (let i = 0; i < len; i++) {
        let idx = start + processed + i;
        if (idx >= n) idx -= n;
        chunk[i] = nodes[idx];
        statuses[i] = undefined;
      }
      let left = len;
      for (let j = 0; j < active.length && left > 0; j++) {
        const p = active[j];
        if (p.filterNodes) left -= p.filterNodes(state, pod, chunk, len, statuses);
        else {
          for (let i = 0; i < len; i++) {
            if (statuses[i] !== undefined) continue;
            const s = p.filter(state, pod, chunk[i]);
            if (s.code !== Code.Success) {
              statuses[i] = s.plugin === undefined ? withPlugin(s, p.name) : s;
              left--;
            }
          }
        }
      }
      for (let i = 0; i < len; i++) {
        const s = statuses[i];
        processed++;
        if (s === undefined) {
          feasible.push(chunk[i]);
          if (feasible.length >= want) break;
        } else {
          if (s.code === Code.Error) throw new PluginError(`running "${s.plugin}" filter plugin: ${statusMessage(s)}`);
          this.rejNodes.push(chunk[i]);
          this.rejStatuses.push(s);
        }
      }
    }
    chunk.fill(undefined as unknown as NodeInfo);
    return processed;
  }

  private prioritize(state: CycleState, pod: PodInfo, feasible: NodeInfo[], snapshot: Snapshot): string {
    for (const p of this.plugins.preScore) {
      const s = p.preScore(state, pod, feasible, snapshot);
      if (s.code === Code.Skip) state.skipScore.add(p.name);
      else if (s.code !== Code.Success) throw new PluginError(`running PreScore plugin "${p.name}": ${statusMessage(s)}`);
    }
    const len = feasible.length;
    if (this.totals.length < len) this.totals = new Float64Array(Math.max(len, snapshot.numNodes));
    const totals = this.totals;
    totals.fill(0, 0, len);
    const score = this.plugins.score;
    for (let j = 0; j < score.length; j++) {
      const { plugin, weight } = score[j];
      if (state.skipScore.has(plugin.name)) continue;
      let vals = this.scoreBufs[j];
      if (!vals || vals.length < len) vals = this.scoreBufs[j] = new Float64Array(Math.max(len, snapshot.numNodes));
      if (plugin.scoreNodes) plugin.scoreNodes(state, pod, feasible, len, vals);
      else for (let i = 0; i < len; i++) vals[i] = plugin.score(state, pod, feasible[i]);
      plugin.normalize?.(state, pod, { nodes: feasible, values: vals, length: len });
      for (let i = 0; i < len; i++) totals[i] += vals[i] * weight;
    }
    return feasible[this.selectHost(totals, len)].name;
  }

  /** Highest total wins; ties are broken uniformly at random (reservoir sampling, as upstream). */
  private selectHost(totals: Float64Array, len: number): number {
    let best = 0;
    let max = totals[0];
    let ties = 1;
    for (let i = 1; i < len; i++) {
      const t = totals[i];
      if (t > max) {
        max = t;
        best = i;
        ties = 1;
      } else if (t === max) {
        ties++;
        if (Math.floor(this.rng() * ties) === 0) best = i;
      }
    }
    return best;
  }

  private fail(state: CycleState, pod: PodInfo, snapshot: Snapshot, diagnosis: Diagnosis, opts: ScheduleOptions): ScheduleFailure {
    let nominatedNodeName: string | undefined;
    let victims: readonly PodInfo[] | undefined;
    if (!opts.skipPostFilter) {
      for (const p of this.plugins.postFilter) {
        const r = p.postFilter({ state, pod, snapshot, nodeToStatus: diagnosis.nodeToStatus, absentNodesStatus: diagnosis.absentNodesStatus, framework: this });
        if (r.status.code === Code.Error) throw new PluginError(`running PostFilter plugin "${p.name}": ${statusMessage(r.status)}`);
        nominatedNodeName = r.nominatedNodeName;
        if (r.status.code === Code.Success) {
          victims = r.victims;
          diagnosis.postFilterMsg = '';
          break;
        }
        diagnosis.postFilterMsg = statusMessage(r.status);
      }
    }
    const message = fitErrorMessage(diagnosis);
    return { status: newStatus(Code.Unschedulable, message), diagnosis, message, nominatedNodeName, victims };
  }
}

const SUCCESS_STATUS: Status = Object.freeze({ code: Code.Success, reasons: Object.freeze([]) as readonly string[] });
