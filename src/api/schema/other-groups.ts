// Kinds from small groups: coordination.k8s.io Lease, scheduling.k8s.io PriorityClass,
// autoscaling Scale, policy Eviction.
import { type Defs, bool, int32, kind, meta, microTime, obj, ref, str } from './dsl.js';

const coord = (n: string): string => `io.k8s.api.coordination.v1.${n}`;
const autoscaling = (n: string): string => `io.k8s.api.autoscaling.v1.${n}`;
const policy = (n: string): string => `io.k8s.api.policy.v1.${n}`;
const scheduling = (n: string): string => `io.k8s.api.scheduling.v1.${n}`;

/** Lease, Scale and Eviction definitions. */
export const OTHER_GROUP_DEFS: Defs = {
  [coord('Lease')]: kind('coordination.k8s.io/v1', 'Lease', 'A lock with an expiry, used for leader election and node heartbeats.', {
    spec: ref(coord('LeaseSpec'), 'Who holds the lease and for how long.', { defaulted: true }),
  }),
  [coord('LeaseSpec')]: obj('State of a lease.', {
    acquireTime: microTime('When the current holder acquired it.'),
    holderIdentity: str('Identity of the current holder.'),
    leaseDurationSeconds: int32('Seconds candidates wait after renewTime before they may take over.'),
    leaseTransitions: int32('How many times the holder changed.'),
    preferredHolder: str('Holder that should take over next, if strategy allows.'),
    renewTime: microTime('When the holder last renewed it.'),
    strategy: str('Leader election strategy used by coordinated election.'),
  }),
  [scheduling('PriorityClass')]: kind(
    'scheduling.k8s.io/v1',
    'PriorityClass',
    'Maps a name to a scheduling priority. Pods name a class in spec.priorityClassName; higher values are scheduled first and may preempt lower ones.',
    {
      value: int32('The priority of pods in this class. User classes go up to 1000000000; larger values are reserved for system classes.'),
      globalDefault: bool('Use this class for pods that name none. At most one class should set it.'),
      description: str('What this class is for, for people.'),
      preemptionPolicy: str('PreemptLowerPriority (default) lets these pods evict lower-priority pods when nothing fits; Never only queues them ahead.', {
        enum: ['Never', 'PreemptLowerPriority'],
      }),
    },
  ),
  [autoscaling('Scale')]: kind('autoscaling/v1', 'Scale', 'The replica count of a scalable resource, read or written through its scale subresource.', {
    spec: ref(autoscaling('ScaleSpec'), 'Desired scale.', { defaulted: true }),
    status: ref(autoscaling('ScaleStatus'), 'Current scale. Read-only.', { defaulted: true }),
  }),
  [autoscaling('ScaleSpec')]: obj('Desired scale.', { replicas: int32('Desired number of instances.') }),
  [autoscaling('ScaleStatus')]: obj(
    'Observed scale.',
    { replicas: int32('Current number of instances.'), selector: str('Label selector of the pods, in query string form.') },
    { required: ['replicas'] },
  ),
  [policy('Eviction')]: kind('policy/v1', 'Eviction', 'A request to evict a pod, honouring disruption budgets. Posted to pods/eviction.', {
    deleteOptions: ref(meta('DeleteOptions'), 'Options for the resulting delete.'),
  }),
};

