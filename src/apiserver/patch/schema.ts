// Per-type patch metadata for the built-in kinds (Kubernetes 1.32), as data.
// One table serves both engines:
//  - strategic merge patch: `smp` strategy + patchMergeKey, `retainKeys`;
//  - server-side apply: list type (atomic|set|map), list-map keys (+ key defaults), atomic structs.
// Fields not listed behave like unknown fields: maps merge granularly, lists are atomic/replaced.

export type SsaListType = 'atomic' | 'set' | 'map';

export interface ListSpec {
  /** Strategic merge patch strategy for this list. */
  smp: 'merge' | 'replace';
  /** patchMergeKey (lists of maps with smp = merge). */
  mergeKey?: string;
  /** Server-side apply list type. */
  ssa: SsaListType;
  /** x-kubernetes-list-map-keys (ssa = map). */
  keys?: string[];
  /** Defaults of list-map key fields, used when an item omits them (e.g. protocol TCP). */
  keyDefaults?: Record<string, unknown>;
}

export interface FieldSpec {
  /** Struct type of the value, or of each list item. */
  type?: string;
  list?: ListSpec;
  /** patchStrategy includes retainKeys (honours `$retainKeys` in the value / list items). */
  retainKeys?: boolean;
  /** x-kubernetes-map-type / structType atomic (server-side apply only). */
  atomic?: boolean;
  /**
   * The Go field is serialized even when unset (non-pointer struct, or no omitempty), so an
   * Update never "adds" the field itself, only its contents (no `"."` entry for it).
   */
  present?: boolean;
}

export type StructSpec = Readonly<Record<string, FieldSpec>>;

const byName = (t?: string, extra: Partial<ListSpec> = {}): FieldSpec => ({ type: t, list: { smp: 'merge', mergeKey: 'name', ssa: 'map', keys: ['name'], ...extra } });
const byType = (t?: string): FieldSpec => ({ type: t, list: { smp: 'merge', mergeKey: 'type', ssa: 'map', keys: ['type'] } });
const atomicList = (t?: string): FieldSpec => ({ type: t, list: { smp: 'replace', ssa: 'atomic' } });
const primitiveSet: FieldSpec = { list: { smp: 'merge', ssa: 'set' } };
const selector: FieldSpec = { atomic: true, present: true };
const tmpl: FieldSpec = { type: 'PodTemplateSpec', present: true };

