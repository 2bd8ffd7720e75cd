// Container validation: name, image, ports, env, resources, probes, mounts (core validation.go).
import { FieldError } from '../errors.js';
import { compareQuantities, formatQuantity, parseQuantity, quantityError, type Quantity } from '../quantity.js';
import { nonNegative, validateDNS1123Label } from './meta.js';
import { notFound } from './notfound.js';
import { isConfigMapKey, isDNS1123Subdomain, isHTTPHeaderName, isQualifiedName, isRelaxedEnvVarName, isValidPortName, isValidPortNum } from './names.js';
import type { Container, ContainerPort, EnvVar, Handler, IntOrString, Probe, ResourceList } from './shapes.js';
import { isObj } from './shapes.js';

const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);
const ENV_FIELD_PATHS = ['metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName', 'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs'];
const ENV_RESOURCES = ['limits.cpu', 'limits.ephemeral-storage', 'limits.memory', 'requests.cpu', 'requests.ephemeral-storage', 'requests.memory'];

export function validatePortNumOrName(port: IntOrString | undefined, path: string): FieldError[] {
  if (typeof port === 'number') return isValidPortNum(port).map((m) => FieldError.invalid(path, port, m));
  if (typeof port === 'string') {
    if (/^-?\d+$/.test(port)) return isValidPortNum(Number(port)).map((m) => FieldError.invalid(path, Number(port), m));
    return isValidPortName(port).map((m) => FieldError.invalid(path, port, m));
  }
  return isValidPortNum(0).map((m) => FieldError.invalid(path, 0, m));
}

function validatePorts(ports: ContainerPort[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  (ports ?? []).forEach((p, i) => {
    const ip = `${path}[${i}]`;
    if (p.name) {
      const msgs = isValidPortName(p.name);
      if (msgs.length) msgs.forEach((m) => errs.push(FieldError.invalid(`${ip}.name`, p.name, m)));
      else if (names.has(p.name)) errs.push(FieldError.duplicate(`${ip}.name`, p.name));
      else names.add(p.name);
    }
    if (!p.containerPort) errs.push(FieldError.required(`${ip}.containerPort`, ''));
    else for (const m of isValidPortNum(p.containerPort)) errs.push(FieldError.invalid(`${ip}.containerPort`, p.containerPort, m));
    if (p.hostPort) for (const m of isValidPortNum(p.hostPort)) errs.push(FieldError.invalid(`${ip}.hostPort`, p.hostPort, m));
    if (!p.protocol) errs.push(FieldError.required(`${ip}.protocol`, ''));
    else if (!PROTOCOLS.includes(p.protocol)) errs.push(FieldError.notSupported(`${ip}.protocol`, p.protocol, PROTOCOLS));
  });
  return errs;
}

function keySelector(s: { name?: string; key?: string }, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const m of isDNS1123Subdomain(s.name ?? '')) errs.push(FieldError.invalid(`${path}.name`, s.name ?? '', m));
  if (!s.key) errs.push(FieldError.required(`${path}.key`, ''));
  else for (const m of isConfigMapKey(s.key)) errs.push(FieldError.invalid(`${path}.key`, s.key, m));
  return errs;
}

export function validateFieldRef(ref: { apiVersion?: string; fieldPath?: string }, allowed: string[], path: string): FieldError[] {
  if (!ref.apiVersion) return [FieldError.required(`${path}.apiVersion`, '')];
  if (!ref.fieldPath) return [FieldError.required(`${path}.fieldPath`, '')];
  const m = /^(metadata\.(?:labels|annotations))\['(.*)'\]$/.exec(ref.fieldPath);
  if (m) return isQualifiedName(m[1] === 'metadata.annotations' ? m[2].toLowerCase() : m[2]).map((msg) => FieldError.invalid(path, m[2], msg));
  if (!allowed.includes(ref.fieldPath)) return [FieldError.notSupported(`${path}.fieldPath`, ref.fieldPath, [...allowed].sort())];
  return [];
}

