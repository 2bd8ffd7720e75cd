// discovery.k8s.io/v1 EndpointSlice: the scalable successor of core/v1 Endpoints.
import { type Defs, arrOf, bool, core, int32, kind, obj, oneOf, ref, str, strMap, strs } from './dsl.js';

const discovery = (n: string): string => `io.k8s.api.discovery.v1.${n}`;

/** EndpointSlice and the types inside it. */
export const DISCOVERY_DEFS: Defs = {
  [discovery('EndpointSlice')]: kind(
    'discovery.k8s.io/v1',
    'EndpointSlice',
    'A subset of the endpoints behind a service. The label kubernetes.io/service-name names the service; one service may have many slices.',
    {
      addressType: oneOf('Kind of address in this slice: IPv4, IPv6 or FQDN. Immutable.', ['FQDN', 'IPv4', 'IPv6']),
      endpoints: arrOf(discovery('Endpoint'), 'The endpoints of this slice, at most 1000.', { listType: 'atomic' }),
      ports: arrOf(discovery('EndpointPort'), 'Ports every endpoint of this slice exposes, at most 100. Empty means no ports are known.', { listType: 'atomic' }),
    },
    { required: ['addressType', 'endpoints'] },
  ),
  [discovery('Endpoint')]: obj(
    'One backend of a service.',
    {
      addresses: strs('Addresses of this endpoint, of the slice addressType. Consumers use the first.', { listType: 'set' }),
      conditions: ref(discovery('EndpointConditions'), 'Current state of the endpoint.', { defaulted: true }),
      deprecatedTopology: strMap('Deprecated topology labels; use nodeName and zone.'),
      hints: ref(discovery('EndpointHints'), 'Hints for consumers on how to route to this endpoint.'),
      hostname: str('Hostname of this endpoint (a DNS label), used by DNS for headless services.'),
      nodeName: str('Node hosting this endpoint.'),
      targetRef: ref(core('ObjectReference'), 'Object (usually a pod) behind this endpoint.'),
      zone: str('Zone this endpoint is in.'),
    },
    { required: ['addresses'] },
  ),
  [discovery('EndpointConditions')]: obj('State of an endpoint.', {
    ready: bool('The endpoint can take traffic. False while its pod is not ready or is terminating (unless the service publishes not-ready addresses).'),
    serving: bool('Like ready, but also true for a terminating pod that is still ready.'),
    terminating: bool('The endpoint is terminating (its pod has a deletionTimestamp).'),
  }),
  [discovery('EndpointHints')]: obj('Routing hints.', {
    forZones: arrOf(discovery('ForZone'), 'Zones that should consume this endpoint.', { listType: 'atomic' }),
  }),
  [discovery('ForZone')]: obj('A zone an endpoint should be consumed by.', { name: str('Zone name.') }, { required: ['name'] }),
  [discovery('EndpointPort')]: obj(
    'One port of the endpoints of a slice.',
    {
      appProtocol: str('Application protocol of the port, e.g. http or a prefixed name.'),
      name: str('Name of the port, matching the service port name. Empty for a single unnamed port.'),
      port: int32('Port number; unset means all ports.'),
      protocol: oneOf('TCP, UDP or SCTP. Defaults to TCP.', ['SCTP', 'TCP', 'UDP']),
    },
    { mapType: 'atomic' },
  ),
};
