// Tables for PersistentVolume and PersistentVolumeClaim.
import type { KubeObject } from '../../api/types.js';
import { translateTimestampSince } from './duration.js';
import { accessModesString } from './format.js';
import { AGE_COLUMN, column, NAME_COLUMN, wide, type TablePrinter } from './types.js';

const BETA_STORAGE_CLASS = 'volume.beta.kubernetes.io/storage-class';

interface PVShape {
  spec?: {
    capacity?: Record<string, string>;
    accessModes?: string[];
    persistentVolumeReclaimPolicy?: string;
    claimRef?: { namespace?: string; name?: string };
    storageClassName?: string;
    volumeAttributesClassName?: string;
    volumeMode?: string;
  };
  status?: { phase?: string; reason?: string };
}

interface PVCShape {
  spec?: { volumeName?: string; storageClassName?: string; volumeAttributesClassName?: string; volumeMode?: string };
  status?: { phase?: string; capacity?: Record<string, string>; accessModes?: string[] };
}

function storageClass(o: KubeObject, fromSpec: string | undefined): string {
  const ann = o.metadata.annotations ?? {};
  return BETA_STORAGE_CLASS in ann ? ann[BETA_STORAGE_CLASS] : (fromSpec ?? '');
}

function phase(o: KubeObject, p: string | undefined): string {
  return o.metadata.deletionTimestamp ? 'Terminating' : (p ?? '');
}

export const persistentVolumePrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    column('Capacity', 'string', 'Storage capacity of the volume.'),
    column('Access Modes', 'string', 'Ways the volume can be mounted (RWO, ROX, RWX, RWOP).'),
    column('Reclaim Policy', 'string', 'What happens to the volume when its claim is released.'),
    column('Status', 'string', 'Lifecycle phase of the volume.'),
    column('Claim', 'string', 'namespace/name of the claim bound to this volume.'),
    column('StorageClass', 'string', 'Storage class the volume belongs to.'),
    column('VolumeAttributesClass', 'string', 'Volume attributes class applied to the volume.'),
    column('Reason', 'string', 'Short explanation of a failed phase.'),
    AGE_COLUMN,
    wide('VolumeMode', 'string', 'Whether the volume is a filesystem or a raw block device.'),
  ],
  cells(o, now) {
    const pv = o as PVShape;
    const s = pv.spec ?? {};
    const claim = s.claimRef ? `${s.claimRef.namespace ?? ''}/${s.claimRef.name ?? ''}` : '';
    return [
      o.metadata.name ?? '',
      s.capacity?.storage ?? '0',
      accessModesString(s.accessModes),
      s.persistentVolumeReclaimPolicy ?? '',
      phase(o, pv.status?.phase),
      claim,
      storageClass(o, s.storageClassName),
      s.volumeAttributesClassName ?? '<unset>',
      pv.status?.reason ?? '',
      translateTimestampSince(o.metadata.creationTimestamp, now),
      s.volumeMode ?? '<unset>',
    ];
  },
};

export const persistentVolumeClaimPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    column('Status', 'string', 'Lifecycle phase of the claim.'),
    column('Volume', 'string', 'Name of the volume bound to the claim.'),
    column('Capacity', 'string', 'Capacity of the bound volume.'),
    column('Access Modes', 'string', 'Access modes of the bound volume.'),
    column('StorageClass', 'string', 'Storage class requested by the claim.'),
    column('VolumeAttributesClass', 'string', 'Volume attributes class requested by the claim.'),
    AGE_COLUMN,
    wide('VolumeMode', 'string', 'Whether the claim wants a filesystem or a raw block device.'),
  ],
  cells(o, now) {
    const pvc = o as PVCShape;
    const s = pvc.spec ?? {};
    const bound = !!s.volumeName;
    return [
      o.metadata.name ?? '',
      phase(o, pvc.status?.phase),
      s.volumeName ?? '',
      bound ? (pvc.status?.capacity?.storage ?? '0') : '',
      bound ? accessModesString(pvc.status?.accessModes) : '',
      storageClass(o, s.storageClassName),
      s.volumeAttributesClassName ?? '<unset>',
      translateTimestampSince(o.metadata.creationTimestamp, now),
      s.volumeMode ?? '<unset>',
    ];
  },
};