function validateEnv(env: EnvVar[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (env ?? []).forEach((e, i) => {
    const ip = `${path}[${i}]`;
    if (!e?.name) errs.push(FieldError.required(`${ip}.name`, ''));
    else for (const m of isRelaxedEnvVarName(e.name)) errs.push(FieldError.invalid(`${ip}.name`, e.name, m));
    const vf = e?.valueFrom;
    if (!isObj(vf)) return;
    const vp = `${ip}.valueFrom`;
    let n = 0;
    if (vf.fieldRef) {
      n++;
      errs.push(...validateFieldRef(vf.fieldRef, ENV_FIELD_PATHS, `${vp}.fieldRef`));
    }
    if (vf.resourceFieldRef) {
      n++;
      const r = vf.resourceFieldRef.resource;
      if (!r) errs.push(FieldError.required(`${vp}.resourceFieldRef.resource`, ''));
      else if (!ENV_RESOURCES.includes(r) && !/^(requests|limits)\.hugepages-/.test(r)) {
        errs.push(FieldError.notSupported(`${vp}.resourceFieldRef.resource`, r, ENV_RESOURCES));
      }
    }
    if (vf.configMapKeyRef) {
      n++;
      errs.push(...keySelector(vf.configMapKeyRef, `${vp}.configMapKeyRef`));
    }
    if (vf.secretKeyRef) {
      n++;
      errs.push(...keySelector(vf.secretKeyRef, `${vp}.secretKeyRef`));
    }
    if (n === 0) errs.push(FieldError.invalid(vp, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
    else if (e.value) errs.push(FieldError.invalid(vp, '', 'may not be specified when `value` is not empty'));
    else if (n > 1) errs.push(FieldError.invalid(vp, '', 'may not have more than one field specified at a time'));
  });
  return errs;
}

function validateEnvFrom(envFrom: Container['envFrom'], path: string): FieldError[] {
  const errs: FieldError[] = [];
  (envFrom ?? []).forEach((e, i) => {
    const ip = `${path}[${i}]`;
    if (e?.prefix) for (const m of isRelaxedEnvVarName(e.prefix)) errs.push(FieldError.invalid(`${ip}.prefix`, e.prefix, m));
    let n = 0;
    for (const k of ['configMapRef', 'secretRef'] as const) {
      const ref = e?.[k];
      if (!isObj(ref)) continue;
      n++;
      if (!ref.name) errs.push(FieldError.required(`${ip}.${k}.name`, ''));
      else for (const m of isDNS1123Subdomain(ref.name)) errs.push(FieldError.invalid(`${ip}.${k}.name`, ref.name, m));
    }
    if (n === 0) errs.push(FieldError.invalid(path, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (n > 1) errs.push(FieldError.invalid(path, '', 'may not have more than one field specified at a time'));
  });
  return errs;
}

const isNative = (name: string): boolean => !name.includes('/') || name.startsWith('kubernetes.io/') || name.includes('.kubernetes.io/');
const isHugePages = (name: string): boolean => name.startsWith('hugepages-');
const overcommitAllowed = (name: string): boolean => isNative(name) && !isHugePages(name);

function resourceName(name: string, path: string): FieldError[] {
  const errs = isQualifiedName(name).map((m) => FieldError.invalid(path, name, m));
  if (errs.length) return errs;
  if (!name.includes('/')) {
    if (!STANDARD_CONTAINER_RESOURCES.has(name) && !isHugePages(name)) errs.push(FieldError.invalid(path, name, 'must be a standard resource for containers'));
  } else if (!isNative(name) && name.startsWith('requests.')) {
    errs.push(FieldError.invalid(path, name, "doesn't follow extended resource name standard"));
  }
  return errs;
}

function quantityList(list: ResourceList | undefined, path: string, errs: FieldError[]): Map<string, Quantity> {
  const out = new Map<string, Quantity>();
  for (const [name, raw] of Object.entries(list ?? {})) {
    const kp = `${path}[${name}]`;
    errs.push(...resourceName(name, kp));
    const bad = quantityError(raw);
    if (bad) {
      errs.push(FieldError.invalid(kp, raw, bad));
      continue;
    }
    const q = parseQuantity(raw);
    if (q.nano < 0n) errs.push(FieldError.invalid(kp, formatQuantity(q), 'must be greater than or equal to 0'));
    if (!isNative(name) && q.nano % 1_000_000_000n !== 0n) errs.push(FieldError.invalid(kp, formatQuantity(q), 'must be an integer'));
    out.set(name, q);
  }
  return out;
}

export function validateResources(res: Container['resources'], path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObj(res)) return errs;
  const limits = quantityList(res.limits, `${path}.limits`, errs);
  const reqPath = `${path}.requests`;
  const requests = quantityList(res.requests, reqPath, errs);
  for (const [name, q] of requests) {
    const lim = limits.get(name);
    if (lim) {
      const cmp = compareQuantities(q, lim);
      if (cmp !== 0 && !overcommitAllowed(name)) {
        errs.push(FieldError.invalid(reqPath, formatQuantity(q), `must be equal to ${name} limit of ${formatQuantity(lim)}`));
      } else if (cmp > 0) {
        errs.push(FieldError.invalid(reqPath, formatQuantity(q), `must be less than or equal to ${name} limit of ${formatQuantity(lim)}`));
      }
    } else if (!overcommitAllowed(name)) {
      errs.push(FieldError.required(`${path}.limits`, 'Limit must be set for non overcommitable resources'));
    }
  }
  const hasCpuMem = [...limits.keys(), ...requests.keys()].some((n) => n === 'cpu' || n === 'memory');
  const hasHuge = [...limits.keys(), ...requests.keys()].some(isHugePages);
  if (hasHuge && !hasCpuMem) errs.push(FieldError.forbidden(path, 'HugePages require cpu or memory'));
  return errs;
}

export function validateHandler(h: Handler, path: string, gracePeriod: number | undefined, allowSleep: boolean): FieldError[] {
  const errs: FieldError[] = [];
  let n = 0;
  const kinds: (keyof Handler)[] = ['exec', 'httpGet', 'tcpSocket', 'grpc', 'sleep'];
  for (const k of kinds) {
    if (h[k] === undefined || h[k] === null) continue;
    if ((k === 'sleep' && !allowSleep) || (k === 'grpc' && allowSleep)) continue;
    const p = `${path}.${k}`;
    if (n > 0) {
      errs.push(FieldError.forbidden(p, 'may not specify more than 1 handler type'));
      continue;
    }
    n++;
    if (k === 'exec' && !(h.exec?.command?.length)) errs.push(FieldError.required(`${p}.command`, ''));
    if (k === 'httpGet' && h.httpGet) {
      if (!h.httpGet.path) errs.push(FieldError.required(`${p}.path`, ''));
      errs.push(...validatePortNumOrName(h.httpGet.port, `${p}.port`));
      const scheme = h.httpGet.scheme ?? '';
      if (scheme !== 'HTTP' && scheme !== 'HTTPS') errs.push(FieldError.notSupported(`${p}.scheme`, scheme, ['HTTP', 'HTTPS']));
      for (const hd of h.httpGet.httpHeaders ?? []) {
        for (const m of isHTTPHeaderName(hd?.name ?? '')) errs.push(FieldError.invalid(`${p}.httpHeaders`, hd?.name ?? '', m));
      }
    }
    if (k === 'tcpSocket') errs.push(...validatePortNumOrName(h.tcpSocket?.port, `${p}.port`));
    if (k === 'grpc') errs.push(...validatePortNumOrName(h.grpc?.port ?? 0, `${p}.port`));
    if (k === 'sleep' && gracePeriod !== undefined) {
      const s = h.sleep?.seconds ?? 0;
      if (s < 0 || s > gracePeriod) {
        errs.push(FieldError.invalid(p, s, `must be non-negative and less than terminationGracePeriodSeconds (${gracePeriod})`));
      }
    }
  }
  if (n === 0) errs.push(FieldError.required(path, 'must specify a handler type'));
  return errs;
}

export type ProbeKind = 'livenessProbe' | 'readinessProbe' | 'startupProbe';

export function validateProbe(p: Probe | undefined, kind: ProbeKind, path: string, gracePeriod: number | undefined): FieldError[] {
  if (!isObj(p)) return [];
  const errs = validateHandler(p, path, gracePeriod, false);
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'] as const) {
    errs.push(...nonNegative(p[f], `${path}.${f}`));
  }
  if (typeof p.terminationGracePeriodSeconds === 'number' && p.terminationGracePeriodSeconds <= 0) {
    errs.push(FieldError.invalid(`${path}.terminationGracePeriodSeconds`, p.terminationGracePeriodSeconds, 'must be greater than 0'));
  }
  if (kind !== 'readinessProbe' && (p.successThreshold ?? 0) !== 1) {
    errs.push(FieldError.invalid(`${path}.successThreshold`, p.successThreshold ?? 0, 'must be 1'));
  }
  if (kind === 'readinessProbe' && p.terminationGracePeriodSeconds !== undefined) {
    errs.push(FieldError.invalid(`${path}.terminationGracePeriodSeconds`, p.terminationGracePeriodSeconds, 'must not be set for readinessProbes'));
  }
  return errs;
}

export function validateProbesAndLifecycle(c: Container, path: string, gracePeriod: number | undefined): FieldError[] {
  const errs: FieldError[] = [];
  if (isObj(c.lifecycle)) {
    if (c.lifecycle.postStart) errs.push(...validateHandler(c.lifecycle.postStart, `${path}.lifecycle.postStart`, gracePeriod, true));
    if (c.lifecycle.preStop) errs.push(...validateHandler(c.lifecycle.preStop, `${path}.lifecycle.preStop`, gracePeriod, true));
  }
  for (const k of ['livenessProbe', 'readinessProbe', 'startupProbe'] as const) errs.push(...validateProbe(c[k], k, `${path}.${k}`, gracePeriod));
  return errs;
}

function validateMounts(c: Container, volumes: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  (c.volumeMounts ?? []).forEach((m, i) => {
    const ip = `${path}[${i}]`;
    if (!m?.name) errs.push(FieldError.required(`${ip}.name`, ''));
    if (!volumes.has(m?.name ?? '')) errs.push(notFound(`${ip}.name`, m?.name ?? ''));
    if (!m?.mountPath) errs.push(FieldError.required(`${ip}.mountPath`, ''));
    if (seen.has(m?.mountPath ?? '')) errs.push(FieldError.invalid(`${ip}.mountPath`, m?.mountPath ?? '', 'must be unique'));
    seen.add(m?.mountPath ?? '');
    if (m?.subPath && m.subPathExpr) errs.push(FieldError.invalid(`${ip}.subPathExpr`, m.subPathExpr, 'subPathExpr and subPath are mutually exclusive'));
    for (const sp of [m?.subPath, m?.subPathExpr]) {
      if (!sp) continue;
      if (sp.startsWith('/')) errs.push(FieldError.invalid(`${path}.subPath`, sp, 'must be a relative path'));
      if (sp.split('/').includes('..')) errs.push(FieldError.invalid(`${path}.subPath`, sp, "must not contain '..'"));
    }
  });
  return errs;
}

/** validateContainerCommon: rules shared by regular, init and ephemeral containers. */
export function validateContainerCommon(c: Container, volumes: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!c.name) errs.push(FieldError.required(`${path}.name`, ''));
  else errs.push(...validateDNS1123Label(c.name, `${path}.name`));
  if (!c.image) errs.push(FieldError.required(`${path}.image`, ''));
  const tmp = c.terminationMessagePolicy ?? '';
  if (tmp === '') errs.push(FieldError.required(`${path}.terminationMessagePolicy`, ''));
  else if (tmp !== 'File' && tmp !== 'FallbackToLogsOnError') {
    errs.push(FieldError.notSupported(`${path}.terminationMessagePolicy`, tmp, ['File', 'FallbackToLogsOnError']));
  }
  errs.push(...validatePorts(c.ports, `${path}.ports`));
  errs.push(...validateEnv(c.env, `${path}.env`));
  errs.push(...validateEnvFrom(c.envFrom, `${path}.envFrom`));
  errs.push(...validateMounts(c, volumes, `${path}.volumeMounts`));
  const pp = c.imagePullPolicy ?? '';
  if (pp === '') errs.push(FieldError.required(`${path}.imagePullPolicy`, ''));
  else if (!PULL_POLICIES.includes(pp)) errs.push(FieldError.notSupported(`${path}.imagePullPolicy`, pp, PULL_POLICIES));
  errs.push(...validateResources(c.resources, `${path}.resources`));
  errs.push(...validateSecurityContext(c.securityContext, `${path}.securityContext`));
  return errs;
}

function validateSecurityContext(sc: Container['securityContext'], path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObj(sc)) return errs;
  for (const f of ['runAsUser', 'runAsGroup'] as const) {
    const v = sc[f];
    if (typeof v === 'number' && (v < 0 || v > 4294967295)) errs.push(FieldError.invalid(`${path}.${f}`, v, 'must be between 0 and 4294967295, inclusive'));
  }
  if (sc.allowPrivilegeEscalation === false) {
    if (sc.privileged === true) errs.push(FieldError.invalid(path, sc, 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true'));
    if (sc.capabilities?.add?.includes('CAP_SYS_ADMIN')) {
      errs.push(FieldError.invalid(path, sc, 'cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN'));
    }
  }
  return errs;
}

/** Duplicate host ports (protocol/hostIP/port) within one group of containers. */
export function hostPortConflicts(containers: Container[], path: string, offset = 0): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  containers.forEach((c, ci) => {
    (c.ports ?? []).forEach((p, pi) => {
      if (!p?.hostPort) return;
      const key = `${p.protocol ?? ''}/${p.hostIP ?? ''}/${p.hostPort}`;
      if (seen.has(key)) errs.push(FieldError.duplicate(`${path}[${ci + offset}].ports[${pi}].hostPort`, key));
      else seen.add(key);
    });
  });
  return errs;
}
