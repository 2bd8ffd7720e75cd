// core/v1 PersistentVolume and PersistentVolumeClaim.
import { type Defs, type Schema, arrOf, bool, core, freeform, kind, meta, obj, oneOf, quantityMap, ref, str, strMap, strs, time } from './dsl.js';

/** Legacy PV plugins: [field, definition] kept as open objects. */
const PV_RARE: [string, string][] = [
  ['awsElasticBlockStore', 'AWSElasticBlockStoreVolumeSource'],
  ['azureDisk', 'AzureDiskVolumeSource'],
  ['azureFile', 'AzureFilePersistentVolumeSource'],
  ['cephfs', 'CephFSPersistentVolumeSource'],
  ['cinder', 'CinderPersistentVolumeSource'],
  ['fc', 'FCVolumeSource'],
  ['flexVolume', 'FlexPersistentVolumeSource'],
  ['flocker', 'FlockerVolumeSource'],
  ['gcePersistentDisk', 'GCEPersistentDiskVolumeSource'],
  ['glusterfs', 'GlusterfsPersistentVolumeSource'],
  ['iscsi', 'ISCSIPersistentVolumeSource'],
  ['photonPersistentDisk', 'PhotonPersistentDiskVolumeSource'],
  ['portworxVolume', 'PortworxVolumeSource'],
  ['quobyte', 'QuobyteVolumeSource'],
  ['rbd', 'RBDPersistentVolumeSource'],
  ['scaleIO', 'ScaleIOPersistentVolumeSource'],
  ['storageos', 'StorageOSPersistentVolumeSource'],
  ['vsphereVolume', 'VsphereVirtualDiskVolumeSource'],
];

const secretRef = (d: string): Schema => ref(core('SecretReference'), d);
const accessModes = strs('Access modes: ReadWriteOnce, ReadOnlyMany, ReadWriteMany or ReadWriteOncePod.');
const volumeMode = oneOf('Filesystem (default) or Block.', ['Block', 'Filesystem']);

const pvcSpec = obj('What a claim asks for.', {
  accessModes,
  dataSource: ref(core('TypedLocalObjectReference'), 'Populate the new volume from this object (a snapshot or another PVC).'),
  dataSourceRef: ref(core('TypedObjectReference'), 'Populate the new volume from any populator object, possibly in another namespace.'),
  resources: ref(core('VolumeResourceRequirements'), 'Minimum (and optionally maximum) storage size.', { defaulted: true }),
  selector: ref(meta('LabelSelector'), 'Only bind to volumes with matching labels.'),
  storageClassName: str('StorageClass to use. Empty string means no class; unset means the default class.'),
  volumeAttributesClassName: str('VolumeAttributesClass with mutable volume parameters.'),
  volumeMode,
  volumeName: str('Bind to this specific PersistentVolume.'),
});

