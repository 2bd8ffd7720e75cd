// Loose views of the JSON shapes that defaulting and validation read. Everything is optional
// because input is untrusted JSON; unknown fields pass through untouched.

export type IntOrString = number | string;
export type ResourceList = Record<string, string | number>;

export interface ObjectFieldSelector {
  apiVersion?: string;
  fieldPath?: string;
}
export interface KeySelector {
  name?: string;
  key?: string;
  optional?: boolean;
}
export interface EnvVar {
  name?: string;
  value?: string;
  valueFrom?: {
    fieldRef?: ObjectFieldSelector;
    resourceFieldRef?: { containerName?: string; resource?: string; divisor?: string | number };
    configMapKeyRef?: KeySelector;
    secretKeyRef?: KeySelector;
  };
}
export interface EnvFromSource {
  prefix?: string;
  configMapRef?: { name?: string };
  secretRef?: { name?: string };
}
export interface ContainerPort {
  name?: string;
  containerPort?: number;
  hostPort?: number;
  hostIP?: string;
  protocol?: string;
}
export interface HTTPGetAction {
  path?: string;
  port?: IntOrString;
  host?: string;
  scheme?: string;
  httpHeaders?: { name?: string; value?: string }[];
}
export interface Handler {
  exec?: { command?: string[] };
  httpGet?: HTTPGetAction;
  tcpSocket?: { port?: IntOrString; host?: string };
  grpc?: { port?: number; service?: string };
  sleep?: { seconds?: number };
}
export interface Probe extends Handler {
  initialDelaySeconds?: number;
  timeoutSeconds?: number;
  periodSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
  terminationGracePeriodSeconds?: number;
}
export interface VolumeMount {
  name?: string;
  mountPath?: string;
  readOnly?: boolean;
  subPath?: string;
  subPathExpr?: string;
}
export interface SecurityContext {
  privileged?: boolean;
  runAsUser?: number;
  runAsGroup?: number;
  allowPrivilegeEscalation?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
  [k: string]: unknown;
}
export interface Container {
  name?: string;
  image?: string;
  imagePullPolicy?: string;
  command?: string[];
  args?: string[];
  workingDir?: string;
  ports?: ContainerPort[];
  env?: EnvVar[];
  envFrom?: EnvFromSource[];
  resources?: { limits?: ResourceList; requests?: ResourceList; claims?: { name?: string }[] };
  volumeMounts?: VolumeMount[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: { postStart?: Handler; preStop?: Handler };
  terminationMessagePath?: string;
  terminationMessagePolicy?: string;
  securityContext?: SecurityContext;
  restartPolicy?: string;
  [k: string]: unknown;
}
export interface KeyToPath {
  key?: string;
  path?: string;
  mode?: number;
}
export interface Volume {
  name?: string;
  emptyDir?: { medium?: string; sizeLimit?: string | number };
  hostPath?: { path?: string; type?: string };
  secret?: { secretName?: string; defaultMode?: number; items?: KeyToPath[]; optional?: boolean };
  configMap?: { name?: string; defaultMode?: number; items?: KeyToPath[]; optional?: boolean };
  persistentVolumeClaim?: { claimName?: string; readOnly?: boolean };
  downwardAPI?: { defaultMode?: number; items?: { path?: string; fieldRef?: ObjectFieldSelector; mode?: number }[] };
  projected?: { defaultMode?: number; sources?: Record<string, unknown>[] };
  [k: string]: unknown;
}
export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}
export interface PodSpec {
  containers?: Container[];
  initContainers?: Container[];
  ephemeralContainers?: Container[];
  volumes?: Volume[];
  restartPolicy?: string;
  terminationGracePeriodSeconds?: number;
  activeDeadlineSeconds?: number;
  dnsPolicy?: string;
  nodeSelector?: Record<string, string>;
  serviceAccountName?: string;
  serviceAccount?: string;
  nodeName?: string;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  securityContext?: Record<string, unknown>;
  imagePullSecrets?: Record<string, unknown>[];
  hostname?: string;
  subdomain?: string;
  schedulerName?: string;
  tolerations?: Toleration[];
  priorityClassName?: string;
  schedulingGates?: { name?: string }[];
  enableServiceLinks?: boolean;
  dnsConfig?: { nameservers?: string[]; searches?: string[]; options?: { name?: string }[] };
  [k: string]: unknown;
}
export interface ObjectMetaLike {
  name?: string;
  generateName?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [k: string]: unknown;
}
export interface PodTemplateSpec {
  metadata?: ObjectMetaLike;
  spec?: PodSpec;
}
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key?: string; operator?: string; values?: string[] }[];
}

export function isObj<T>(v: T): v is NonNullable<T> & Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
