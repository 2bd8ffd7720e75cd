// batch/v1 Job and CronJob.
import { type Defs, type Schema, arrOf, batch, bool, core, int32, int64, kind, meta, obj, oneOf, ref, str, strs, time } from './dsl.js';

const int32Set = (d: string): Schema => ({ type: 'array', description: d, items: { type: 'integer', format: 'int32', default: 0 }, 'x-kubernetes-list-type': 'set' });

/** batch/v1 definitions. */
export const BATCH_DEFS: Defs = {
  [batch('Job')]: kind('batch/v1', 'Job', 'Runs pods until a number of them finish successfully.', {
    spec: ref(batch('JobSpec'), 'Desired behaviour.', { defaulted: true }),
    status: ref(batch('JobStatus'), 'Most recently observed state. Read-only.', { defaulted: true }),
  }),
  [batch('JobSpec')]: obj(
    'Desired behaviour of a job.',
    {
      activeDeadlineSeconds: int64('Seconds the job may run (from start, not counting suspension) before it is terminated as failed.'),
      backoffLimit: int32('Retries before the job is marked failed. Defaults to 6.'),
      backoffLimitPerIndex: int32('Retries allowed per index of an Indexed job before that index fails.'),
      completionMode: oneOf('NonIndexed (default: any N successes) or Indexed (each index 0..completions-1 must succeed).', ['Indexed', 'NonIndexed']),
      completions: int32('Successful pods needed. Unset means any one success completes the job.'),
      managedBy: str('Controller responsible for the job. Empty or kubernetes.io/job-controller for the built-in one.'),
      manualSelector: bool('Let the user provide selector instead of generating it. Rarely a good idea.'),
      maxFailedIndexes: int32('Failed indexes tolerated before the whole job fails. Needs backoffLimitPerIndex.'),
      parallelism: int32('Maximum pods running at once. Defaults to 1; 0 pauses the job.'),
      podFailurePolicy: ref(batch('PodFailurePolicy'), 'Rules deciding how pod failures count towards the backoff limit.'),
      podReplacementPolicy: oneOf('When replacement pods are created: TerminatingOrFailed (default) or Failed (only once fully terminated).', [
        'Failed',
        'TerminatingOrFailed',
      ]),
      selector: ref(meta('LabelSelector'), 'Pods counted by the job. Generated unless manualSelector is set.'),
      successPolicy: ref(batch('SuccessPolicy'), 'Rules to declare an Indexed job successful early.'),
      suspend: bool('While true, no pods are created and running ones are terminated. Defaults to false.'),
      template: ref(core('PodTemplateSpec'), 'Template of the pods. restartPolicy must be Never or OnFailure.', { defaulted: true }),
      ttlSecondsAfterFinished: int32('Delete the job this many seconds after it finishes. Unset keeps it.'),
    },
    { required: ['template'] },
  ),
  [batch('PodFailurePolicy')]: obj(
    'How pod failures are handled.',
    { rules: arrOf(batch('PodFailurePolicyRule'), 'Rules checked in order; the first match decides.', { listType: 'atomic' }) },
    { required: ['rules'] },
  ),
  [batch('PodFailurePolicyRule')]: obj(
    'Action taken for failures matching a requirement.',
    {
      action: oneOf('FailJob, FailIndex, Ignore (do not count) or Count (count as usual).', ['Count', 'FailIndex', 'FailJob', 'Ignore']),
      onExitCodes: ref(batch('PodFailurePolicyOnExitCodesRequirement'), 'Match on container exit codes.'),
      onPodConditions: arrOf(batch('PodFailurePolicyOnPodConditionsPattern'), 'Match on pod conditions.', { listType: 'atomic' }),
    },
    { required: ['action'] },
  ),
  [batch('PodFailurePolicyOnExitCodesRequirement')]: obj(
    'Exit code condition.',
    {
      containerName: str('Only check this container. Default: all containers.'),
      operator: oneOf('In or NotIn.', ['In', 'NotIn']),
      values: int32Set('Exit codes to compare with (0 not allowed for In).'),
    },
    { required: ['operator', 'values'] },
  ),
  [batch('PodFailurePolicyOnPodConditionsPattern')]: obj(
    'Pod condition pattern.',
    { status: str('Required status. Defaults to True.'), type: str('Condition type, e.g. DisruptionTarget.') },
    { required: ['type', 'status'] },
  ),
  [batch('SuccessPolicy')]: obj(
    'Early success rules for Indexed jobs.',
    { rules: arrOf(batch('SuccessPolicyRule'), 'The job succeeds when any rule matches.', { listType: 'atomic' }) },
    { required: ['rules'] },
  ),
  [batch('SuccessPolicyRule')]: obj('One early-success rule.', {
    succeededCount: int32('Minimum succeeded indexes (within succeededIndexes, if set).'),
    succeededIndexes: str('Index set such as "1,3-5".'),
  }),
  [batch('JobStatus')]: obj('Observed state of a job.', {
    active: int32('Pods pending or running.'),
    completedIndexes: str('Completed indexes of an Indexed job, e.g. "1,3-5".'),
    completionTime: time('When the job completed.'),
    conditions: arrOf(batch('JobCondition'), 'Latest observations (Complete, Failed, Suspended...).', { mergeKey: 'type', strategy: 'merge', listType: 'atomic' }),
    failed: int32('Pods that failed.'),
    failedIndexes: str('Failed indexes when backoffLimitPerIndex is used.'),
    ready: int32('Active pods that are ready.'),
    startTime: time('When the job controller started working on the job.'),
    succeeded: int32('Pods that succeeded.'),
    terminating: int32('Pods being terminated.'),
    uncountedTerminatedPods: ref(batch('UncountedTerminatedPods'), 'Finished pods not yet counted in the status counters.'),
  }),
  [batch('JobCondition')]: obj(
    'One aspect of job state.',
    {
      lastProbeTime: time('When last checked.'),
      lastTransitionTime: time('When status last changed.'),
      message: str('Human-readable details.'),
      reason: str('CamelCase reason.'),
      status: str('True, False or Unknown.'),
      type: str('Condition type.'),
    },
    { required: ['type', 'status'] },
  ),
  [batch('UncountedTerminatedPods')]: obj('UIDs of finished pods not yet counted.', {
    failed: strs('Failed pod UIDs.', { listType: 'set' }),
    succeeded: strs('Succeeded pod UIDs.', { listType: 'set' }),
  }),
  [batch('CronJob')]: kind('batch/v1', 'CronJob', 'Creates Jobs on a repeating schedule.', {
    spec: ref(batch('CronJobSpec'), 'Schedule and job template.', { defaulted: true }),
    status: ref(batch('CronJobStatus'), 'Most recently observed state. Read-only.', { defaulted: true }),
  }),
  [batch('CronJobSpec')]: obj(
    'Desired behaviour of a cron job.',
    {
      concurrencyPolicy: oneOf('Allow (default), Forbid (skip while one runs) or Replace (cancel the running one).', ['Allow', 'Forbid', 'Replace']),
      failedJobsHistoryLimit: int32('Failed jobs to keep. Defaults to 1.'),
      jobTemplate: ref(batch('JobTemplateSpec'), 'Template of the jobs created.', { defaulted: true }),
      schedule: str('Cron expression, e.g. "*/5 * * * *".'),
      startingDeadlineSeconds: int64('Seconds after a missed start during which the job may still be started.'),
      successfulJobsHistoryLimit: int32('Successful jobs to keep. Defaults to 3.'),
      suspend: bool('While true, no new jobs are started. Defaults to false.'),
      timeZone: str('IANA time zone for the schedule, e.g. Europe/Paris. Defaults to the controller time zone.'),
    },
    { required: ['schedule', 'jobTemplate'] },
  ),
  [batch('JobTemplateSpec')]: obj('Template of a job.', {
    metadata: ref(meta('ObjectMeta'), 'Labels and annotations of the created jobs.', { defaulted: true }),
    spec: ref(batch('JobSpec'), 'Spec of the created jobs.', { defaulted: true }),
  }),
  [batch('CronJobStatus')]: obj('Observed state of a cron job.', {
    active: arrOf(core('ObjectReference'), 'Jobs currently running.', { listType: 'atomic' }),
    lastScheduleTime: time('When a job was last scheduled.'),
    lastSuccessfulTime: time('When a job last completed successfully.'),
  }),
};
