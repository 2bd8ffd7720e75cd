// core/v1 pod volumes and their sources. Common sources are fully described; legacy
// in-tree cloud/storage plugins are kept as open objects so manifests using them pass.
import { type Defs, type Schema, arrOf, bool, core, freeform, int32, int64, meta, obj, oneOf, quantity, ref, str, strMap } from './dsl.js';

/** Legacy volume plugins: described only by name, content not checked. */
export const RARE_SOURCES: Record<string, [defName: string, label: string]> = {
  awsElasticBlockStore: ['AWSElasticBlockStoreVolumeSource', 'an AWS EBS disk (deprecated in-tree plugin)'],
  azureDisk: ['AzureDiskVolumeSource', 'an Azure data disk (deprecated in-tree plugin)'],
  azureFile: ['AzureFileVolumeSource', 'an Azure File share (deprecated in-tree plugin)'],
  cephfs: ['CephFSVolumeSource', 'a CephFS mount (deprecated)'],
  cinder: ['CinderVolumeSource', 'an OpenStack Cinder volume (deprecated in-tree plugin)'],
  fc: ['FCVolumeSource', 'a Fibre Channel disk'],
  flexVolume: ['FlexVolumeSource', 'a FlexVolume driver volume (deprecated)'],
  flocker: ['FlockerVolumeSource', 'a Flocker dataset (deprecated)'],
  gcePersistentDisk: ['GCEPersistentDiskVolumeSource', 'a GCE persistent disk (deprecated in-tree plugin)'],
  gitRepo: ['GitRepoVolumeSource', 'a git repository cloned into an empty directory (deprecated)'],
  glusterfs: ['GlusterfsVolumeSource', 'a GlusterFS mount (deprecated)'],
  iscsi: ['ISCSIVolumeSource', 'an iSCSI disk'],
  photonPersistentDisk: ['PhotonPersistentDiskVolumeSource', 'a Photon Controller disk (deprecated)'],
  portworxVolume: ['PortworxVolumeSource', 'a Portworx volume (deprecated in-tree plugin)'],
  quobyte: ['QuobyteVolumeSource', 'a Quobyte mount (deprecated)'],
  rbd: ['RBDVolumeSource', 'a Ceph RBD disk (deprecated)'],
  scaleIO: ['ScaleIOVolumeSource', 'a ScaleIO volume (deprecated)'],
  storageos: ['StorageOSVolumeSource', 'a StorageOS volume (deprecated)'],
  vsphereVolume: ['VsphereVirtualDiskVolumeSource', 'a vSphere disk (deprecated in-tree plugin)'],
};

const rareFields = (): Record<string, Schema> =>
  Object.fromEntries(Object.entries(RARE_SOURCES).map(([f, [def, label]]) => [f, ref(core(def), `Mounts ${label}.`)]));

const rareDefs = (): Defs =>
  Object.fromEntries(Object.values(RARE_SOURCES).map(([def, label]) => [core(def), freeform(`Settings for ${label}. Not validated field by field here.`)]));

const defaultMode = int32('Permission bits (0000-0777, octal in YAML) for created files. Defaults to 0644. May clash with fsGroup.');
const keyItems = (what: string): Schema =>
  arrOf(core('KeyToPath'), `Only project these keys of the ${what}, to these paths. By default every key becomes a file named after it.`, {
    listType: 'atomic',
  });

