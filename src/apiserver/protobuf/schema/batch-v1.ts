// batch/v1 Job, CronJob and JobTemplateSpec.
// Field numbers follow k8s.io/api and k8s.io/apimachinery generated.proto (Kubernetes 1.32); only a subset is
// declared, unknown fields are skipped on decode (podFailurePolicy and successPolicy, which kubectl create never
// sends, are left out). Options: (keep) = emit even when zero (pointer or non-omitempty Go field); (inline) = the
// nested message's fields are flattened into the parent in JSON (Go `json:",inline"`).
export const BATCH_V1_PROTO = `
syntax = "proto2";
package k8s.io.api.batch.v1;

message Job {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional JobSpec spec = 2;
  optional JobStatus status = 3;
}
message JobSpec {
  optional int32 parallelism = 1 [(keep) = true];
  optional int32 completions = 2 [(keep) = true];
  optional int64 activeDeadlineSeconds = 3 [(keep) = true];
  optional int32 backoffLimit = 7 [(keep) = true];
  optional int32 backoffLimitPerIndex = 12 [(keep) = true];
  optional int32 maxFailedIndexes = 13 [(keep) = true];
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector selector = 4;
  optional bool manualSelector = 5 [(keep) = true];
  optional .k8s.io.api.core.v1.PodTemplateSpec template = 6;
  optional int32 ttlSecondsAfterFinished = 8 [(keep) = true];
  optional string completionMode = 9 [(keep) = true];
  optional bool suspend = 10 [(keep) = true];
  optional string podReplacementPolicy = 14 [(keep) = true];
  optional string managedBy = 15 [(keep) = true];
}
message JobStatus {
  repeated JobCondition conditions = 1;
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.Time startTime = 2;
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.Time completionTime = 3;
  optional int32 active = 4;
  optional int32 succeeded = 5;
  optional int32 failed = 6;
  optional int32 terminating = 11 [(keep) = true];
  optional string completedIndexes = 7;
  optional string failedIndexes = 10 [(keep) = true];
  optional UncountedTerminatedPods uncountedTerminatedPods = 8;
  optional int32 ready = 9 [(keep) = true];
}
message JobCondition {
  optional string type = 1 [(keep) = true];
  optional string status = 2 [(keep) = true];
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.Time lastProbeTime = 3;
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.Time lastTransitionTime = 4;
  optional string reason = 5;
  optional string message = 6;
}
message UncountedTerminatedPods {
  repeated string succeeded = 1;
  repeated string failed = 2;
}
message JobTemplateSpec {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional JobSpec spec = 2;
}
message CronJob {
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional CronJobSpec spec = 2;
  optional CronJobStatus status = 3;
}
message CronJobSpec {
  optional string schedule = 1 [(keep) = true];
  optional string timeZone = 8 [(keep) = true];
  optional int64 startingDeadlineSeconds = 2 [(keep) = true];
  optional string concurrencyPolicy = 3;
  optional bool suspend = 4 [(keep) = true];
  optional JobTemplateSpec jobTemplate = 5;
  optional int32 successfulJobsHistoryLimit = 6 [(keep) = true];
  optional int32 failedJobsHistoryLimit = 7 [(keep) = true];
}
message CronJobStatus {
  repeated .k8s.io.api.core.v1.ObjectReference active = 1;
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.Time lastScheduleTime = 4;
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.Time lastSuccessfulTime = 5;
}
`;
