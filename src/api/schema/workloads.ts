// apps/v1 workloads (Deployment, ReplicaSet, DaemonSet, StatefulSet, ControllerRevision)
// and the core/v1 ReplicationController.
import {
  type Defs,
  type Schema,
  apps,
  arrOf,
  bool,
  core,
  int32,
  int64,
  intOrString,
  kind,
  meta,
  obj,
  oneOf,
  RAW_EXTENSION,
  ref,
  str,
  strMap,
  time,
} from './dsl.js';

const condition = (what: string, lastUpdate = false): Schema =>
  obj(
    `One aspect of ${what} state.`,
    {
      lastTransitionTime: time('When status last changed.'),
      ...(lastUpdate ? { lastUpdateTime: time('When the condition was last updated.') } : {}),
      message: str('Human-readable details.'),
      reason: str('CamelCase reason for the last change.'),
      status: str('True, False or Unknown.'),
      type: str('Condition type.'),
    },
    { required: ['type', 'status'] },
  );

const conditions = (def: string): Schema => arrOf(def, 'Latest observations of the state.', { mergeKey: 'type', strategy: 'merge', listType: 'map', mapKeys: ['type'] });
const selector = ref(meta('LabelSelector'), 'Label query over pods; must match the template labels. Immutable.');
const template = (what: string): Schema => ref(core('PodTemplateSpec'), `Template of the pods the ${what} creates.`, { defaulted: true });
const minReady = int32('Seconds a new pod must be ready, without crashing, to count as available. Defaults to 0.');
const history = int32('Old revisions kept for rollback. Defaults to 10.');
const replicas = (what: string): Schema => int32(`Desired number of pods. Defaults to 1 for ${what}s.`);
const observedGeneration = int64('Most recent generation observed by the controller.');
const collisionCount = int32('Counter used to avoid name collisions when creating revisions.');

const workload = (apiVersion: string, k: string, d: string, specDef: string, statusDef: string): Schema =>
  kind(apiVersion, k, d, {
    spec: ref(specDef, 'Desired behaviour.', { defaulted: true }),
    status: ref(statusDef, 'Most recently observed state. Read-only.', { defaulted: true }),
  });

const rcLikeStatus = (what: string, cond: string): Schema =>
  obj(
    `Observed state of a ${what}.`,
    {
      availableReplicas: int32('Pods ready for at least minReadySeconds.'),
      conditions: conditions(cond),
      fullyLabeledReplicas: int32('Pods whose labels match the template labels.'),
      observedGeneration,
      readyReplicas: int32('Pods that are ready.'),
      replicas: int32('Pods currently owned.'),
    },
    { required: ['replicas'] },
  );

