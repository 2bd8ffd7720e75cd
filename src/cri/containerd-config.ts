// kubelite's own containerd configuration (config version 2, containerd 1.6+), written from
// the data dir. Pure functions: no file system access here.
import { join } from 'node:path';

/** sockaddr_un.sun_path is 108 bytes including the NUL. */
export const MAX_UNIX_SOCKET_PATH = 107;

export interface ContainerdPaths {
  /** <dataDir>/agent/containerd */
  base: string;
  root: string;
  state: string;
  socket: string;
  config: string;
  log: string;
  cniConfDir: string;
  /** the CNI conf dir of HOSTPORT_RUNTIME_HANDLER: the same network with portmap */
  cniHostPortConfDir: string;
  /** the air-gap folder: every *.tar in it is imported at start */
  imagesDir: string;
  /** containerd's registry hosts dir (config_path): <host:port>/hosts.toml per configured registry */
  registryHostsDir: string;
  /** runc's state (--root), inside containerd's state dir */
  runcRoot: string;
}

export function containerdPaths(dataDir: string): ContainerdPaths {
  const base = join(dataDir, 'agent', 'containerd');
  return {
    base,
    root: join(base, 'root'),
    state: join(base, 'state'),
    socket: join(base, 'containerd.sock'),
    config: join(base, 'config.toml'),
    log: join(base, 'containerd.log'),
    cniConfDir: join(dataDir, 'agent', 'cni', 'net.d'),
    cniHostPortConfDir: join(dataDir, 'agent', 'cni', 'net.d-hostport'),
    imagesDir: join(dataDir, 'agent', 'images'),
    registryHostsDir: join(base, 'certs.d'),
    runcRoot: join(base, 'state', 'runc'),
  };
}

export interface ContainerdConfigOptions {
  paths: ContainerdPaths;
  /** the sandbox (pause) image; must be imported before the first sandbox */
  sandboxImage: string;
  /** port of the CRI streaming server (exec/attach/port-forward) on 127.0.0.1 */
  streamPort: number;
  streamAddress?: string;
  cniBinDir?: string;
  snapshotter?: string;
  logLevel?: string;
}

export class InvalidRegistryError extends Error {
  constructor(readonly registry: string) {
    super(`invalid insecure registry ${JSON.stringify(registry)}: want HOST or HOST:PORT (no scheme, no path)`);
  }
}

/** host, host:port, [v6]:port: what an image reference starts with. */
const REGISTRY_HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;

/**
 * The hosts.toml of each registry reached over plain HTTP, keyed by its directory name under
 * registryHostsDir. Loopback registries need none: containerd already talks HTTP to
 * localhost/127.0.0.0/8/::1, as Docker does.
 */
export function insecureRegistryHosts(registries: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of registries) {
    if (!REGISTRY_HOST.test(r)) throw new InvalidRegistryError(r);
    out.set(r, `# Written by kubelite: ${r} is reached over plain HTTP.\nserver = ${str(`http://${r}`)}\n\n[host.${str(`http://${r}`)}]\n  capabilities = ["pull", "resolve"]\n`);
  }
  return out;
}

export const DEFAULT_SANDBOX_IMAGE = 'kubelite.local/pause:3.10';

/**
 * The runtime handler of pods with hostPorts: runc as the default handler, with a CNI conf dir
 * whose chain adds portmap. Pods without hostPorts (nearly all) use the default handler, whose
 * chain has no portmap: one plugin exec less (a Go process, ~3-4 ms of CPU) on every sandbox's
 * network setup and on each of its teardowns.
 */
export const HOSTPORT_RUNTIME_HANDLER = 'runc-hostport';
export const DEFAULT_CNI_BIN_DIR = '/usr/lib/cni';

/** TOML basic string: JSON's escapes are valid TOML for the characters paths contain. */
function str(s: string): string {
  return JSON.stringify(s);
}

export class SocketPathTooLongError extends Error {
  constructor(readonly path: string) {
    super(`containerd socket path is ${Buffer.byteLength(path)} bytes, more than the ${MAX_UNIX_SOCKET_PATH} a unix socket allows: ${path} (use a shorter --data-dir)`);
  }
}

export function checkSocketPath(path: string): void {
  if (Buffer.byteLength(path) > MAX_UNIX_SOCKET_PATH) throw new SocketPathTooLongError(path);
}

export function containerdConfig(o: ContainerdConfigOptions): string {
  checkSocketPath(o.paths.socket);
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return `# Written by kubelite: changes are overwritten at every start.
version = 2
root = ${str(o.paths.root)}
state = ${str(o.paths.state)}
oom_score = 0

[grpc]
  address = ${str(o.paths.socket)}

[ttrpc]
  address = ""

[debug]
  level = ${str(o.logLevel ?? 'info')}

[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = ${str(join(o.paths.root, 'opt'))}

[${cri}]
  sandbox_image = ${str(o.sandboxImage)}
  # root here lacks CAP_SYS_RESOURCE: runc must not lower oom_score_adj below our own
  restrict_oom_score_adj = true
  stream_server_address = ${str(o.streamAddress ?? '127.0.0.1')}
  stream_server_port = ${str(String(o.streamPort))}
  enable_tls_streaming = false
  max_container_log_line_size = 16384
  # the pods' network namespaces are bind-mounted under the state dir (a tmpfs: see
  # ensureStateTmpfs), not in /var/run/netns shared with any other runtime of the host
  netns_mounts_under_state_dir = true

[${cri}.registry]
  # one <host:port>/hosts.toml per insecure registry; read at every pull
  config_path = ${str(o.paths.registryHostsDir)}

[${cri}.containerd]
  snapshotter = ${str(o.snapshotter ?? 'overlayfs')}
  default_runtime_name = "runc"

[${cri}.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[${cri}.containerd.runtimes.runc.options]
  # cgroups v1 and PID 1 is not systemd: cgroupfs driver, the kubelet sets cgroup_parent
  SystemdCgroup = false
  # runc's state.json and exec fifos in our state dir (a tmpfs), not /run/containerd/runc
  Root = ${str(o.paths.runcRoot)}

# pods with hostPorts: the same runc, the pod network's chain with portmap
[${cri}.containerd.runtimes.${HOSTPORT_RUNTIME_HANDLER}]
  runtime_type = "io.containerd.runc.v2"
  cni_conf_dir = ${str(o.paths.cniHostPortConfDir)}
  cni_max_conf_num = 1

[${cri}.containerd.runtimes.${HOSTPORT_RUNTIME_HANDLER}.options]
  SystemdCgroup = false
  Root = ${str(o.paths.runcRoot)}

[${cri}.cni]
  bin_dir = ${str(o.cniBinDir ?? DEFAULT_CNI_BIN_DIR)}
  conf_dir = ${str(o.paths.cniConfDir)}
`;
}
