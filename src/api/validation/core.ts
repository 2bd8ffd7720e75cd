// ConfigMap, Secret, Namespace, Node, Event, Endpoints, ServiceAccount, Lease, PV and PVC.
import { FieldError } from '../errors.js';
import { parseQuantity, quantityError } from '../quantity.js';
import type { KubeObject } from '../types.js';
import { nonNegative, validateLabelSelector, validateObjectMeta } from './meta.js';
import { isConfigMapKey, isDNS1123Subdomain, isQualifiedName, isValidIP, isValidPortNum, nameIsDNSLabel, nameIsDNSSubdomain } from './names.js';
import { deepEqual } from './podupdate.js';
import { isObj } from './shapes.js';
import { validateDNS1123Label } from './meta.js';

type Rec = Record<string, unknown>;
const MAX_SECRET_SIZE = 1024 * 1024;
const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];

function keysAndSize(data: unknown, path: string, errs: FieldError[], other?: unknown, binary = false): number {
  let size = 0;
  if (!isObj(data)) return 0;
  for (const [k, v] of Object.entries(data)) {
    for (const m of isConfigMapKey(k)) errs.push(FieldError.invalid(`${path}[${k}]`, k, m));
    if (isObj(other) && k in other) errs.push(FieldError.invalid(`${path}[${k}]`, k, 'duplicate of key present in binaryData'));
    const s = String(v ?? '');
    size += binary ? Math.floor((s.length * 3) / 4) - (s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0) : Buffer.byteLength(s);
  }
  return size;
}

function immutableData(obj: KubeObject, old: KubeObject | undefined, fields: string[]): FieldError[] {
  if (!old || old.immutable !== true) return [];
  const errs: FieldError[] = [];
  if (obj.immutable !== true) errs.push(FieldError.forbidden('immutable', 'field is immutable when `immutable` is set'));
  for (const f of fields) if (!deepEqual(obj[f], old[f])) errs.push(FieldError.forbidden(f, 'field is immutable when `immutable` is set'));
  return errs;
}

export function validateConfigMap(obj: KubeObject, old?: KubeObject): FieldError[] {
  const errs = immutableData(obj, old, ['data', 'binaryData']);
  errs.push(...validateObjectMeta(obj.metadata, true, nameIsDNSSubdomain));
  let size = keysAndSize(obj.data, 'data', errs, obj.binaryData);
  size += keysAndSize(obj.binaryData, 'binaryData', errs, undefined, true);
  if (size > MAX_SECRET_SIZE) errs.push(FieldError.tooLong('', '', MAX_SECRET_SIZE));
  return errs;
}

export function validateSecret(obj: KubeObject, old?: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  if (old && obj.type !== old.type) errs.push(FieldError.invalid('type', obj.type ?? '', 'field is immutable'));
  errs.push(...immutableData(obj, old, ['data']));
  errs.push(...validateObjectMeta(obj.metadata, true, nameIsDNSSubdomain));
  const data = (isObj(obj.data) ? obj.data : {}) as Rec;
  if (keysAndSize(data, 'data', errs, undefined, true) > MAX_SECRET_SIZE) errs.push(FieldError.tooLong('data', '', MAX_SECRET_SIZE));
  const req = (k: string): void => {
    if (!(k in data)) errs.push(FieldError.required(`data[${k}]`, ''));
  };
  switch (obj.type) {
    case 'kubernetes.io/service-account-token':
      if (!obj.metadata?.annotations?.['kubernetes.io/service-account.name']) {
        errs.push(FieldError.required('metadata.annotations[kubernetes.io/service-account.name]', ''));
      }
      break;
    case 'kubernetes.io/dockercfg':
      req('.dockercfg');
      break;
    case 'kubernetes.io/dockerconfigjson':
      req('.dockerconfigjson');
      break;
    case 'kubernetes.io/basic-auth':
      if (!('username' in data) && !('password' in data)) {
        req('username');
        req('password');
      }
      break;
    case 'kubernetes.io/ssh-auth':
      if (!data['ssh-privatekey']) errs.push(FieldError.required('data[ssh-privatekey]', ''));
      break;
    case 'kubernetes.io/tls':
      req('tls.crt');
      req('tls.key');
      break;
  }
  return errs;
}

export function validateNamespace(obj: KubeObject): FieldError[] {
  const errs = validateObjectMeta(obj.metadata, false, nameIsDNSLabel);
  const fins = (isObj(obj.spec) && Array.isArray(obj.spec.finalizers) ? obj.spec.finalizers : []) as string[];
  for (const f of fins) {
    for (const m of isQualifiedName(f)) errs.push(FieldError.invalid('spec.finalizers', f, m));
    if (!f.includes('/') && f !== 'kubernetes') errs.push(FieldError.invalid('spec.finalizers', f, 'name is neither a standard finalizer name nor is it fully qualified'));
  }
  return errs;
}

