// The default profile: upstream's default plugins, in their order, with their score weights.
import { Framework, type FrameworkOptions, type ProfilePlugins } from '../framework/framework.js';
import { EMPTY_LISTER } from '../framework/lister.js';
import type { Handle } from '../framework/types.js';
import type { PreemptionOptions } from '../preemption/index.js';
import { newBalancedAllocation } from './balancedallocation/index.js';
import { newDefaultPreemption } from './defaultpreemption/index.js';
import { newImageLocality } from './imagelocality/index.js';
import { newInterPodAffinity } from './interpodaffinity/index.js';
import { newNodeAffinity } from './nodeaffinity/index.js';
import { newNodeName } from './nodename/index.js';
import { newNodePorts } from './nodeports/index.js';
import { newNodeResourcesFit } from './noderesourcesfit/index.js';
import { newNodeUnschedulable } from './nodeunschedulable/index.js';
import { newPodTopologySpread } from './podtopologyspread/index.js';
import { newTaintToleration } from './tainttoleration/index.js';
import { newVolumeBinding, type VolumeLister } from './volumebinding/index.js';

/** Score weights of the default profile. */
export const DEFAULT_WEIGHTS = {
  TaintToleration: 3,
  NodeAffinity: 2,
  PodTopologySpread: 2,
  InterPodAffinity: 2,
  NodeResourcesFit: 1,
  NodeResourcesBalancedAllocation: 1,
  ImageLocality: 1,
} as const;

export interface DefaultProfileOptions {
  /** ImageLocality is part of upstream's default profile; it can be left out. */
  readonly imageLocality?: boolean;
  readonly preemption?: PreemptionOptions | false;
  /** claims, volumes and classes: with them, the VolumeBinding plugin runs */
  readonly volumes?: VolumeLister;
}

export function defaultProfile(handle: Handle = { lister: EMPTY_LISTER }, opts: DefaultProfileOptions = {}): ProfilePlugins {
  const nodeUnschedulable = newNodeUnschedulable();
  const nodeName = newNodeName();
  const taints = newTaintToleration();
  const nodeAffinity = newNodeAffinity();
  const nodePorts = newNodePorts();
  const fit = newNodeResourcesFit();
  const spread = newPodTopologySpread(handle);
  const ipa = newInterPodAffinity(handle);
  const balanced = newBalancedAllocation();
  const images = newImageLocality();
  const withImages = opts.imageLocality !== false;
  const volumes = opts.volumes ? [newVolumeBinding(opts.volumes)] : [];
  return {
    preFilter: [nodeAffinity, nodePorts, ...volumes, spread, ipa],
    filter: [nodeUnschedulable, nodeName, taints, nodeAffinity, nodePorts, fit, ...volumes, spread, ipa],
    preBind: volumes,
    postFilter: opts.preemption === false ? [] : [newDefaultPreemption(opts.preemption || {})],
    preScore: [taints, nodeAffinity, spread, ipa, balanced, ...(withImages ? [images] : [])],
    score: [
      { plugin: taints, weight: DEFAULT_WEIGHTS.TaintToleration },
      { plugin: nodeAffinity, weight: DEFAULT_WEIGHTS.NodeAffinity },
      { plugin: fit, weight: DEFAULT_WEIGHTS.NodeResourcesFit },
      { plugin: spread, weight: DEFAULT_WEIGHTS.PodTopologySpread },
      { plugin: ipa, weight: DEFAULT_WEIGHTS.InterPodAffinity },
      { plugin: balanced, weight: DEFAULT_WEIGHTS.NodeResourcesBalancedAllocation },
      ...(withImages ? [{ plugin: images, weight: DEFAULT_WEIGHTS.ImageLocality }] : []),
    ],
  };
}

/** A framework with the default profile. */
export function newDefaultFramework(handle?: Handle, opts: FrameworkOptions & DefaultProfileOptions = {}): Framework {
  return new Framework(defaultProfile(handle, opts), opts);
}
