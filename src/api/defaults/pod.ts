// Pod and PodSpec defaulting, as core/v1 SetDefaults_* plus what v1.32's serializer always
// emits (e.g. `resources: {}`), so clients observe what a real API server returns.
import type { Container, Handler, PodSpec, PodTemplateSpec, Probe, Volume } from '../validation/shapes.js';
import { isObj } from '../validation/shapes.js';

const DEFAULT_FILE_MODE = 420; // 0644

/** Tag of an image reference as the kubelet's parser sees it: `latest` when neither tag nor digest. */
export function imageTag(image: string): string {
  if (image === '' || /\s/.test(image)) return '';
  const at = image.indexOf('@');
  const hasDigest = at >= 0;
  const name = hasDigest ? image.slice(0, at) : image;
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  const repo = colon > slash ? name.slice(0, colon) : name;
  // Repository paths must be lower case (a domain component may carry upper case).
  const path = repo.includes('/') && /[.:]|^localhost$/.test(repo.split('/')[0]) ? repo.slice(repo.indexOf('/') + 1) : repo;
  if (/[A-Z]/.test(path)) return '';
  if (colon > slash) return name.slice(colon + 1);
  return hasDigest ? '' : 'latest';
}

function defaultHandler(h: Handler | undefined): void {
  if (!h?.httpGet) return;
  if (!h.httpGet.path) h.httpGet.path = '/';
  if (!h.httpGet.scheme) h.httpGet.scheme = 'HTTP';
}

function defaultProbe(p: Probe | undefined): void {
  if (!isObj(p)) return;
  if (!p.timeoutSeconds) p.timeoutSeconds = 1;
  if (!p.periodSeconds) p.periodSeconds = 10;
  if (!p.successThreshold) p.successThreshold = 1;
  if (!p.failureThreshold) p.failureThreshold = 3;
  defaultHandler(p);
}

function defaultFieldRef(ref: { apiVersion?: string } | undefined): void {
  if (isObj(ref) && !ref.apiVersion) ref.apiVersion = 'v1';
}

function defaultResourceFieldRef(ref: { divisor?: string | number } | undefined): void {
  // divisor is a non-pointer Quantity upstream: it always serializes, as "0" when unset.
  if (isObj(ref) && ref.divisor === undefined) ref.divisor = '0';
}

export function defaultContainer(c: Container): void {
  if (!isObj(c)) return;
  if (!c.imagePullPolicy) c.imagePullPolicy = imageTag(c.image ?? '') === 'latest' ? 'Always' : 'IfNotPresent';
  if (!c.terminationMessagePath) c.terminationMessagePath = '/dev/termination-log';
  if (!c.terminationMessagePolicy) c.terminationMessagePolicy = 'File';
  if (!isObj(c.resources)) c.resources = {};
  for (const p of c.ports ?? []) if (isObj(p) && !p.protocol) p.protocol = 'TCP';
  for (const e of c.env ?? []) {
    defaultFieldRef(e?.valueFrom?.fieldRef);
    defaultResourceFieldRef(e?.valueFrom?.resourceFieldRef);
  }
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  defaultHandler(c.lifecycle?.postStart);
  defaultHandler(c.lifecycle?.preStop);
}

// In upstream's validation order (the first source wins; later ones are reported).
const VOLUME_SOURCES = [
  'emptyDir', 'hostPath', 'gitRepo', 'gcePersistentDisk', 'awsElasticBlockStore', 'secret', 'nfs', 'iscsi', 'glusterfs', 'flocker',
  'persistentVolumeClaim', 'rbd', 'cinder', 'cephfs', 'quobyte', 'downwardAPI', 'fc', 'flexVolume', 'configMap', 'azureFile',
  'vsphereVolume', 'photonPersistentDisk', 'portworxVolume', 'azureDisk', 'storageos', 'projected', 'scaleIO', 'csi', 'ephemeral',
  'image',
];
export { VOLUME_SOURCES };

