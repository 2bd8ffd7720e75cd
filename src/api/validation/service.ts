// core/v1 Service validation (ValidateService).
import { FieldError } from '../errors.js';
import type { KubeObject } from '../types.js';
import { validatePortNumOrName } from './container.js';
import { validateDNS1123Label, validateLabels, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { isDNS1123Subdomain, isQualifiedName, isValidIP, isValidPortNum, nameIsDNS1035Label } from './names.js';
import { isObj } from './shapes.js';

type Rec = Record<string, unknown>;
const TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

export function validateService(obj: KubeObject, old?: KubeObject): FieldError[] {
  const errs = validateObjectMeta(obj.metadata, true, nameIsDNS1035Label);
  if (old) errs.unshift(...validateObjectMetaUpdate(obj.metadata, old.metadata));
  const spec = (isObj(obj.spec) ? obj.spec : {}) as Rec;
  const ports = (Array.isArray(spec.ports) ? spec.ports : []) as Rec[];
  const headless = spec.clusterIP === 'None' || (Array.isArray(spec.clusterIPs) && spec.clusterIPs[0] === 'None');
  if (ports.length === 0 && !headless && spec.type !== 'ExternalName') errs.push(FieldError.required('spec.ports', ''));
  if (spec.type === 'ExternalName') {
    const cname = String(spec.externalName ?? '').replace(/\.$/, '');
    if (cname) for (const m of isDNS1123Subdomain(cname)) errs.push(FieldError.invalid('spec.externalName', cname, m));
    else errs.push(FieldError.required('spec.externalName', ''));
  } else if (headless && (spec.type === 'LoadBalancer' || spec.type === 'NodePort')) {
    errs.push(FieldError.invalid('spec.clusterIPs[0]', 'None', `may not be set to 'None' for ${spec.type} services`));
  }
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const pp = `spec.ports[${i}]`;
    if (!isObj(p)) return;
    const name = typeof p.name === 'string' ? p.name : '';
    if (ports.length > 1 && !name) errs.push(FieldError.required(`${pp}.name`, ''));
    else if (name) {
      errs.push(...validateDNS1123Label(name, `${pp}.name`));
      if (names.has(name)) errs.push(FieldError.duplicate(`${pp}.name`, name));
      else names.add(name);
    }
    for (const m of isValidPortNum(Number(p.port ?? 0))) errs.push(FieldError.invalid(`${pp}.port`, p.port ?? 0, m));
    const proto = typeof p.protocol === 'string' ? p.protocol : '';
    if (!proto) errs.push(FieldError.required(`${pp}.protocol`, ''));
    else if (!PROTOCOLS.includes(proto)) errs.push(FieldError.notSupported(`${pp}.protocol`, proto, PROTOCOLS));
    errs.push(...validatePortNumOrName(p.targetPort as number | string | undefined, `${pp}.targetPort`));
    if (typeof p.appProtocol === 'string') for (const m of isQualifiedName(p.appProtocol)) errs.push(FieldError.invalid(`${pp}.appProtocol`, p.appProtocol, m));
  });
  if (isObj(spec.selector)) errs.push(...validateLabels(spec.selector, 'spec.selector'));
  const sa = (spec.sessionAffinity as string) ?? '';
  if (!sa) errs.push(FieldError.required('spec.sessionAffinity', ''));
  else if (sa !== 'ClientIP' && sa !== 'None') errs.push(FieldError.notSupported('spec.sessionAffinity', sa, ['ClientIP', 'None']));
  if (sa === 'None' && isObj(spec.sessionAffinityConfig)) errs.push(FieldError.forbidden('spec.sessionAffinityConfig', 'must not be set when session affinity is None'));
  ((Array.isArray(spec.externalIPs) ? spec.externalIPs : []) as string[]).forEach((ip, i) => {
    if (!isValidIP(ip)) errs.push(FieldError.invalid(`spec.externalIPs[${i}]`, ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
  });
  const type = (spec.type as string) ?? '';
  if (!type) errs.push(FieldError.required('spec.type', ''));
  else if (!TYPES.includes(type)) errs.push(FieldError.notSupported('spec.type', type, TYPES));
  if (type === 'ClusterIP') {
    ports.forEach((p, i) => {
      if (isObj(p) && p.nodePort) errs.push(FieldError.forbidden(`spec.ports[${i}].nodePort`, "may not be used when `type` is 'ClusterIP'"));
    });
  }
  const seen = new Set<string>();
  ports.forEach((p, i) => {
    if (!isObj(p)) return;
    const key = `${p.protocol}/${p.port}`;
    if (seen.has(key)) errs.push(FieldError.duplicate(`spec.ports[${i}]`, { protocol: p.protocol, port: p.port }));
    seen.add(key);
  });
  if (spec.internalTrafficPolicy === undefined || spec.internalTrafficPolicy === null) {
    if (type === 'NodePort' || type === 'LoadBalancer' || type === 'ClusterIP') errs.push(FieldError.required('spec.internalTrafficPolicy', ''));
  } else if (spec.internalTrafficPolicy !== 'Cluster' && spec.internalTrafficPolicy !== 'Local') {
    errs.push(FieldError.notSupported('spec.internalTrafficPolicy', spec.internalTrafficPolicy, ['Cluster', 'Local']));
  }
  const external = type === 'NodePort' || type === 'LoadBalancer';
  const etp = (spec.externalTrafficPolicy as string) ?? '';
  if (!external && etp) errs.push(FieldError.invalid('spec.externalTrafficPolicy', etp, 'may only be set for externally-accessible services'));
  if (external && !etp) errs.push(FieldError.required('spec.externalTrafficPolicy', ''));
  else if (external && etp !== 'Cluster' && etp !== 'Local') errs.push(FieldError.notSupported('spec.externalTrafficPolicy', etp, ['Cluster', 'Local']));
  if (old) {
    const oc = (old.spec as Rec | undefined)?.clusterIP;
    if (oc && spec.clusterIP !== oc && type !== 'ExternalName' && (old.spec as Rec).type !== 'ExternalName') {
      errs.push(FieldError.invalid('spec.clusterIPs[0]', spec.clusterIP ?? '', 'may not change once set'));
    }
  }
  return errs;
}
