// core/v1 Service and Endpoints (plus the generic meta/v1 Condition services use).
import { type Defs, arrOf, bool, core, int32, int64, intOrString, kind, meta, obj, oneOf, ref, str, strMap, strs, time } from './dsl.js';

const protocol = oneOf('TCP, UDP or SCTP. Defaults to TCP.', ['SCTP', 'TCP', 'UDP'], { default: 'TCP' });

/** core/v1 definitions for service discovery and load balancing. */
export const SERVICE_DEFS: Defs = {
  [core('Service')]: kind('v1', 'Service', 'A stable name and virtual IP in front of a set of pods chosen by label.', {
    spec: ref(core('ServiceSpec'), 'How the service is exposed and which pods back it.', { defaulted: true }),
    status: ref(core('ServiceStatus'), 'Observed state, e.g. load balancer addresses. Read-only.', { defaulted: true }),
  }),
  [core('ServiceSpec')]: obj('Desired behaviour of a service.', {
    allocateLoadBalancerNodePorts: bool('Whether LoadBalancer services get node ports. Defaults to true.'),
    clusterIP: str('Virtual IP of the service. Allocated when empty; "None" makes a headless service. Mostly immutable.'),
    clusterIPs: strs('Virtual IPs, at most one per family; the first equals clusterIP.'),
    externalIPs: strs('Extra IPs, not managed by the cluster, on which nodes accept traffic for the service.'),
    externalName: str('DNS name returned as a CNAME for type ExternalName.'),
    externalTrafficPolicy: oneOf('Routing of external traffic: Cluster (any node, default) or Local (only node-local endpoints, keeps client IP).', ['Cluster', 'Local']),
    healthCheckNodePort: int32('Node port serving health checks for externalTrafficPolicy Local load balancers.'),
    internalTrafficPolicy: oneOf('Routing of in-cluster traffic: Cluster (default) or Local.', ['Cluster', 'Local']),
    ipFamilies: strs('IP families (IPv4, IPv6) of the service, in order.'),
    ipFamilyPolicy: oneOf('SingleStack, PreferDualStack or RequireDualStack.', ['PreferDualStack', 'RequireDualStack', 'SingleStack']),
    loadBalancerClass: str('Which load balancer implementation handles this service. Immutable once set.'),
    loadBalancerIP: str('Deprecated: requested load balancer IP.'),
    loadBalancerSourceRanges: strs('Client CIDRs allowed through the load balancer, if supported.'),
    ports: arrOf(core('ServicePort'), 'Ports the service exposes.', { mergeKey: 'port', strategy: 'merge', listType: 'map', mapKeys: ['port', 'protocol'] }),
    publishNotReadyAddresses: bool('Publish endpoints of pods that are not ready.'),
    selector: { ...strMap('Pods with these labels back the service. Empty means endpoints are managed by hand.'), 'x-kubernetes-map-type': 'atomic' },
    sessionAffinity: oneOf('ClientIP to stick clients to one endpoint, or None (default).', ['ClientIP', 'None']),
    sessionAffinityConfig: ref(core('SessionAffinityConfig'), 'Settings for session affinity.'),
    trafficDistribution: str('Routing preference, e.g. PreferClose for topologically close endpoints.'),
    type: oneOf('ClusterIP (default), NodePort, LoadBalancer or ExternalName.', ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort']),
  }),
  [core('ServicePort')]: obj(
    'One port of a service.',
    {
      appProtocol: str('Application protocol hint, e.g. http or kubernetes.io/h2c.'),
      name: str('Port name; required and unique when there are several ports.'),
      nodePort: int32('Port opened on every node for NodePort/LoadBalancer. Allocated when unset.'),
      port: int32('Port the service listens on.'),
      protocol,
      targetPort: intOrString('Port (number or container port name) on the pods. Defaults to port.'),
    },
    { required: ['port'] },
  ),
  [core('SessionAffinityConfig')]: obj('Session affinity settings.', { clientIP: ref(core('ClientIPConfig'), 'Settings for ClientIP affinity.') }),
  [core('ClientIPConfig')]: obj('ClientIP affinity settings.', { timeoutSeconds: int32('Sticky time in seconds (1-86400). Defaults to 10800.') }),
  [core('ServiceStatus')]: obj('Observed state of a service.', {
    conditions: arrOf(meta('Condition'), 'Current conditions.', { mergeKey: 'type', strategy: 'merge', listType: 'map', mapKeys: ['type'] }),
    loadBalancer: ref(core('LoadBalancerStatus'), 'Load balancer state, if any.', { defaulted: true }),
  }),
  [core('LoadBalancerStatus')]: obj('State of a load balancer.', {
    ingress: arrOf(core('LoadBalancerIngress'), 'Entry points of the load balancer.', { listType: 'atomic' }),
  }),
  [core('LoadBalancerIngress')]: obj('An entry point of a load balancer.', {
    hostname: str('DNS name of the entry point.'),
    ip: str('IP of the entry point.'),
    ipMode: str('VIP (traffic arrives with the load balancer IP as destination) or Proxy.'),
    ports: arrOf(core('PortStatus'), 'Per-port status.', { listType: 'atomic' }),
  }),
  [core('PortStatus')]: obj(
    'Status of one service port.',
    { error: str('Problem with the port, if any.'), port: int32('Port number.'), protocol: str('Port protocol.') },
    { required: ['port', 'protocol'] },
  ),
  [meta('Condition')]: obj(
    'A generic status condition.',
    {
      lastTransitionTime: time('When status last changed.'),
      message: str('Human-readable details.'),
      observedGeneration: int64('metadata.generation the condition was computed for.'),
      reason: str('CamelCase reason.'),
      status: str('True, False or Unknown.'),
      type: str('Condition type.'),
    },
    { required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'] },
  ),
  [core('Endpoints')]: kind('v1', 'Endpoints', 'The addresses and ports that currently back a service.', {
    subsets: arrOf(core('EndpointSubset'), 'Groups of addresses sharing the same ports.', { listType: 'atomic' }),
  }),
  [core('EndpointSubset')]: obj('Addresses that all expose the same ports.', {
    addresses: arrOf(core('EndpointAddress'), 'Ready addresses.', { listType: 'atomic' }),
    notReadyAddresses: arrOf(core('EndpointAddress'), 'Addresses not ready yet.', { listType: 'atomic' }),
    ports: arrOf(core('EndpointPort'), 'Ports available on every address.', { listType: 'atomic' }),
  }),
  [core('EndpointAddress')]: obj(
    'One endpoint address.',
    {
      hostname: str('Hostname of the endpoint.'),
      ip: str('IP of the endpoint.'),
      nodeName: str('Node hosting the endpoint.'),
      targetRef: ref(core('ObjectReference'), 'Object (usually a pod) behind the address.'),
    },
    { required: ['ip'], mapType: 'atomic' },
  ),
  [core('EndpointPort')]: obj(
    'One endpoint port.',
    { appProtocol: str('Application protocol hint.'), name: str('Port name, matching the service port name.'), port: int32('Port number.'), protocol },
    { required: ['port'], mapType: 'atomic' },
  ),
};
