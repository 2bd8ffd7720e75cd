// core/v1 Node.
import { type Defs, arrOf, bool, core, freeform, int32, int64, kind, obj, oneOf, quantityMap, ref, str, strs, time } from './dsl.js';

const conditionList = (def: string, d: string) => arrOf(def, d, { mergeKey: 'type', strategy: 'merge', listType: 'map', mapKeys: ['type'] });

/** core/v1 definitions for nodes. */
export const NODE_DEFS: Defs = {
  [core('Node')]: kind('v1', 'Node', 'A machine (physical or virtual) that runs pods.', {
    spec: ref(core('NodeSpec'), 'How the node should be used.', { defaulted: true }),
    status: ref(core('NodeStatus'), 'What the node reports about itself. Read-only.', { defaulted: true }),
  }),
  [core('NodeSpec')]: obj('Desired configuration of a node.', {
    configSource: ref(core('NodeConfigSource'), 'Deprecated dynamic kubelet config source; ignored.'),
    externalID: str('Deprecated; not used.'),
    podCIDR: str('IP range assigned to pods on this node.'),
    podCIDRs: strs('IP ranges (at most one per family) for pods on this node; the first equals podCIDR.', { strategy: 'merge', listType: 'set' }),
    providerID: str('Cloud provider identifier of the machine.'),
    taints: arrOf(core('Taint'), 'Taints repelling pods that do not tolerate them.', { listType: 'atomic' }),
    unschedulable: bool('Keep new pods off this node (cordon). Defaults to false.'),
  }),
  [core('NodeConfigSource')]: freeform('Deprecated dynamic kubelet config source.'),
  [core('NodeConfigStatus')]: freeform('Deprecated dynamic kubelet config status.'),
  [core('Taint')]: obj(
    'A mark on a node that repels pods without a matching toleration.',
    {
      effect: oneOf('NoSchedule, PreferNoSchedule or NoExecute.', ['NoExecute', 'NoSchedule', 'PreferNoSchedule']),
      key: str('Taint key.'),
      timeAdded: time('When a NoExecute taint was added.'),
      value: str('Taint value.'),
    },
    { required: ['key', 'effect'] },
  ),
  [core('NodeStatus')]: obj('Observed state of a node.', {
    addresses: arrOf(core('NodeAddress'), 'Addresses of the node (InternalIP, ExternalIP, Hostname...).', {
      mergeKey: 'type',
      strategy: 'merge',
      listType: 'map',
      mapKeys: ['type'],
    }),
    allocatable: quantityMap('Resources available to pods (capacity minus reservations).'),
    capacity: quantityMap('Total resources of the node.'),
    conditions: conditionList(core('NodeCondition'), 'Current conditions (Ready, MemoryPressure, DiskPressure...).'),
    config: ref(core('NodeConfigStatus'), 'Deprecated dynamic config status.'),
    daemonEndpoints: ref(core('NodeDaemonEndpoints'), 'Ports of daemons on the node.', { defaulted: true }),
    features: ref(core('NodeFeatures'), 'Optional features the node implements.'),
    images: arrOf(core('ContainerImage'), 'Images present on the node.', { listType: 'atomic' }),
    nodeInfo: ref(core('NodeSystemInfo'), 'Versions and identifiers of the node.', { defaulted: true }),
    phase: oneOf('Deprecated lifecycle phase.', ['Pending', 'Running', 'Terminated']),
    runtimeHandlers: arrOf(core('NodeRuntimeHandler'), 'Available runtime handlers.', { listType: 'atomic' }),
    volumesAttached: arrOf(core('AttachedVolume'), 'Volumes attached to the node.', { listType: 'atomic' }),
    volumesInUse: strs('Attachable volumes in use by pods.'),
  }),
  [core('NodeAddress')]: obj('One address of a node.', { address: str('The address.'), type: str('Hostname, InternalIP, ExternalIP, InternalDNS or ExternalDNS.') }, {
    required: ['type', 'address'],
  }),
  [core('NodeCondition')]: obj(
    'One aspect of node state.',
    {
      lastHeartbeatTime: time('When the condition was last reported.'),
      lastTransitionTime: time('When status last changed.'),
      message: str('Human-readable details.'),
      reason: str('CamelCase reason for the last change.'),
      status: str('True, False or Unknown.'),
      type: str('Condition type.'),
    },
    { required: ['type', 'status'] },
  ),
  [core('NodeDaemonEndpoints')]: obj('Ports of node daemons.', { kubeletEndpoint: ref(core('DaemonEndpoint'), 'The kubelet endpoint.', { defaulted: true }) }),
  [core('DaemonEndpoint')]: obj('A daemon port.', { Port: int32('Port number.') }, { required: ['Port'] }),
  [core('NodeFeatures')]: obj('Optional node features.', { supplementalGroupsPolicy: bool('Whether supplementalGroupsPolicy is honoured.') }),
  [core('NodeSystemInfo')]: obj(
    'Identifiers and versions reported by the node.',
    {
      architecture: str('CPU architecture.'),
      bootID: str('Boot identifier.'),
      containerRuntimeVersion: str('Container runtime name and version.'),
      kernelVersion: str('Kernel version.'),
      kubeProxyVersion: str('Deprecated kube-proxy version.'),
      kubeletVersion: str('Kubelet version.'),
      machineID: str('Machine identifier.'),
      operatingSystem: str('Operating system (linux, windows).'),
      osImage: str('OS image description.'),
      systemUUID: str('System UUID.'),
    },
    {
      required: ['machineID', 'systemUUID', 'bootID', 'kernelVersion', 'osImage', 'containerRuntimeVersion', 'kubeletVersion', 'kubeProxyVersion', 'operatingSystem', 'architecture'],
    },
  ),
  [core('ContainerImage')]: obj('An image stored on a node.', {
    names: strs('Names (tags and digests) of the image.'),
    sizeBytes: int64('Size in bytes.'),
  }),
  [core('AttachedVolume')]: obj('A volume attached to a node.', { devicePath: str('Device path.'), name: str('Volume name.') }, { required: ['name', 'devicePath'] }),
  [core('NodeRuntimeHandler')]: obj('A runtime handler of the node.', {
    features: ref(core('NodeRuntimeHandlerFeatures'), 'Features of the handler.'),
    name: str('Handler name; empty for the default.'),
  }),
  [core('NodeRuntimeHandlerFeatures')]: obj('Features of a runtime handler.', {
    recursiveReadOnlyMounts: bool('Supports recursive read-only mounts.'),
    userNamespaces: bool('Supports user namespaces.'),
  }),
};