/** core/v1 definitions for persistent storage. */
export const STORAGE_DEFS: Defs = {
  [core('PersistentVolume')]: kind('v1', 'PersistentVolume', 'A piece of storage provisioned by an admin or a provisioner, claimed through a PersistentVolumeClaim.', {
    spec: ref(core('PersistentVolumeSpec'), 'Properties of the volume.', { defaulted: true }),
    status: ref(core('PersistentVolumeStatus'), 'Observed state. Read-only.', { defaulted: true }),
  }),
  [core('PersistentVolumeSpec')]: obj('Properties of a persistent volume. Exactly one source must be set.', {
    ...Object.fromEntries(PV_RARE.map(([f, d]) => [f, ref(core(d), `Legacy ${f} volume plugin settings.`)])),
    accessModes,
    capacity: quantityMap('Size of the volume (storage).'),
    claimRef: ref(core('ObjectReference'), 'The claim this volume is bound (or reserved) to.'),
    csi: ref(core('CSIPersistentVolumeSource'), 'A volume managed by a CSI driver.'),
    hostPath: ref(core('HostPathVolumeSource'), 'A directory on the node; for single-node testing only.'),
    local: ref(core('LocalVolumeSource'), 'A local disk or directory of one node; needs nodeAffinity.'),
    mountOptions: strs('Mount options, e.g. ro or soft. Not validated.'),
    nfs: ref(core('NFSVolumeSource'), 'An NFS export.'),
    nodeAffinity: ref(core('VolumeNodeAffinity'), 'Nodes the volume is reachable from.'),
    persistentVolumeReclaimPolicy: oneOf('What happens when the claim is released: Retain, Delete or Recycle (deprecated).', ['Delete', 'Recycle', 'Retain']),
    storageClassName: str('StorageClass the volume belongs to.'),
    volumeAttributesClassName: str('VolumeAttributesClass of the volume.'),
    volumeMode,
  }),
  ...Object.fromEntries(PV_RARE.filter(([, d]) => d.endsWith('PersistentVolumeSource')).map(([f, d]) => [core(d), freeform(`Settings of the legacy ${f} plugin. Not validated field by field here.`)])),
  [core('PersistentVolumeStatus')]: obj('Observed state of a volume.', {
    lastPhaseTransitionTime: time('When phase last changed.'),
    message: str('Human-readable details.'),
    phase: oneOf('Pending, Available, Bound, Released or Failed.', ['Available', 'Bound', 'Failed', 'Pending', 'Released']),
    reason: str('Short CamelCase reason for a failure.'),
  }),
  [core('LocalVolumeSource')]: obj('A local disk or directory.', { fsType: str('Filesystem type, for block devices.'), path: str('Full path on the node.') }, {
    required: ['path'],
  }),
  [core('CSIPersistentVolumeSource')]: obj(
    'A persistent volume managed by a CSI driver.',
    {
      controllerExpandSecretRef: secretRef('Secret passed to ControllerExpandVolume.'),
      controllerPublishSecretRef: secretRef('Secret passed to ControllerPublishVolume/Unpublish.'),
      driver: str('Name of the CSI driver.'),
      fsType: str('Filesystem type, e.g. ext4.'),
      nodeExpandSecretRef: secretRef('Secret passed to NodeExpandVolume.'),
      nodePublishSecretRef: secretRef('Secret passed to NodePublishVolume/Unpublish.'),
      nodeStageSecretRef: secretRef('Secret passed to NodeStageVolume/Unstage.'),
      readOnly: bool('Publish read-only. Defaults to false.'),
      volumeAttributes: strMap('Driver-specific properties.'),
      volumeHandle: str('Driver-assigned volume ID.'),
    },
    { required: ['driver', 'volumeHandle'] },
  ),
  [core('SecretReference')]: obj('Names a Secret in any namespace.', { name: str('Secret name.'), namespace: str('Secret namespace.') }, { mapType: 'atomic' }),
  [core('VolumeNodeAffinity')]: obj('Where a volume can be used.', { required: ref(core('NodeSelector'), 'Nodes that can access the volume.') }),
  [core('PersistentVolumeClaim')]: kind('v1', 'PersistentVolumeClaim', 'A request for storage, bound to a PersistentVolume.', {
    spec: ref(core('PersistentVolumeClaimSpec'), 'What is requested.', { defaulted: true }),
    status: ref(core('PersistentVolumeClaimStatus'), 'Observed state. Read-only.', { defaulted: true }),
  }),
  [core('PersistentVolumeClaimSpec')]: pvcSpec,
  [core('PersistentVolumeClaimStatus')]: obj('Observed state of a claim.', {
    accessModes,
    allocatedResourceStatuses: { ...strMap('Progress of resize operations per resource.'), 'x-kubernetes-map-type': 'granular' },
    allocatedResources: quantityMap('Resources allocated, possibly larger than capacity during a resize.'),
    capacity: quantityMap('Actual size of the bound volume.'),
    conditions: arrOf(core('PersistentVolumeClaimCondition'), 'Current conditions.', { mergeKey: 'type', strategy: 'merge', listType: 'map', mapKeys: ['type'] }),
    currentVolumeAttributesClassName: str('VolumeAttributesClass currently applied.'),
    modifyVolumeStatus: ref(core('ModifyVolumeStatus'), 'State of an attributes change in progress.'),
    phase: oneOf('Pending, Bound or Lost.', ['Bound', 'Lost', 'Pending']),
  }),
  [core('PersistentVolumeClaimCondition')]: obj(
    'One aspect of claim state.',
    {
      lastProbeTime: time('When last checked.'),
      lastTransitionTime: time('When status last changed.'),
      message: str('Human-readable details.'),
      reason: str('CamelCase reason.'),
      status: str('True, False or Unknown.'),
      type: str('Condition type, e.g. Resizing.'),
    },
    { required: ['type', 'status'] },
  ),
  [core('ModifyVolumeStatus')]: obj(
    'State of a volume attributes change.',
    { status: str('Pending, InProgress or Infeasible.'), targetVolumeAttributesClassName: str('Class being applied.') },
    { required: ['status'] },
  ),
  [core('PersistentVolumeClaimTemplate')]: obj(
    'Template for a per-pod claim.',
    {
      metadata: ref(meta('ObjectMeta'), 'Labels and annotations copied to the claim.', { defaulted: true }),
      spec: ref(core('PersistentVolumeClaimSpec'), 'Spec copied to the claim.', { defaulted: true }),
    },
    { required: ['spec'] },
  ),
  [core('VolumeResourceRequirements')]: obj('Storage size bounds.', {
    limits: quantityMap('Maximum size.'),
    requests: quantityMap('Minimum size.'),
  }),
  [core('TypedLocalObjectReference')]: obj(
    'Names an object of a given kind in the same namespace.',
    { apiGroup: str('API group; empty for core.'), kind: str('Kind.'), name: str('Name.') },
    { required: ['kind', 'name'], mapType: 'atomic' },
  ),
  [core('TypedObjectReference')]: obj(
    'Names an object of a given kind, possibly in another namespace.',
    { apiGroup: str('API group; empty for core.'), kind: str('Kind.'), name: str('Name.'), namespace: str('Namespace; needs a ReferenceGrant when different.') },
    { required: ['kind', 'name'] },
  ),
};
