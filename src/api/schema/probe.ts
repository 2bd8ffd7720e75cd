// core/v1 probes and lifecycle hooks: what the kubelet runs inside or against a container.
import { type Defs, arrOf, core, int32, int64, intOrString, obj, oneOf, ref, str, strs } from './dsl.js';

const port = intOrString('Port to connect to: a number (1-65535) or the name of a container port.');

/** core/v1 definitions for probes and lifecycle handlers. */
export const PROBE_DEFS: Defs = {
  [core('Probe')]: obj('A health check the kubelet runs periodically. Exactly one of exec, httpGet, tcpSocket or grpc must be set.', {
    exec: ref(core('ExecAction'), 'Run a command inside the container; exit status 0 means healthy.'),
    failureThreshold: int32('Consecutive failures before the probe counts as failed. Defaults to 3, minimum 1.'),
    grpc: ref(core('GRPCAction'), 'Call the standard gRPC health-checking service.'),
    httpGet: ref(core('HTTPGetAction'), 'Send an HTTP GET; any status from 200 to 399 means healthy.'),
    initialDelaySeconds: int32('Seconds after container start before the first probe.'),
    periodSeconds: int32('Seconds between probes. Defaults to 10, minimum 1.'),
    successThreshold: int32('Consecutive successes needed after a failure to count as healthy again. Defaults to 1; must be 1 for liveness and startup.'),
    tcpSocket: ref(core('TCPSocketAction'), 'Open a TCP connection; success means healthy.'),
    terminationGracePeriodSeconds: int64('Grace period used when this probe failure kills the container; overrides the pod value. Minimum 1.'),
    timeoutSeconds: int32('Seconds before one probe attempt times out. Defaults to 1, minimum 1.'),
  }),
  [core('ExecAction')]: obj('Runs a command in the container.', {
    command: strs('Command and arguments, run directly (not through a shell). The working directory is the container root.'),
  }),
  [core('HTTPGetAction')]: obj(
    'An HTTP GET request.',
    {
      host: str('Host to connect to. Defaults to the pod IP; use an httpHeaders Host entry to set the virtual host instead.'),
      httpHeaders: arrOf(core('HTTPHeader'), 'Extra request headers.', { listType: 'atomic' }),
      path: str('Request path.'),
      port,
      scheme: oneOf('HTTP or HTTPS. Defaults to HTTP.', ['HTTP', 'HTTPS']),
    },
    { required: ['port'] },
  ),
  [core('HTTPHeader')]: obj(
    'One HTTP header.',
    { name: str('Header name (canonicalized on output).'), value: str('Header value.') },
    { required: ['name', 'value'] },
  ),
  [core('TCPSocketAction')]: obj(
    'Opens a TCP connection.',
    { host: str('Host to connect to. Defaults to the pod IP.'), port },
    { required: ['port'] },
  ),
  [core('GRPCAction')]: obj(
    'Calls grpc.health.v1.Health/Check.',
    {
      port: int32('Port number of the gRPC service (1-65535).'),
      service: str('Service name sent in the health check request. Empty checks the server as a whole.', { default: '' }),
    },
    { required: ['port'] },
  ),
  [core('SleepAction')]: obj('Pauses for a while.', { seconds: int64('How long to sleep, in seconds.') }, { required: ['seconds'] }),
  [core('Lifecycle')]: obj('Actions the kubelet runs at container lifecycle events. The container is blocked until its hook completes.', {
    postStart: ref(core('LifecycleHandler'), 'Runs right after the container is created. If it fails, the container is restarted according to the restart policy.'),
    preStop: ref(
      core('LifecycleHandler'),
      'Runs right before the container is stopped (API delete, probe failure, preemption...). The grace period keeps counting while it runs.',
    ),
  }),
  [core('LifecycleHandler')]: obj('One lifecycle action. Exactly one of exec, httpGet, sleep or tcpSocket may be set.', {
    exec: ref(core('ExecAction'), 'Run a command inside the container.'),
    httpGet: ref(core('HTTPGetAction'), 'Send an HTTP GET request.'),
    sleep: ref(core('SleepAction'), 'Wait for a number of seconds.'),
    tcpSocket: ref(core('TCPSocketAction'), 'Deprecated, kept for compatibility; not supported as a handler.'),
  }),
};
