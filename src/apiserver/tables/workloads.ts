// Tables for controllers: ReplicationController, ReplicaSet, Deployment, DaemonSet, StatefulSet, Job, CronJob,
// ControllerRevision.
import type { KubeObject } from '../../api/types.js';
import { humanDuration, parseTimestamp, translateTimestampSince } from './duration.js';
import { formatBoolPtr, formatLabels, formatLabelSelector, labelSelectorString, layoutContainerCells, type ContainerLike, type LabelSelector } from './format.js';
import { AGE_COLUMN, column, NAME_COLUMN, wide, type TableColumn, type TablePrinter } from './types.js';

interface PodTemplate {
  spec?: { containers?: ContainerLike[]; nodeSelector?: Record<string, string> };
}

const name = (o: KubeObject): string => o.metadata.name ?? '';
const age = (o: KubeObject, now: number): string => translateTimestampSince(o.metadata.creationTimestamp, now);
const int = (v: unknown): number => (typeof v === 'number' ? v : 0);
/** spec.replicas as the API server would default it (nil means 1). */
const desired = (o: KubeObject): number => (typeof o.spec?.replicas === 'number' ? o.spec.replicas : 1);
const containersOf = (t: PodTemplate | undefined): [string, string] => layoutContainerCells(t?.spec?.containers);

const CONTAINERS = wide('Containers', 'string', 'Names of the containers in the pod template.');
const IMAGES = wide('Images', 'string', 'Images used by the containers in the pod template.');
const SELECTOR = wide('Selector', 'string', 'Label selector matching the pods this object manages.');
const WIDE_TEMPLATE: TableColumn[] = [CONTAINERS, IMAGES, SELECTOR];

const replicaColumns: TableColumn[] = [
  NAME_COLUMN,
  column('Desired', 'integer', 'Number of replicas requested.'),
  column('Current', 'integer', 'Number of replicas currently created.'),
  column('Ready', 'integer', 'Number of replicas that are ready.'),
  AGE_COLUMN,
  ...WIDE_TEMPLATE,
];

export const replicationControllerPrinter: TablePrinter = {
  columns: replicaColumns,
  cells(o, now) {
    const [c, i] = containersOf(o.spec?.template);
    return [name(o), desired(o), int(o.status?.replicas), int(o.status?.readyReplicas), age(o, now), c, i, formatLabels(o.spec?.selector)];
  },
};

export const replicaSetPrinter: TablePrinter = {
  columns: replicaColumns,
  cells(o, now) {
    const [c, i] = containersOf(o.spec?.template);
    return [name(o), desired(o), int(o.status?.replicas), int(o.status?.readyReplicas), age(o, now), c, i, formatLabelSelector(o.spec?.selector)];
  },
};

export const deploymentPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    column('Ready', 'string', 'Ready replicas out of the desired count.'),
    column('Up-to-date', 'string', 'Replicas running the latest pod template.'),
    column('Available', 'string', 'Replicas available to serve traffic.'),
    AGE_COLUMN,
    ...WIDE_TEMPLATE,
  ],
  cells(o, now) {
    const [c, i] = containersOf(o.spec?.template);
    const sel = o.spec?.selector ? labelSelectorString(o.spec.selector as LabelSelector) : '';
    return [name(o), `${int(o.status?.readyReplicas)}/${desired(o)}`, int(o.status?.updatedReplicas), int(o.status?.availableReplicas), age(o, now), c, i, sel ?? '<invalid>'];
  },
};

export const daemonSetPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    column('Desired', 'integer', 'Number of nodes that should run the daemon pod.'),
    column('Current', 'integer', 'Number of nodes running at least one daemon pod.'),
    column('Ready', 'integer', 'Number of nodes whose daemon pod is ready.'),
    column('Up-to-date', 'integer', 'Number of nodes running the latest daemon pod template.'),
    column('Available', 'integer', 'Number of nodes whose daemon pod is available.'),
    column('Node Selector', 'string', 'Node labels a node must carry to run the daemon pod.'),
    AGE_COLUMN,
    ...WIDE_TEMPLATE,
  ],
  cells(o, now) {
    const st = o.status ?? {};
    const tpl = o.spec?.template as PodTemplate | undefined;
    const [c, i] = containersOf(tpl);
    return [
      name(o),
      int(st.desiredNumberScheduled),
      int(st.currentNumberScheduled),
      int(st.numberReady),
      int(st.updatedNumberScheduled),
      int(st.numberAvailable),
      formatLabels(tpl?.spec?.nodeSelector),
      age(o, now),
      c,
      i,
      formatLabelSelector(o.spec?.selector),
    ];
  },
};

