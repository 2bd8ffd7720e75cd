// discovery.k8s.io/v1 EndpointSlice (upstream pkg/apis/discovery/validation).
import { FieldError } from '../errors.js';
import type { KubeObject } from '../types.js';
import { validateDNS1123Label, validateLabels, validateObjectMeta } from './meta.js';
import { isDNS1123Subdomain, isQualifiedName, isValidIP, nameIsDNSSubdomain } from './names.js';
import { isObj } from './shapes.js';

type Rec = Record<string, unknown>;

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const MAX_ENDPOINTS = 1000;
const MAX_ADDRESSES = 100;
const MAX_PORTS = 100;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

const tooMany = (field: string, n: number, max: number): FieldError => new FieldError('FieldValueTooMany', field, n, `must have at most ${max} items`);
const list = (v: unknown): Rec[] => (Array.isArray(v) ? (v as Rec[]) : []);

function validateAddress(addr: unknown, type: string, path: string): FieldError[] {
  const a = typeof addr === 'string' ? addr : '';
  if (type === 'IPv4' && !IPV4.test(a)) return [FieldError.invalid(path, a, 'must be a valid IPv4 address')];
  if (type === 'IPv6' && !(a.includes(':') && isValidIP(a))) return [FieldError.invalid(path, a, 'must be a valid IPv6 address')];
  if (type === 'FQDN') return isDNS1123Subdomain(a).map((m) => FieldError.invalid(path, a, m));
  return [];
}

function validateEndpoints(endpoints: unknown, type: string): FieldError[] {
  const errs: FieldError[] = [];
  const eps = list(endpoints);
  if (eps.length > MAX_ENDPOINTS) return [tooMany('endpoints', eps.length, MAX_ENDPOINTS)];
  eps.forEach((ep, i) => {
    const p = `endpoints[${i}]`;
    const addrs = Array.isArray(ep?.addresses) ? (ep.addresses as unknown[]) : [];
    if (addrs.length === 0) errs.push(FieldError.required(`${p}.addresses`, 'must contain at least 1 address'));
    else if (addrs.length > MAX_ADDRESSES) errs.push(tooMany(`${p}.addresses`, addrs.length, MAX_ADDRESSES));
    else addrs.forEach((a, j) => errs.push(...validateAddress(a, type, `${p}.addresses[${j}]`)));
    if (typeof ep?.nodeName === 'string') for (const m of isDNS1123Subdomain(ep.nodeName)) errs.push(FieldError.invalid(`${p}.nodeName`, ep.nodeName, m));
    if (typeof ep?.hostname === 'string') errs.push(...validateDNS1123Label(ep.hostname, `${p}.hostname`));
    if (isObj(ep?.deprecatedTopology)) errs.push(...validateLabels(ep.deprecatedTopology, `${p}.deprecatedTopology`));
  });
  return errs;
}

function validatePorts(ports: unknown): FieldError[] {
  const errs: FieldError[] = [];
  const ps = list(ports);
  if (ps.length > MAX_PORTS) return [tooMany('ports', ps.length, MAX_PORTS)];
  const names = new Set<string>();
  ps.forEach((pt, i) => {
    const p = `ports[${i}]`;
    const name = typeof pt?.name === 'string' ? pt.name : '';
    if (name) errs.push(...validateDNS1123Label(name, `${p}.name`));
    if (names.has(name)) errs.push(FieldError.duplicate(`${p}.name`, name));
    names.add(name);
    if (pt?.protocol === undefined || pt.protocol === null) errs.push(FieldError.required(`${p}.protocol`));
    else if (!PROTOCOLS.includes(String(pt.protocol))) errs.push(FieldError.notSupported(`${p}.protocol`, pt.protocol, PROTOCOLS));
    if (typeof pt?.appProtocol === 'string') for (const m of isQualifiedName(pt.appProtocol)) errs.push(FieldError.invalid(`${p}.appProtocol`, pt.appProtocol, m));
  });
  return errs;
}

/** An EndpointSlice on create, or on update against the stored one (addressType is immutable). */
export function validateEndpointSlice(obj: KubeObject, old?: KubeObject): FieldError[] {
  const errs = validateObjectMeta(obj.metadata, true, nameIsDNSSubdomain);
  const type = obj.addressType;
  if (type === undefined || type === null || type === '') errs.push(FieldError.required('addressType'));
  else if (!ADDRESS_TYPES.includes(String(type))) errs.push(FieldError.notSupported('addressType', type, ADDRESS_TYPES));
  errs.push(...validateEndpoints(obj.endpoints, String(type ?? '')));
  errs.push(...validatePorts(obj.ports));
  if (old && old.addressType !== obj.addressType) errs.push(FieldError.invalid('addressType', obj.addressType, 'field is immutable'));
  return errs;
}