/** core/v1 definitions for pod volumes. */
export const VOLUME_DEFS: Defs = {
  [core('Volume')]: obj(
    'A named volume that containers of the pod can mount. Exactly one source must be set.',
    {
      name: str('Volume name, a DNS label unique within the pod.'),
      ...rareFields(),
      configMap: ref(core('ConfigMapVolumeSource'), 'Exposes ConfigMap keys as files.'),
      csi: ref(core('CSIVolumeSource'), 'An inline volume from a CSI driver.'),
      downwardAPI: ref(core('DownwardAPIVolumeSource'), 'Exposes pod fields and resource values as files.'),
      emptyDir: ref(core('EmptyDirVolumeSource'), 'A scratch directory that lives as long as the pod.'),
      ephemeral: ref(core('EphemeralVolumeSource'), 'A volume from a PVC created for this pod and deleted with it.'),
      hostPath: ref(core('HostPathVolumeSource'), 'A file or directory of the node. Powerful and risky; avoid for ordinary workloads.'),
      image: ref(core('ImageVolumeSource'), 'The contents of an OCI image or artifact, mounted read-only.'),
      nfs: ref(core('NFSVolumeSource'), 'An NFS export.'),
      persistentVolumeClaim: ref(core('PersistentVolumeClaimVolumeSource'), 'A PersistentVolumeClaim in the pod\'s namespace.'),
      projected: ref(core('ProjectedVolumeSource'), 'Several sources (secrets, configmaps, downward API, tokens) merged into one directory.'),
      secret: ref(core('SecretVolumeSource'), 'Exposes Secret keys as files.'),
    },
    { required: ['name'] },
  ),
  ...rareDefs(),
  [core('EmptyDirVolumeSource')]: obj('A scratch directory.', {
    medium: str('Storage medium: "" (node default) or "Memory" (tmpfs).'),
    sizeLimit: quantity('Maximum size. For Memory, the smaller of this and the pod memory limit applies.'),
  }),
  [core('HostPathVolumeSource')]: obj(
    'A path on the node.',
    {
      path: str('Path on the node. Symlinks are followed.'),
      type: oneOf('What must exist at path: "" (no check), DirectoryOrCreate, Directory, FileOrCreate, File, Socket, CharDevice or BlockDevice.', [
        '',
        'BlockDevice',
        'CharDevice',
        'Directory',
        'DirectoryOrCreate',
        'File',
        'FileOrCreate',
        'Socket',
      ]),
    },
    { required: ['path'] },
  ),
  [core('ConfigMapVolumeSource')]: obj('Projects a ConfigMap into files.', {
    defaultMode,
    items: keyItems('ConfigMap'),
    name: str('Name of the ConfigMap.', { default: '' }),
    optional: bool('When true, a missing ConfigMap or key is not an error.'),
  }),
  [core('SecretVolumeSource')]: obj('Projects a Secret into files.', {
    defaultMode,
    items: keyItems('Secret'),
    optional: bool('When true, a missing Secret or key is not an error.'),
    secretName: str('Name of the Secret in the pod\'s namespace.'),
  }),
  [core('KeyToPath')]: obj(
    'Maps one key to a file path.',
    {
      key: str('The key to project.'),
      mode: int32('Permission bits for this file; overrides defaultMode.'),
      path: str('Relative path of the file. No ".." elements, no leading "/".'),
    },
    { required: ['key', 'path'] },
  ),
  [core('DownwardAPIVolumeSource')]: obj('Projects pod information into files.', {
    defaultMode,
    items: arrOf(core('DownwardAPIVolumeFile'), 'The files to create.', { listType: 'atomic' }),
  }),
  [core('DownwardAPIVolumeFile')]: obj(
    'One file of pod information.',
    {
      fieldRef: ref(core('ObjectFieldSelector'), 'A pod field: metadata.name, metadata.namespace, metadata.labels, metadata.annotations or metadata.uid.'),
      mode: int32('Permission bits for this file; overrides defaultMode.'),
      path: str('Relative path of the file.'),
      resourceFieldRef: ref(core('ResourceFieldSelector'), 'A container resource limit or request (limits.cpu, requests.memory...).'),
    },
    { required: ['path'] },
  ),
  [core('ProjectedVolumeSource')]: obj('Several sources merged into one directory.', {
    defaultMode,
    sources: arrOf(core('VolumeProjection'), 'The sources to merge.', { listType: 'atomic' }),
  }),
  [core('VolumeProjection')]: obj('One source of a projected volume. Exactly one field may be set.', {
    clusterTrustBundle: ref(core('ClusterTrustBundleProjection'), 'Certificates from ClusterTrustBundle objects, as one PEM file.'),
    configMap: ref(core('ConfigMapProjection'), 'Keys of a ConfigMap.'),
    downwardAPI: ref(core('DownwardAPIProjection'), 'Pod information.'),
    secret: ref(core('SecretProjection'), 'Keys of a Secret.'),
    serviceAccountToken: ref(core('ServiceAccountTokenProjection'), 'A bound service account token, refreshed by the kubelet.'),
  }),
  [core('ConfigMapProjection')]: obj('ConfigMap keys in a projected volume.', {
    items: keyItems('ConfigMap'),
    name: str('Name of the ConfigMap.', { default: '' }),
    optional: bool('When true, a missing ConfigMap or key is not an error.'),
  }),
  [core('SecretProjection')]: obj('Secret keys in a projected volume.', {
    items: keyItems('Secret'),
    name: str('Name of the Secret.', { default: '' }),
    optional: bool('When true, a missing Secret or key is not an error.'),
  }),
  [core('DownwardAPIProjection')]: obj('Pod information in a projected volume.', {
    items: arrOf(core('DownwardAPIVolumeFile'), 'The files to create.', { listType: 'atomic' }),
  }),
  [core('ServiceAccountTokenProjection')]: obj(
    'A service account token written to a file.',
    {
      audience: str('Intended audience of the token. Defaults to the API server identifier.'),
      expirationSeconds: int64('Requested lifetime. Defaults to one hour; at least 10 minutes.'),
      path: str('Relative path of the token file.'),
    },
    { required: ['path'] },
  ),
  [core('ClusterTrustBundleProjection')]: obj(
    'Trust anchors from ClusterTrustBundle objects.',
    {
      labelSelector: ref(meta('LabelSelector'), 'Select bundles of signerName by label.'),
      name: str('Select one bundle by name. Exclusive with signerName/labelSelector.'),
      optional: bool('When true, a missing bundle yields an empty file instead of an error.'),
      path: str('Relative path of the PEM file.'),
      signerName: str('Select bundles of this signer.'),
    },
    { required: ['path'] },
  ),
  [core('PersistentVolumeClaimVolumeSource')]: obj(
    'Uses a PersistentVolumeClaim.',
    {
      claimName: str('Name of the claim in the pod\'s namespace.'),
      readOnly: bool('Force a read-only mount. Defaults to false.'),
    },
    { required: ['claimName'] },
  ),
  [core('NFSVolumeSource')]: obj(
    'An NFS export.',
    {
      path: str('Exported path.'),
      readOnly: bool('Mount read-only. Defaults to false.'),
      server: str('Host name or IP of the NFS server.'),
    },
    { required: ['server', 'path'] },
  ),
  [core('CSIVolumeSource')]: obj(
    'An inline ephemeral CSI volume.',
    {
      driver: str('Name of the CSI driver.'),
      fsType: str('Filesystem type, e.g. ext4. Driver default when empty.'),
      nodePublishSecretRef: ref(core('LocalObjectReference'), 'Secret with sensitive parameters passed to the driver.'),
      readOnly: bool('Mount read-only. Defaults to false.'),
      volumeAttributes: strMap('Driver-specific properties.'),
    },
    { required: ['driver'] },
  ),
  [core('EphemeralVolumeSource')]: obj('A per-pod PVC.', {
    volumeClaimTemplate: ref(core('PersistentVolumeClaimTemplate'), 'Template for the PVC, named <pod>-<volume> and owned by the pod.'),
  }),
  [core('ImageVolumeSource')]: obj('An OCI image or artifact as a volume.', {
    pullPolicy: oneOf('Always, Never or IfNotPresent; same defaults as container images.', ['Always', 'IfNotPresent', 'Never']),
    reference: str('Image or artifact reference, as for a container image.'),
  }),
};