export const statefulSetPrinter: TablePrinter = {
  columns: [NAME_COLUMN, column('Ready', 'string', 'Ready replicas out of the desired count.'), AGE_COLUMN, CONTAINERS, IMAGES],
  cells(o, now) {
    const [c, i] = containersOf(o.spec?.template);
    return [name(o), `${int(o.status?.readyReplicas)}/${desired(o)}`, age(o, now), c, i];
  },
};

interface JobCondition {
  type?: string;
  status?: string;
}

/** hasJobCondition: the first condition of the type decides. */
function jobCondition(conds: JobCondition[], type: string): boolean {
  const c = conds.find((x) => x.type === type);
  return c?.status === 'True';
}

/** Status cell of a Job: Complete, Failed, Terminating, Suspended, FailureTarget or Running. */
export function jobStatus(o: KubeObject): string {
  const conds = (o.status?.conditions ?? []) as JobCondition[];
  if (jobCondition(conds, 'Complete')) return 'Complete';
  if (jobCondition(conds, 'Failed')) return 'Failed';
  if (o.metadata.deletionTimestamp) return 'Terminating';
  if (jobCondition(conds, 'Suspended')) return 'Suspended';
  if (jobCondition(conds, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

/** Completions cell: `succeeded/completions`, or `succeeded/1 of parallelism` when completions is unset. */
export function jobCompletions(o: KubeObject): string {
  const succeeded = int(o.status?.succeeded);
  if (typeof o.spec?.completions === 'number') return `${succeeded}/${o.spec.completions}`;
  const parallelism = int(o.spec?.parallelism);
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

/** Duration cell: empty before start, running time while active, start→completion once done. */
export function jobDuration(o: KubeObject, now: number): string {
  const start = parseTimestamp(o.status?.startTime);
  if (start === undefined) return '';
  const end = parseTimestamp(o.status?.completionTime);
  return humanDuration((end ?? now) - start);
}

export const jobPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    column('Status', 'string', 'Overall state of the job.'),
    column('Completions', 'string', 'Successful completions out of those required.'),
    column('Duration', 'string', 'How long the job ran (or has been running).'),
    AGE_COLUMN,
    ...WIDE_TEMPLATE,
  ],
  cells(o, now) {
    const [c, i] = containersOf(o.spec?.template);
    return [name(o), jobStatus(o), jobCompletions(o), jobDuration(o, now), age(o, now), c, i, formatLabelSelector(o.spec?.selector)];
  },
};

export const cronJobPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    column('Schedule', 'string', 'Cron schedule on which jobs are created.'),
    column('Timezone', 'string', 'Time zone the schedule is interpreted in.'),
    column('Suspend', 'boolean', 'Whether creation of new jobs is suspended.'),
    column('Active', 'integer', 'Number of jobs currently running.'),
    column('Last Schedule', 'string', 'Time since a job was last scheduled.'),
    AGE_COLUMN,
    ...WIDE_TEMPLATE,
  ],
  cells(o, now) {
    const jobSpec = o.spec?.jobTemplate?.spec;
    const [c, i] = containersOf(jobSpec?.template);
    const last = o.status?.lastScheduleTime ? translateTimestampSince(o.status.lastScheduleTime, now) : '<none>';
    return [
      name(o),
      String(o.spec?.schedule ?? ''),
      typeof o.spec?.timeZone === 'string' ? o.spec.timeZone : '<none>',
      formatBoolPtr(o.spec?.suspend),
      Array.isArray(o.status?.active) ? o.status.active.length : 0,
      last,
      age(o, now),
      c,
      i,
      formatLabelSelector(jobSpec?.selector),
    ];
  },
};

/** Controller cell: `kind.group/name` (lower-cased kind and group) of the controlling owner, or `<none>`. */
export function controllerOf(o: KubeObject): string {
  const ref = (o.metadata.ownerReferences ?? []).find((r) => r.controller === true);
  if (!ref) return '<none>';
  const slash = ref.apiVersion.indexOf('/');
  const group = slash < 0 ? '' : ref.apiVersion.slice(0, slash);
  const gk = group ? `${ref.kind}.${group}` : ref.kind;
  return gk ? `${gk.toLowerCase()}/${ref.name}` : ref.name;
}

export const controllerRevisionPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    column('Controller', 'string', 'Object that owns this revision, as kind/name.'),
    column('Revision', 'string', 'Revision number of the stored state.'),
    AGE_COLUMN,
  ],
  cells: (o, now) => [name(o), controllerOf(o), int(o.revision), age(o, now)],
};
