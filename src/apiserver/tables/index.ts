// Server-side Table printers (what `kubectl get` prints), keyed by kind and API group.
import { RESOURCES } from '../../api/resources.js';
import { translateTimestampSince } from './duration.js';
import { configMapPrinter, leasePrinter, namespacePrinter, nodePrinter, priorityClassPrinter, secretPrinter, serviceAccountPrinter } from './core.js';
import { endpointSlicePrinter } from './discovery.js';
import { eventPrinter } from './event.js';
import { endpointsPrinter, servicePrinter } from './network.js';
import { podPrinter } from './pod.js';
import { persistentVolumeClaimPrinter, persistentVolumePrinter } from './storage.js';
import { AGE_COLUMN, NAME_COLUMN, type TablePrinter } from './types.js';
import {
  controllerRevisionPrinter,
  cronJobPrinter,
  daemonSetPrinter,
  deploymentPrinter,
  jobPrinter,
  replicaSetPrinter,
  replicationControllerPrinter,
  statefulSetPrinter,
} from './workloads.js';

export { humanDuration, translateTimestampSince } from './duration.js';
export { podSummary, type PodSummary } from './pod.js';
export type { TableColumn, TablePrinter } from './types.js';

const PRINTERS: Readonly<Record<string, TablePrinter>> = {
  '/Pod': podPrinter,
  '/Namespace': namespacePrinter,
  '/Node': nodePrinter,
  '/ConfigMap': configMapPrinter,
  '/Secret': secretPrinter,
  '/ServiceAccount': serviceAccountPrinter,
  '/Event': eventPrinter,
  '/Endpoints': endpointsPrinter,
  '/Service': servicePrinter,
  '/PersistentVolume': persistentVolumePrinter,
  '/PersistentVolumeClaim': persistentVolumeClaimPrinter,
  '/ReplicationController': replicationControllerPrinter,
  'apps/Deployment': deploymentPrinter,
  'apps/ReplicaSet': replicaSetPrinter,
  'apps/DaemonSet': daemonSetPrinter,
  'apps/StatefulSet': statefulSetPrinter,
  'apps/ControllerRevision': controllerRevisionPrinter,
  'batch/Job': jobPrinter,
  'batch/CronJob': cronJobPrinter,
  'coordination.k8s.io/Lease': leasePrinter,
  'scheduling.k8s.io/PriorityClass': priorityClassPrinter,
  'discovery.k8s.io/EndpointSlice': endpointSlicePrinter,
};

/** Name and Age only: what kubectl shows for kinds without a dedicated printer. */
export const defaultPrinter: TablePrinter = {
  columns: [NAME_COLUMN, AGE_COLUMN],
  cells: (o, now) => [o.metadata.name ?? '', translateTimestampSince(o.metadata.creationTimestamp, now)],
};

/** The Table printer for `kind` in API `group` ('' for core); Name/Age for kinds we have no printer for. */
export function tablePrinter(kind: string, group: string): TablePrinter {
  return PRINTERS[`${group}/${kind}`] ?? defaultPrinter;
}

/** Kinds from RESOURCES that have a dedicated printer (used by tests to check coverage). */
export function printedKinds(): string[] {
  return RESOURCES.filter((r) => PRINTERS[`${r.group}/${r.kind}`]).map((r) => `${r.group}/${r.kind}`);
}
