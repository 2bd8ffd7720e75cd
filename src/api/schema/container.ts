// core/v1 Container and EphemeralContainer with their env, ports, mounts and resources.
import {
  type Defs,
  type Schema,
  arrOf,
  bool,
  core,
  int32,
  namedList,
  obj,
  oneOf,
  quantity,
  quantityMap,
  ref,
  str,
  strs,
} from './dsl.js';

/** Fields shared by Container and EphemeralContainer. */
function containerFields(ephemeral: boolean): Record<string, Schema> {
  const probe = (what: string): Schema =>
    ephemeral ? ref(core('Probe'), `Not allowed for ephemeral containers.`) : ref(core('Probe'), what);
  return {
    args: strs('Arguments passed to the entrypoint. Replaces the image CMD. $(VAR) references to container env vars are expanded; $$ escapes.'),
    command: strs('Entrypoint array, run without a shell. Replaces the image ENTRYPOINT. $(VAR) references are expanded like in args.'),
    env: namedList(core('EnvVar'), 'Environment variables to set in the container.'),
    envFrom: arrOf(core('EnvFromSource'), 'Sources (ConfigMaps, Secrets) whose keys all become environment variables. Explicit env entries win on clashes.', {
      listType: 'atomic',
    }),
    image: str('Container image reference, e.g. nginx:1.27 or registry.example.com/app@sha256:....'),
    imagePullPolicy: oneOf(
      'When to pull the image: Always, Never or IfNotPresent. Defaults to Always for :latest (or no tag), IfNotPresent otherwise.',
      ['Always', 'IfNotPresent', 'Never'],
    ),
    lifecycle: ref(core('Lifecycle'), ephemeral ? 'Not allowed for ephemeral containers.' : 'Hooks run right after the container starts and right before it is stopped.'),
    livenessProbe: probe('Periodic check that the container is alive; the container is restarted when it fails.'),
    name: str('Name of the container, a DNS label unique within the pod.'),
    ports: arrOf(
      core('ContainerPort'),
      ephemeral
        ? 'Not allowed for ephemeral containers.'
        : 'Ports the container exposes. Informational: any port the process listens on is reachable regardless.',
      { mergeKey: 'containerPort', strategy: 'merge', listType: 'map', mapKeys: ['containerPort', 'protocol'] },
    ),
    readinessProbe: probe('Periodic check that the container can take traffic; failing removes the pod from service endpoints.'),
    resizePolicy: arrOf(core('ContainerResizePolicy'), 'How each resource may be resized in place.', { listType: 'atomic' }),
    resources: ref(core('ResourceRequirements'), ephemeral ? 'Not allowed for ephemeral containers.' : 'CPU, memory and other resources the container requests and is limited to.', {
      defaulted: true,
    }),
    restartPolicy: str(
      'Per-container restart behaviour. Only "Always" is allowed, and only on init containers, which then run as sidecars for the life of the pod.',
    ),
    securityContext: ref(core('SecurityContext'), 'Security settings for this container; they override the pod-level securityContext.'),
    startupProbe: probe('Check that must succeed once before the other probes start; failing it restarts the container.'),
    stdin: bool('Keep a stdin buffer open for the container. Without it, reads from stdin get EOF.'),
    stdinOnce: bool('Close stdin after the first attached client disconnects.'),
    terminationMessagePath: str('File whose contents become the termination message. Defaults to /dev/termination-log.'),
    terminationMessagePolicy: oneOf('Where the termination message comes from: File, or FallbackToLogsOnError to use the log tail when the file is empty.', [
      'FallbackToLogsOnError',
      'File',
    ]),
    tty: bool('Allocate a TTY for the container (usually together with stdin).'),
    volumeDevices: arrOf(core('VolumeDevice'), 'Raw block devices from volumes to expose inside the container.', {
      mergeKey: 'devicePath',
      strategy: 'merge',
      listType: 'map',
      mapKeys: ['devicePath'],
    }),
    volumeMounts: arrOf(core('VolumeMount'), 'Pod volumes to mount into the container filesystem.', {
      mergeKey: 'mountPath',
      strategy: 'merge',
      listType: 'map',
      mapKeys: ['mountPath'],
    }),
    workingDir: str('Working directory of the process. Defaults to the image setting.'),
  };
}

const keySelector = (what: string): Schema =>
  obj(
    `Picks one key of a ${what}.`,
    {
      key: str('The key to read.'),
      name: str(`Name of the ${what} in the pod's namespace.`, { default: '' }),
      optional: bool(`When true, a missing ${what} or key is not an error.`),
    },
    { required: ['key'], mapType: 'atomic' },
  );

const envSource = (what: string): Schema =>
  obj(`Imports every key of a ${what} as environment variables.`, {
    name: str(`Name of the ${what}.`, { default: '' }),
    optional: bool(`When true, a missing ${what} is not an error.`),
  });