export const TYPES: Readonly<Record<string, StructSpec>> = {
  ObjectMeta: {
    ownerReferences: { list: { smp: 'merge', mergeKey: 'uid', ssa: 'map', keys: ['uid'] } },
    finalizers: primitiveSet,
    managedFields: atomicList(),
  },
  PodTemplateSpec: { metadata: { type: 'ObjectMeta' }, spec: { type: 'PodSpec', present: true } },
  PodSpec: {
    volumes: { type: 'Volume', retainKeys: true, list: { smp: 'merge', mergeKey: 'name', ssa: 'map', keys: ['name'] } },
    initContainers: byName('Container'),
    containers: { ...byName('Container'), present: true },
    ephemeralContainers: byName('Container'),
    imagePullSecrets: byName(),
    hostAliases: { type: 'HostAlias', list: { smp: 'merge', mergeKey: 'ip', ssa: 'map', keys: ['ip'] } },
    tolerations: atomicList(),
    readinessGates: atomicList(),
    schedulingGates: byName(),
    resourceClaims: { ...byName(), retainKeys: true },
    topologySpreadConstraints: {
      type: 'TopologySpreadConstraint',
      list: { smp: 'merge', mergeKey: 'topologyKey', ssa: 'map', keys: ['topologyKey', 'whenUnsatisfiable'] },
    },
  },
  Volume: {},
  HostAlias: { hostnames: atomicList() },
  TopologySpreadConstraint: { labelSelector: selector, matchLabelKeys: atomicList() },
  Container: {
    ports: {
      list: { smp: 'merge', mergeKey: 'containerPort', ssa: 'map', keys: ['containerPort', 'protocol'], keyDefaults: { protocol: 'TCP' } },
    },
    env: byName(),
    envFrom: atomicList(),
    volumeMounts: { list: { smp: 'merge', mergeKey: 'mountPath', ssa: 'map', keys: ['mountPath'] } },
    volumeDevices: { list: { smp: 'merge', mergeKey: 'devicePath', ssa: 'map', keys: ['devicePath'] } },
    args: atomicList(),
    command: atomicList(),
    resizePolicy: atomicList(),
    resources: { type: 'ResourceRequirements', present: true },
  },
  ResourceRequirements: { claims: { list: { smp: 'replace', ssa: 'map', keys: ['name'] } } },
  PodStatus: {
    conditions: byType(),
    podIPs: { list: { smp: 'merge', mergeKey: 'ip', ssa: 'map', keys: ['ip'] } },
    hostIPs: { list: { smp: 'merge', mergeKey: 'ip', ssa: 'atomic' } },
    resourceClaimStatuses: { ...byName(), retainKeys: true },
    containerStatuses: atomicList(),
    initContainerStatuses: atomicList(),
    ephemeralContainerStatuses: atomicList(),
  },
  WorkloadSpec: { selector, template: tmpl },
  DeploymentSpec: { selector, template: tmpl, strategy: { retainKeys: true, present: true } },
  StatefulSetSpec: { selector, template: tmpl, volumeClaimTemplates: atomicList() },
  ReplicationControllerSpec: { template: tmpl },
  JobSpec: { selector, template: tmpl },
  JobTemplateSpec: { metadata: { type: 'ObjectMeta' }, spec: { type: 'JobSpec', present: true } },
  CronJobSpec: { jobTemplate: { type: 'JobTemplateSpec', present: true } },
  ConditionsStatus: { conditions: byType() },
  JobStatus: { conditions: { list: { smp: 'merge', mergeKey: 'type', ssa: 'atomic' } } },
  ServiceSpec: {
    ports: { list: { smp: 'merge', mergeKey: 'port', ssa: 'map', keys: ['port', 'protocol'], keyDefaults: { protocol: 'TCP' } } },
    clusterIPs: atomicList(),
    externalIPs: atomicList(),
    ipFamilies: atomicList(),
    loadBalancerSourceRanges: atomicList(),
  },
  NodeSpec: { taints: { list: { smp: 'merge', mergeKey: 'key', ssa: 'atomic' } }, podCIDRs: primitiveSet },
  NodeStatus: { conditions: byType(), addresses: { list: { smp: 'merge', mergeKey: 'type', ssa: 'atomic' } } },
};

const obj = (spec?: string, status?: string): StructSpec => {
  const s: Record<string, FieldSpec> = { metadata: { type: 'ObjectMeta', present: true } };
  if (spec) s.spec = { type: spec, present: true };
  if (status) s.status = { type: status, present: true };
  return s;
};

/** Root struct per `group/Kind` (version-independent). */
export const KINDS: Readonly<Record<string, StructSpec>> = {
  '/Pod': obj('PodSpec', 'PodStatus'),
  '/PodTemplate': { metadata: { type: 'ObjectMeta' }, template: tmpl },
  '/ReplicationController': obj('ReplicationControllerSpec', 'ConditionsStatus'),
  '/Service': obj('ServiceSpec', 'ConditionsStatus'),
  '/Node': obj('NodeSpec', 'NodeStatus'),
  '/Namespace': obj(undefined, 'ConditionsStatus'),
  '/PersistentVolumeClaim': obj(undefined, 'ConditionsStatus'),
  '/ConfigMap': obj(),
  '/Secret': obj(),
  '/ServiceAccount': obj(),
  '/Endpoints': obj(),
  'apps/Deployment': obj('DeploymentSpec', 'ConditionsStatus'),
  'apps/ReplicaSet': obj('WorkloadSpec', 'ConditionsStatus'),
  'apps/DaemonSet': obj('WorkloadSpec', 'ConditionsStatus'),
  'apps/StatefulSet': obj('StatefulSetSpec', 'ConditionsStatus'),
  'batch/Job': obj('JobSpec', 'JobStatus'),
  'batch/CronJob': obj('CronJobSpec'),
  'discovery.k8s.io/EndpointSlice': obj(),
};
