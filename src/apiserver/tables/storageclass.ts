// Table for storage.k8s.io StorageClass; the default class is marked "(default)" as upstream prints it.
import type { KubeObject } from '../../api/types.js';
import { translateTimestampSince } from './duration.js';
import { AGE_COLUMN, column, NAME_COLUMN, type TablePrinter } from './types.js';

export const IS_DEFAULT_CLASS = 'storageclass.kubernetes.io/is-default-class';
const BETA_IS_DEFAULT_CLASS = 'storageclass.beta.kubernetes.io/is-default-class';

/** Whether the class carries the default-class annotation (GA or beta spelling). */
export function isDefaultClass(o: KubeObject): boolean {
  const a = o.metadata.annotations ?? {};
  return a[IS_DEFAULT_CLASS] === 'true' || a[BETA_IS_DEFAULT_CLASS] === 'true';
}

export const storageClassPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    column('Provisioner', 'string', 'Provisioner that makes volumes of this class.'),
    column('ReclaimPolicy', 'string', 'What happens to a provisioned volume when its claim goes.'),
    column('VolumeBindingMode', 'string', 'When volumes are bound and provisioned.'),
    column('AllowVolumeExpansion', 'string', 'Whether claims of this class may grow.'),
    AGE_COLUMN,
  ],
  cells: (o, now) => [
    `${o.metadata.name ?? ''}${isDefaultClass(o) ? ' (default)' : ''}`,
    String(o.provisioner ?? ''),
    String(o.reclaimPolicy ?? 'Delete'),
    String(o.volumeBindingMode ?? 'Immediate'),
    Boolean(o.allowVolumeExpansion ?? false),
    translateTimestampSince(o.metadata.creationTimestamp, now),
  ],
};