export function validateNode(obj: KubeObject): FieldError[] {
  const errs = validateObjectMeta(obj.metadata, false, nameIsDNSSubdomain);
  const spec = (isObj(obj.spec) ? obj.spec : {}) as Rec;
  const seen = new Set<string>();
  ((Array.isArray(spec.taints) ? spec.taints : []) as Rec[]).forEach((t, i) => {
    const p = `metadata.taints[${i}]`;
    const key = String(t?.key ?? '');
    for (const m of isQualifiedName(key)) errs.push(FieldError.invalid(`${p}.key`, key, m));
    const effect = String(t?.effect ?? '');
    if (!effect) errs.push(FieldError.required(`${p}.effect`, ''));
    else if (!['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(effect)) {
      errs.push(FieldError.notSupported(`${p}.effect`, effect, ['NoSchedule', 'PreferNoSchedule', 'NoExecute']));
    }
    if (seen.has(`${key}/${effect}`)) errs.push(new FieldError('FieldValueDuplicate', p, t, 'taints must be unique by key and effect pair'));
    seen.add(`${key}/${effect}`);
  });
  const status = (isObj(obj.status) ? obj.status : {}) as Rec;
  for (const list of ['capacity', 'allocatable']) {
    for (const [k, v] of Object.entries((isObj(status[list]) ? status[list] : {}) as Rec)) {
      const bad = quantityError(v);
      if (bad) errs.push(FieldError.invalid(`status.${list}.${k}`, v, bad));
      else if (parseQuantity(v as string).nano < 0n) errs.push(FieldError.invalid(`status.${list}.${k}`, v, 'must be greater than or equal to 0'));
    }
  }
  return errs;
}

export function validateEvent(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  if (!obj.metadata?.name && !obj.metadata?.generateName) errs.push(FieldError.required('metadata.name', 'name or generateName is required'));
  const ns = obj.metadata?.namespace ?? '';
  const io = (isObj(obj.involvedObject) ? obj.involvedObject : {}) as Rec;
  const ioNs = String(io.namespace ?? '');
  if (!obj.eventTime) {
    if (ioNs === '' ? ns !== '' && ns !== 'default' : ns !== ioNs) errs.push(FieldError.invalid('involvedObject.namespace', ioNs, 'does not match event.namespace'));
  } else {
    if (ioNs === '' && ns !== 'default' && ns !== 'kube-system') errs.push(FieldError.invalid('involvedObject.namespace', ioNs, 'does not match event.namespace'));
    const rc = String(obj.reportingComponent ?? '');
    if (!rc) errs.push(FieldError.required('reportingComponent', ''));
    for (const m of isQualifiedName(rc)) errs.push(FieldError.invalid('reportingComponent', rc, m));
    if (!obj.reportingInstance) errs.push(FieldError.required('reportingInstance', ''));
    if (!obj.action) errs.push(FieldError.required('action', ''));
    if (!obj.reason) errs.push(FieldError.required('reason', ''));
  }
  for (const m of isDNS1123Subdomain(ns)) errs.push(FieldError.invalid('namespace', ns, m));
  return errs;
}

export function validateEndpoints(obj: KubeObject): FieldError[] {
  const errs = validateObjectMeta(obj.metadata, true, nameIsDNSSubdomain);
  ((Array.isArray(obj.subsets) ? obj.subsets : []) as Rec[]).forEach((ss, i) => {
    const p = `subsets[${i}]`;
    const addrs = (Array.isArray(ss?.addresses) ? ss.addresses : []) as Rec[];
    const nr = (Array.isArray(ss?.notReadyAddresses) ? ss.notReadyAddresses : []) as Rec[];
    if (addrs.length === 0 && nr.length === 0) errs.push(FieldError.required(p, 'must specify `addresses` or `notReadyAddresses`'));
    for (const [list, items] of [['addresses', addrs], ['notReadyAddresses', nr]] as const) {
      items.forEach((a, j) => {
        const ip = String(a?.ip ?? '');
        if (!isValidIP(ip)) errs.push(FieldError.invalid(`${p}.${list}[${j}].ip`, ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
      });
    }
    const ports = (Array.isArray(ss?.ports) ? ss.ports : []) as Rec[];
    ports.forEach((pt, j) => {
      const pp = `${p}.ports[${j}]`;
      const name = String(pt?.name ?? '');
      if (ports.length > 1 && !name) errs.push(FieldError.required(`${pp}.name`, ''));
      else if (name) errs.push(...validateDNS1123Label(name, `${pp}.name`));
      for (const m of isValidPortNum(Number(pt?.port ?? 0))) errs.push(FieldError.invalid(`${pp}.port`, pt?.port ?? 0, m));
    });
  });
  return errs;
}

export function validateServiceAccount(obj: KubeObject): FieldError[] {
  return validateObjectMeta(obj.metadata, true, nameIsDNSSubdomain);
}

export function validateLease(obj: KubeObject): FieldError[] {
  const errs = validateObjectMeta(obj.metadata, true, nameIsDNSSubdomain);
  const spec = (isObj(obj.spec) ? obj.spec : {}) as Rec;
  if (typeof spec.leaseDurationSeconds === 'number' && spec.leaseDurationSeconds <= 0) {
    errs.push(FieldError.invalid('spec.leaseDurationSeconds', spec.leaseDurationSeconds, 'must be greater than 0'));
  }
  errs.push(...nonNegative(spec.leaseTransitions, 'spec.leaseTransitions'));
  return errs;
}

function accessModes(modes: unknown, path: string, errs: FieldError[], detail: string): void {
  const list = (Array.isArray(modes) ? modes : []) as string[];
  if (list.length === 0) errs.push(FieldError.required(path, detail));
  for (const m of list) if (!ACCESS_MODES.includes(m)) errs.push(FieldError.notSupported(path, m, ACCESS_MODES));
  if (list.includes('ReadWriteOncePod') && list.some((m) => m !== 'ReadWriteOncePod' && ACCESS_MODES.includes(m))) {
    errs.push(FieldError.forbidden(path, 'may not use ReadWriteOncePod with other access modes'));
  }
}

function positiveQuantity(v: unknown, path: string, errs: FieldError[]): void {
  const bad = quantityError(v);
  if (bad) errs.push(FieldError.invalid(path, v, bad));
  else if (parseQuantity(v as string).nano <= 0n) errs.push(FieldError.invalid(path, v, 'must be greater than zero'));
}

export function validatePVC(obj: KubeObject, old?: KubeObject): FieldError[] {
  const errs = validateObjectMeta(obj.metadata, true, nameIsDNSSubdomain);
  const spec = (isObj(obj.spec) ? obj.spec : {}) as Rec;
  accessModes(spec.accessModes, 'spec.accessModes', errs, 'at least 1 access mode is required');
  if (isObj(spec.selector)) errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  const requests = (isObj(spec.resources) && isObj(spec.resources.requests) ? spec.resources.requests : {}) as Rec;
  if (!('storage' in requests)) errs.push(FieldError.required('spec.resources[storage]', ''));
  else positiveQuantity(requests.storage, 'spec.resources[storage]', errs);
  if (spec.volumeMode !== undefined && spec.volumeMode !== 'Block' && spec.volumeMode !== 'Filesystem') {
    errs.push(FieldError.notSupported('spec.volumeMode', spec.volumeMode, ['Block', 'Filesystem']));
  }
  if (old) {
    const os = (old.spec ?? {}) as Rec;
    const strip = (s: Rec, o: Rec): Rec => {
      const c: Rec = structuredClone(s);
      if (!o.volumeName) c.volumeName = undefined;
      if (isObj(c.resources)) c.resources = { ...c.resources, requests: undefined };
      return c;
    };
    if (!deepEqual(strip(spec, os), strip(os, os))) {
      errs.push(FieldError.forbidden('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'));
    }
  }
  return errs;
}

const PV_SOURCES = ['hostPath', 'nfs', 'local', 'csi', 'iscsi', 'fc', 'gcePersistentDisk', 'awsElasticBlockStore', 'azureDisk', 'azureFile', 'cephfs', 'cinder', 'flexVolume', 'glusterfs', 'rbd', 'vsphereVolume', 'portworxVolume', 'photonPersistentDisk', 'quobyte', 'scaleIO', 'storageos', 'flocker'];

export function validatePV(obj: KubeObject): FieldError[] {
  const errs = validateObjectMeta(obj.metadata, false, nameIsDNSSubdomain);
  const spec = (isObj(obj.spec) ? obj.spec : {}) as Rec;
  accessModes(spec.accessModes, 'spec.accessModes', errs, '');
  const cap = (isObj(spec.capacity) ? spec.capacity : {}) as Rec;
  if (Object.keys(cap).length === 0) errs.push(FieldError.required('spec.capacity', ''));
  if (!('storage' in cap) || Object.keys(cap).length > 1) errs.push(FieldError.notSupported('spec.capacity', cap, ['storage']));
  for (const [k, v] of Object.entries(cap)) positiveQuantity(v, `spec.capacity[${k}]`, errs);
  const rp = spec.persistentVolumeReclaimPolicy;
  if (rp !== undefined && !['Delete', 'Recycle', 'Retain'].includes(rp as string)) {
    errs.push(FieldError.notSupported('spec.persistentVolumeReclaimPolicy', rp, ['Delete', 'Recycle', 'Retain']));
  }
  let n = 0;
  for (const s of PV_SOURCES) {
    if (!isObj(spec[s])) continue;
    if (n > 0) errs.push(FieldError.forbidden(`spec.${s}`, 'may not specify more than 1 volume type'));
    n++;
    if (s === 'hostPath' && !(spec.hostPath as Rec).path) errs.push(FieldError.required('spec.hostPath.path', ''));
  }
  if (n === 0) errs.push(FieldError.required('spec', 'must specify a volume type'));
  return errs;
}