/** core/v1 definitions for containers. */
export const CONTAINER_DEFS: Defs = {
  [core('Container')]: obj('One container (process image) to run in a pod.', containerFields(false), { required: ['name'] }),
  [core('EphemeralContainer')]: obj(
    'A temporary container added to a running pod for debugging. It is never restarted and gets no resource guarantees.',
    {
      ...containerFields(true),
      targetContainerName: str('Container whose process namespace this one joins. Requires runtime support.'),
    },
    { required: ['name'] },
  ),
  [core('ContainerPort')]: obj(
    'One network port of a container.',
    {
      containerPort: int32('Port number on the pod IP (1-65535).'),
      hostIP: str('Host IP to bind the host port to.'),
      hostPort: int32('Port to expose on the node. Rarely needed; with hostNetwork it must equal containerPort.'),
      name: str('IANA_SVC_NAME-style name, unique within the pod, that services can refer to.'),
      protocol: oneOf('TCP, UDP or SCTP. Defaults to TCP.', ['SCTP', 'TCP', 'UDP'], { default: 'TCP' }),
    },
    { required: ['containerPort'] },
  ),
  [core('EnvVar')]: obj(
    'One environment variable.',
    {
      name: str('Variable name.'),
      value: str('Literal value. $(VAR) references to earlier variables are expanded; $$ escapes. Defaults to "".'),
      valueFrom: ref(core('EnvVarSource'), 'Take the value from elsewhere instead of value.'),
    },
    { required: ['name'] },
  ),
  [core('EnvVarSource')]: obj('Where an environment variable value comes from. Exactly one source may be set.', {
    configMapKeyRef: ref(core('ConfigMapKeySelector'), 'A key of a ConfigMap.'),
    fieldRef: ref(core('ObjectFieldSelector'), 'A field of the pod: metadata.name, metadata.namespace, metadata.uid, labels/annotations entries, spec.nodeName, spec.serviceAccountName, status.hostIP(s), status.podIP(s).'),
    resourceFieldRef: ref(core('ResourceFieldSelector'), 'A resource limit or request of a container.'),
    secretKeyRef: ref(core('SecretKeySelector'), 'A key of a Secret.'),
  }),
  [core('ConfigMapKeySelector')]: keySelector('ConfigMap'),
  [core('SecretKeySelector')]: keySelector('Secret'),
  [core('ObjectFieldSelector')]: obj(
    'Selects a field of an object.',
    {
      apiVersion: str('Schema version the path is written against. Defaults to "v1".'),
      fieldPath: str('Path of the field to read.'),
    },
    { required: ['fieldPath'], mapType: 'atomic' },
  ),
  [core('ResourceFieldSelector')]: obj(
    'Selects a container resource value (limits.cpu, requests.memory, ...).',
    {
      containerName: str('Container to read from; required for volumes, optional for env.'),
      divisor: quantity('Unit the value is expressed in. Defaults to 1.'),
      resource: str('The resource to read, e.g. limits.memory.'),
    },
    { required: ['resource'], mapType: 'atomic' },
  ),
  [core('EnvFromSource')]: obj('A source of many environment variables.', {
    configMapRef: ref(core('ConfigMapEnvSource'), 'ConfigMap to import.'),
    prefix: str('String prepended to every imported key. Must be a C identifier.'),
    secretRef: ref(core('SecretEnvSource'), 'Secret to import.'),
  }),
  [core('ConfigMapEnvSource')]: envSource('ConfigMap'),
  [core('SecretEnvSource')]: envSource('Secret'),
  [core('ResourceRequirements')]: obj('Compute resources: requests are used for scheduling, limits are enforced at runtime.', {
    claims: arrOf(core('ResourceClaim'), 'Dynamically allocated resources (from spec.resourceClaims) this container uses.', {
      listType: 'map',
      mapKeys: ['name'],
    }),
    limits: quantityMap('Maximum amount of each resource the container may use.'),
    requests: quantityMap('Minimum amount of each resource reserved for the container. Defaults to limits when unset.'),
  }),
  [core('ResourceClaim')]: obj(
    'Reference to one entry of the pod resourceClaims.',
    {
      name: str('Name of an entry in pod.spec.resourceClaims.'),
      request: str('Only this request of the claim, if set.'),
    },
    { required: ['name'] },
  ),
  [core('ContainerResizePolicy')]: obj(
    'How a resource of a container may be resized.',
    {
      resourceName: str('Resource this policy applies to (cpu, memory).'),
      restartPolicy: str('NotRequired (resize in place) or RestartContainer.'),
    },
    { required: ['resourceName', 'restartPolicy'] },
  ),
  [core('VolumeMount')]: obj(
    'Mounts a pod volume into a container.',
    {
      mountPath: str('Path inside the container. Must not contain ":".'),
      mountPropagation: oneOf('How mounts propagate between host and container: None, HostToContainer or Bidirectional.', [
        'Bidirectional',
        'HostToContainer',
        'None',
      ]),
      name: str('Name of the pod volume.'),
      readOnly: bool('Mount read-only. Defaults to false.'),
      recursiveReadOnly: str('Whether read-only mounts are read-only for submounts too: Disabled, IfPossible or Enabled.'),
      subPath: str('Path within the volume to mount instead of its root.'),
      subPathExpr: str('Like subPath, but $(VAR) references to container env vars are expanded. Exclusive with subPath.'),
    },
    { required: ['name', 'mountPath'] },
  ),
  [core('VolumeDevice')]: obj(
    'Maps a raw block volume to a device path in the container.',
    {
      devicePath: str('Device path inside the container.'),
      name: str('Name of a persistentVolumeClaim volume of the pod.'),
    },
    { required: ['name', 'devicePath'] },
  ),
};
