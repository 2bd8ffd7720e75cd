// core/v1 scheduling constraints: affinity, tolerations and topology spread.
import { type Defs, arrOf, core, int32, int64, meta, obj, oneOf, ref, str, strs } from './dsl.js';

const IGNORED = 'Changes after scheduling do not evict the pod.';

/** core/v1 definitions used for pod placement. */
export const SCHEDULING_DEFS: Defs = {
  [core('Affinity')]: obj('Pod placement preferences and requirements.', {
    nodeAffinity: ref(core('NodeAffinity'), 'Rules about which nodes the pod may or should run on.'),
    podAffinity: ref(core('PodAffinity'), 'Rules to place the pod near other pods (same node, zone, ...).'),
    podAntiAffinity: ref(core('PodAntiAffinity'), 'Rules to keep the pod away from other pods.'),
  }),
  [core('NodeAffinity')]: obj('Node affinity rules.', {
    preferredDuringSchedulingIgnoredDuringExecution: arrOf(
      core('PreferredSchedulingTerm'),
      `Soft rules: nodes matching heavier terms are preferred. ${IGNORED}`,
      { listType: 'atomic' },
    ),
    requiredDuringSchedulingIgnoredDuringExecution: ref(core('NodeSelector'), `Hard rule: the pod only goes to nodes matching it. ${IGNORED}`),
  }),
  [core('NodeSelector')]: obj(
    'A set of node selector terms, ORed together.',
    { nodeSelectorTerms: arrOf(core('NodeSelectorTerm'), 'The terms; a node matching any of them matches.', { listType: 'atomic' }) },
    { required: ['nodeSelectorTerms'], mapType: 'atomic' },
  ),
  [core('NodeSelectorTerm')]: obj(
    'Requirements on node labels and fields, ANDed together. An empty term matches nothing.',
    {
      matchExpressions: arrOf(core('NodeSelectorRequirement'), 'Requirements on node labels.', { listType: 'atomic' }),
      matchFields: arrOf(core('NodeSelectorRequirement'), 'Requirements on node fields (only metadata.name).', { listType: 'atomic' }),
    },
    { mapType: 'atomic' },
  ),
  [core('NodeSelectorRequirement')]: obj(
    'One condition on a node label or field.',
    {
      key: str('Label key or field the condition is about.'),
      operator: oneOf('In, NotIn, Exists, DoesNotExist, Gt or Lt.', ['DoesNotExist', 'Exists', 'Gt', 'In', 'Lt', 'NotIn']),
      values: strs('Values to compare with: several for In/NotIn, none for Exists/DoesNotExist, one integer for Gt/Lt.'),
    },
    { required: ['key', 'operator'] },
  ),
  [core('PreferredSchedulingTerm')]: obj(
    'A weighted soft node preference.',
    {
      preference: ref(core('NodeSelectorTerm'), 'The node term that earns the weight.', { defaulted: true }),
      weight: int32('Weight (1-100) added to a matching node score.'),
    },
    { required: ['weight', 'preference'] },
  ),
  [core('PodAffinity')]: obj('Rules for co-locating pods.', {
    preferredDuringSchedulingIgnoredDuringExecution: arrOf(core('WeightedPodAffinityTerm'), `Soft co-location rules. ${IGNORED}`, { listType: 'atomic' }),
    requiredDuringSchedulingIgnoredDuringExecution: arrOf(core('PodAffinityTerm'), `Hard co-location rules, all of which must hold. ${IGNORED}`, {
      listType: 'atomic',
    }),
  }),
  [core('PodAntiAffinity')]: obj('Rules for spreading pods apart.', {
    preferredDuringSchedulingIgnoredDuringExecution: arrOf(core('WeightedPodAffinityTerm'), `Soft separation rules. ${IGNORED}`, { listType: 'atomic' }),
    requiredDuringSchedulingIgnoredDuringExecution: arrOf(core('PodAffinityTerm'), `Hard separation rules, all of which must hold. ${IGNORED}`, {
      listType: 'atomic',
    }),
  }),
  [core('PodAffinityTerm')]: obj(
    'A set of pods, and the topology domain (node, zone...) that relates this pod to them.',
    {
      labelSelector: ref(meta('LabelSelector'), 'Which pods the term is about.'),
      matchLabelKeys: strs('Label keys whose values, taken from the incoming pod, are added to labelSelector as In conditions.'),
      mismatchLabelKeys: strs('Label keys whose values, taken from the incoming pod, are added to labelSelector as NotIn conditions.'),
      namespaceSelector: ref(meta('LabelSelector'), 'Namespaces (by label) the pods are looked up in, in addition to namespaces.'),
      namespaces: strs('Namespaces the pods are looked up in. Empty with no namespaceSelector means this pod\'s namespace.'),
      topologyKey: str('Node label that defines the domain, e.g. kubernetes.io/hostname or topology.kubernetes.io/zone.'),
    },
    { required: ['topologyKey'] },
  ),
  [core('WeightedPodAffinityTerm')]: obj(
    'A pod affinity term with a weight.',
    {
      podAffinityTerm: ref(core('PodAffinityTerm'), 'The term.', { defaulted: true }),
      weight: int32('Weight (1-100) added to the score of nodes satisfying the term.'),
    },
    { required: ['weight', 'podAffinityTerm'] },
  ),
  [core('Toleration')]: obj('Lets the pod be scheduled (or stay) on nodes with a matching taint.', {
    effect: oneOf('Taint effect to match: NoSchedule, PreferNoSchedule or NoExecute. Empty matches all.', ['NoExecute', 'NoSchedule', 'PreferNoSchedule']),
    key: str('Taint key to match. Empty with operator Exists matches every taint.'),
    operator: oneOf('Equal (default) or Exists (any value).', ['Equal', 'Exists']),
    tolerationSeconds: int64('For NoExecute: how long the pod may stay after the taint appears. Unset means forever.'),
    value: str('Taint value to match with operator Equal.'),
  }),
  [core('TopologySpreadConstraint')]: obj(
    'Spread matching pods evenly across topology domains.',
    {
      labelSelector: ref(meta('LabelSelector'), 'Which pods are counted in each domain.'),
      matchLabelKeys: strs('Label keys whose values, taken from the incoming pod, narrow the selector.'),
      maxSkew: int32('Largest allowed difference in matching pod count between domains. Must be at least 1.'),
      minDomains: int32('Minimum number of eligible domains. Only with whenUnsatisfiable DoNotSchedule.'),
      nodeAffinityPolicy: oneOf('Whether the pod node affinity/selector limits the domains counted: Honor (default) or Ignore.', ['Honor', 'Ignore']),
      nodeTaintsPolicy: oneOf('Whether node taints limit the domains counted: Honor or Ignore (default).', ['Honor', 'Ignore']),
      topologyKey: str('Node label defining the domains.'),
      whenUnsatisfiable: oneOf('DoNotSchedule (hard) or ScheduleAnyway (soft).', ['DoNotSchedule', 'ScheduleAnyway']),
    },
    { required: ['maxSkew', 'topologyKey', 'whenUnsatisfiable'] },
  ),
};
