// storage.k8s.io/v1 StorageClass, and the core TopologySelector types its allowedTopologies use.
import { type Defs, arrOf, bool, core, kind, obj, oneOf, str, strMap, strs } from './dsl.js';

const storage = (n: string): string => `io.k8s.api.storage.v1.${n}`;

/** StorageClass definitions. */
export const STORAGE_CLASS_DEFS: Defs = {
  [storage('StorageClass')]: kind(
    'storage.k8s.io/v1',
    'StorageClass',
    'A class of storage: which provisioner makes volumes for claims naming it, with which parameters, and when. Immutable except metadata.',
    {
      provisioner: str('Name of the provisioner that creates volumes of this class (e.g. rancher.io/local-path).'),
      parameters: strMap('Provisioner-specific settings. At most 512 entries, 256 KiB in total.'),
      reclaimPolicy: oneOf('What happens to a dynamically provisioned volume when its claim goes: Delete (default) or Retain.', ['Delete', 'Recycle', 'Retain']),
      mountOptions: strs('Mount options of the provisioned volumes, e.g. ro or soft. Not validated.'),
      allowVolumeExpansion: bool('Whether claims of this class may grow after creation.'),
      volumeBindingMode: oneOf('Immediate (default): bind and provision as soon as the claim exists. WaitForFirstConsumer: wait until a pod using the claim is scheduled.', [
        'Immediate',
        'WaitForFirstConsumer',
      ]),
      allowedTopologies: arrOf(core('TopologySelectorTerm'), 'Where volumes may be provisioned; empty means anywhere.', { listType: 'atomic' }),
    },
    { required: ['provisioner'] },
  ),
  [core('TopologySelectorTerm')]: obj(
    'Requirements on topology labels, ANDed together.',
    { matchLabelExpressions: arrOf(core('TopologySelectorLabelRequirement'), 'Label requirements.', { listType: 'atomic' }) },
    { mapType: 'atomic' },
  ),
  [core('TopologySelectorLabelRequirement')]: obj(
    'A topology label and the values it may have.',
    { key: str('Label key.'), values: strs('Allowed values; the label must have one of them.') },
    { required: ['key', 'values'] },
  ),
};