/** apps/v1 and core/v1 workload definitions. */
export const WORKLOAD_DEFS: Defs = {
  [apps('Deployment')]: workload('apps/v1', 'Deployment', 'Declarative updates for pods through ReplicaSets.', apps('DeploymentSpec'), apps('DeploymentStatus')),
  [apps('DeploymentSpec')]: obj(
    'Desired state of a deployment.',
    {
      minReadySeconds: minReady,
      paused: bool('Stop rolling out template changes while true.'),
      progressDeadlineSeconds: int32('Seconds a rollout may stall before it is reported as failed. Defaults to 600.'),
      replicas: replicas('Deployment'),
      revisionHistoryLimit: history,
      selector,
      strategy: { ...ref(apps('DeploymentStrategy'), 'How old pods are replaced by new ones.', { defaulted: true }), 'x-kubernetes-patch-strategy': 'retainKeys' },
      template: template('deployment'),
    },
    { required: ['selector', 'template'] },
  ),
  [apps('DeploymentStrategy')]: obj('How a deployment replaces pods.', {
    rollingUpdate: ref(apps('RollingUpdateDeployment'), 'Tuning for RollingUpdate. Only with type RollingUpdate.'),
    type: oneOf('Recreate (kill all, then create) or RollingUpdate (default, gradual).', ['Recreate', 'RollingUpdate']),
  }),
  [apps('RollingUpdateDeployment')]: obj('Pace of a rolling update.', {
    maxSurge: intOrString('Pods allowed above the desired count during the update: a number or a percentage (rounded up). Defaults to 25%.'),
    maxUnavailable: intOrString('Pods allowed to be unavailable during the update: a number or a percentage (rounded down). Defaults to 25%.'),
  }),
  [apps('DeploymentStatus')]: obj('Observed state of a deployment.', {
    availableReplicas: int32('Pods available (ready for minReadySeconds).'),
    collisionCount,
    conditions: conditions(apps('DeploymentCondition')),
    observedGeneration,
    readyReplicas: int32('Pods that are ready.'),
    replicas: int32('Pods targeted by the deployment (all revisions).'),
    unavailableReplicas: int32('Pods still needed to reach full availability.'),
    updatedReplicas: int32('Pods running the current template.'),
  }),
  [apps('DeploymentCondition')]: condition('deployment', true),
  [apps('ReplicaSet')]: workload('apps/v1', 'ReplicaSet', 'Keeps a given number of identical pods running.', apps('ReplicaSetSpec'), apps('ReplicaSetStatus')),
  [apps('ReplicaSetSpec')]: obj(
    'Desired state of a replica set.',
    { minReadySeconds: minReady, replicas: replicas('ReplicaSet'), selector, template: template('replica set') },
    { required: ['selector'] },
  ),
  [apps('ReplicaSetStatus')]: rcLikeStatus('replica set', apps('ReplicaSetCondition')),
  [apps('ReplicaSetCondition')]: condition('replica set'),
  [apps('DaemonSet')]: workload('apps/v1', 'DaemonSet', 'Runs one copy of a pod on every eligible node.', apps('DaemonSetSpec'), apps('DaemonSetStatus')),
  [apps('DaemonSetSpec')]: obj(
    'Desired state of a daemon set.',
    {
      minReadySeconds: minReady,
      revisionHistoryLimit: history,
      selector,
      template: template('daemon set'),
      updateStrategy: ref(apps('DaemonSetUpdateStrategy'), 'How pods are replaced when the template changes.', { defaulted: true }),
    },
    { required: ['selector', 'template'] },
  ),
  [apps('DaemonSetUpdateStrategy')]: obj('How a daemon set replaces pods.', {
    rollingUpdate: ref(apps('RollingUpdateDaemonSet'), 'Tuning for RollingUpdate.'),
    type: oneOf('RollingUpdate (default) or OnDelete (replace only when pods are deleted by hand).', ['OnDelete', 'RollingUpdate']),
  }),
  [apps('RollingUpdateDaemonSet')]: obj('Pace of a daemon set rolling update.', {
    maxSurge: intOrString('Nodes that may run an extra new pod while the old one still runs: number or percentage. Defaults to 0.'),
    maxUnavailable: intOrString('Nodes whose pod may be unavailable during the update: number or percentage. Defaults to 1.'),
  }),
  [apps('DaemonSetStatus')]: obj(
    'Observed state of a daemon set.',
    {
      collisionCount,
      conditions: conditions(apps('DaemonSetCondition')),
      currentNumberScheduled: int32('Nodes running at least one daemon pod that should.'),
      desiredNumberScheduled: int32('Nodes that should run the daemon pod.'),
      numberAvailable: int32('Nodes whose daemon pod is available.'),
      numberMisscheduled: int32('Nodes running the daemon pod that should not.'),
      numberReady: int32('Nodes whose daemon pod is ready.'),
      numberUnavailable: int32('Nodes that should run an available daemon pod but do not.'),
      observedGeneration,
      updatedNumberScheduled: int32('Nodes running the current template.'),
    },
    { required: ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady'] },
  ),
  [apps('DaemonSetCondition')]: condition('daemon set'),
  [apps('StatefulSet')]: workload(
    'apps/v1',
    'StatefulSet',
    'Pods with stable identities and storage, created and updated in order.',
    apps('StatefulSetSpec'),
    apps('StatefulSetStatus'),
  ),
  [apps('StatefulSetSpec')]: obj(
    'Desired state of a stateful set.',
    {
      minReadySeconds: minReady,
      ordinals: ref(apps('StatefulSetOrdinals'), 'Numbering of the pods.'),
      persistentVolumeClaimRetentionPolicy: ref(apps('StatefulSetPersistentVolumeClaimRetentionPolicy'), 'What happens to claims from volumeClaimTemplates.'),
      podManagementPolicy: oneOf('OrderedReady (one at a time, default) or Parallel.', ['OrderedReady', 'Parallel']),
      replicas: replicas('StatefulSet'),
      revisionHistoryLimit: history,
      selector,
      serviceName: str('Headless service giving the pods their network identity (pod.service.ns.svc...).'),
      template: template('stateful set'),
      updateStrategy: ref(apps('StatefulSetUpdateStrategy'), 'How pods are replaced when the template changes.', { defaulted: true }),
      volumeClaimTemplates: arrOf(core('PersistentVolumeClaim'), 'Claims created for each pod, named <template>-<pod>.', { listType: 'atomic' }),
    },
    { required: ['selector', 'template'] },
  ),
  [apps('StatefulSetOrdinals')]: obj('Pod numbering.', { start: int32('Number of the first pod. Defaults to 0.') }),
  [apps('StatefulSetPersistentVolumeClaimRetentionPolicy')]: obj('Claim retention rules.', {
    whenDeleted: str('Retain (default) or Delete claims when the stateful set is deleted.'),
    whenScaled: str('Retain (default) or Delete claims of pods removed by scaling down.'),
  }),
  [apps('StatefulSetUpdateStrategy')]: obj('How a stateful set replaces pods.', {
    rollingUpdate: ref(apps('RollingUpdateStatefulSetStrategy'), 'Tuning for RollingUpdate.'),
    type: oneOf('RollingUpdate (default) or OnDelete.', ['OnDelete', 'RollingUpdate']),
  }),
  [apps('RollingUpdateStatefulSetStrategy')]: obj('Tuning of a stateful set rolling update.', {
    maxUnavailable: intOrString('Pods that may be unavailable during the update: number or percentage. Defaults to 1.'),
    partition: int32('Only pods with an ordinal at or above this number are updated. Defaults to 0.'),
  }),
  [apps('StatefulSetStatus')]: obj(
    'Observed state of a stateful set.',
    {
      availableReplicas: int32('Pods available (ready for minReadySeconds).'),
      collisionCount,
      conditions: conditions(apps('StatefulSetCondition')),
      currentReplicas: int32('Pods at currentRevision.'),
      currentRevision: str('Revision used for pods below the partition.'),
      observedGeneration,
      readyReplicas: int32('Pods that are ready.'),
      replicas: int32('Pods created.'),
      updateRevision: str('Revision used for pods being updated.'),
      updatedReplicas: int32('Pods at updateRevision.'),
    },
    { required: ['replicas'] },
  ),
  [apps('StatefulSetCondition')]: condition('stateful set'),
  [apps('ControllerRevision')]: kind(
    'apps/v1',
    'ControllerRevision',
    'An immutable snapshot of a workload template, used for rollbacks.',
    {
      data: ref(RAW_EXTENSION, 'The serialized state.'),
      revision: int64('Revision number.'),
    },
    { required: ['revision'] },
  ),
  [core('ReplicationController')]: workload(
    'v1',
    'ReplicationController',
    'Legacy controller keeping a number of pods running; prefer Deployments.',
    core('ReplicationControllerSpec'),
    core('ReplicationControllerStatus'),
  ),
  [core('ReplicationControllerSpec')]: obj('Desired state of a replication controller.', {
    minReadySeconds: minReady,
    replicas: replicas('ReplicationController'),
    selector: { ...strMap('Pods with these labels are counted. Defaults to the template labels.'), 'x-kubernetes-map-type': 'atomic' },
    template: ref(core('PodTemplateSpec'), 'Template of the pods it creates.'),
  }),
  [core('ReplicationControllerStatus')]: rcLikeStatus('replication controller', core('ReplicationControllerCondition')),
  [core('ReplicationControllerCondition')]: condition('replication controller'),
};