export function defaultVolume(v: Volume): void {
  if (!isObj(v)) return;
  if (!VOLUME_SOURCES.some((k) => v[k] !== undefined && v[k] !== null)) v.emptyDir = {};
  if (isObj(v.secret) && v.secret.defaultMode === undefined) v.secret.defaultMode = DEFAULT_FILE_MODE;
  if (isObj(v.configMap) && v.configMap.defaultMode === undefined) v.configMap.defaultMode = DEFAULT_FILE_MODE;
  if (isObj(v.downwardAPI)) {
    if (v.downwardAPI.defaultMode === undefined) v.downwardAPI.defaultMode = DEFAULT_FILE_MODE;
    for (const it of v.downwardAPI.items ?? []) {
      defaultFieldRef(it?.fieldRef);
      defaultResourceFieldRef((it as { resourceFieldRef?: { divisor?: string } })?.resourceFieldRef);
    }
  }
  if (isObj(v.projected)) {
    if (v.projected.defaultMode === undefined) v.projected.defaultMode = DEFAULT_FILE_MODE;
    for (const src of v.projected.sources ?? []) {
      const tok = src?.serviceAccountToken;
      if (isObj(tok) && tok.expirationSeconds === undefined) tok.expirationSeconds = 3600;
      const dapi = src?.downwardAPI;
      if (isObj(dapi) && Array.isArray(dapi.items)) {
        for (const it of dapi.items as { fieldRef?: { apiVersion?: string } }[]) defaultFieldRef(it?.fieldRef);
      }
    }
  }
  if (isObj(v.hostPath) && v.hostPath.type === undefined) v.hostPath.type = '';
}

/** SetDefaults_PodSpec plus container/volume defaults; shared by pods and every pod template. */
export function defaultPodSpec(spec: PodSpec): void {
  if (!spec.dnsPolicy) spec.dnsPolicy = 'ClusterFirst';
  if (!spec.restartPolicy) spec.restartPolicy = 'Always';
  if (!isObj(spec.securityContext)) spec.securityContext = {};
  if (spec.terminationGracePeriodSeconds === undefined || spec.terminationGracePeriodSeconds === null) spec.terminationGracePeriodSeconds = 30;
  if (!spec.schedulerName) spec.schedulerName = 'default-scheduler';
  // The deprecated serviceAccount mirrors serviceAccountName (conversion behaviour).
  if (!spec.serviceAccountName && spec.serviceAccount) spec.serviceAccountName = spec.serviceAccount;
  if (spec.serviceAccountName) spec.serviceAccount = spec.serviceAccountName;
  for (const c of spec.initContainers ?? []) defaultContainer(c);
  for (const c of spec.containers ?? []) defaultContainer(c);
  for (const c of spec.ephemeralContainers ?? []) defaultContainer(c);
  for (const v of spec.volumes ?? []) defaultVolume(v);
}

function requestsFromLimits(c: Container): void {
  if (!isObj(c) || !isObj(c.resources) || !isObj(c.resources.limits)) return;
  const req = isObj(c.resources.requests) ? c.resources.requests : (c.resources.requests = {});
  for (const [k, v] of Object.entries(c.resources.limits)) if (!(k in req)) req[k] = v;
}

function hostNetworkPorts(cs: Container[] | undefined): void {
  for (const c of cs ?? []) for (const p of c?.ports ?? []) if (isObj(p) && !p.hostPort) p.hostPort = p.containerPort;
}

/** Defaults for a Pod object's spec: PodSpec defaults plus the Pod-only ones. */
export function defaultPodObjectSpec(spec: PodSpec, mirror = false): void {
  // ServiceAccount admission assigns the namespace's default account to pods without one.
  if (!mirror && !spec.serviceAccountName && !spec.serviceAccount) spec.serviceAccountName = 'default';
  defaultPodSpec(spec);
  for (const c of spec.containers ?? []) requestsFromLimits(c);
  for (const c of spec.initContainers ?? []) requestsFromLimits(c);
  if (spec.enableServiceLinks === undefined || spec.enableServiceLinks === null) spec.enableServiceLinks = true;
  if (spec.hostNetwork === true) {
    hostNetworkPorts(spec.containers);
    hostNetworkPorts(spec.initContainers);
  }
}

/** Pod template: metadata serializes `creationTimestamp: null`; spec gets PodSpec defaults. */
export function defaultPodTemplate(t: PodTemplateSpec | undefined): void {
  if (!isObj(t)) return;
  defaultTemplateMeta(t);
  if (!isObj(t.spec)) t.spec = {};
  defaultPodSpec(t.spec as PodSpec);
}

export function defaultTemplateMeta(t: { metadata?: Record<string, unknown> }): void {
  if (!isObj(t.metadata)) t.metadata = {};
  if (!('creationTimestamp' in t.metadata)) t.metadata.creationTimestamp = null;
}
