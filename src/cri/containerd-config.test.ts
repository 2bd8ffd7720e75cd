import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerdConfig, containerdPaths, checkSocketPath, insecureRegistryHosts, InvalidRegistryError, SocketPathTooLongError, DEFAULT_SANDBOX_IMAGE } from './containerd-config.js';

test('paths live under <dataDir>/agent', () => {
  const p = containerdPaths('/var/lib/kubelite');
  assert.equal(p.socket, '/var/lib/kubelite/agent/containerd/containerd.sock');
  assert.equal(p.root, '/var/lib/kubelite/agent/containerd/root');
  assert.equal(p.state, '/var/lib/kubelite/agent/containerd/state');
  assert.equal(p.cniConfDir, '/var/lib/kubelite/agent/cni/net.d');
  assert.equal(p.cniHostPortConfDir, '/var/lib/kubelite/agent/cni/net.d-hostport');
  assert.equal(p.imagesDir, '/var/lib/kubelite/agent/images');
});

test('config: version 2, CRI plugin settings measured on these machines', () => {
  const paths = containerdPaths('/data');
  const toml = containerdConfig({ paths, sandboxImage: DEFAULT_SANDBOX_IMAGE, streamPort: 10010 });
  const has = (line: string) => assert.ok(toml.includes(line), `missing: ${line}\n${toml}`);
  has('version = 2');
  has('root = "/data/agent/containerd/root"');
  has('state = "/data/agent/containerd/state"');
  has('[grpc]\n  address = "/data/agent/containerd/containerd.sock"');
  has('[plugins."io.containerd.grpc.v1.cri"]');
  has('sandbox_image = "kubelite.local/pause:3.10"');
  has('restrict_oom_score_adj = true');
  has('stream_server_address = "127.0.0.1"');
  has('stream_server_port = "10010"');
  has('snapshotter = "overlayfs"');
  has('runtime_type = "io.containerd.runc.v2"');
  has('[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n  # cgroups v1');
  has('SystemdCgroup = false');
  // ephemeral state with containerd's (a tmpfs): runc's state and the pods' netns mounts
  has('Root = "/data/agent/containerd/state/runc"');
  has('netns_mounts_under_state_dir = true');
  // pods with hostPorts: a handler whose CNI chain has portmap
  has('[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc-hostport]\n  runtime_type = "io.containerd.runc.v2"\n  cni_conf_dir = "/data/agent/cni/net.d-hostport"');
  has('[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc-hostport.options]\n  SystemdCgroup = false\n  Root = "/data/agent/containerd/state/runc"');
  has('bin_dir = "/usr/lib/cni"');
  has('conf_dir = "/data/agent/cni/net.d"');
  has('[plugins."io.containerd.grpc.v1.cri".registry]\n  # one <host:port>/hosts.toml per insecure registry; read at every pull\n  config_path = "/data/agent/containerd/certs.d"');
  // each table appears once (TOML forbids duplicates)
  const tables = toml.split('\n').filter((l) => l.startsWith('['));
  assert.equal(new Set(tables).size, tables.length);
});

test('config: strings are TOML-escaped', () => {
  const toml = containerdConfig({ paths: containerdPaths('/da"ta'), sandboxImage: 'x', streamPort: 1 });
  assert.ok(toml.includes('root = "/da\\"ta/agent/containerd/root"'));
});

test('socket path length is checked', () => {
  assert.doesNotThrow(() => checkSocketPath('/var/lib/kubelite/agent/containerd/containerd.sock'));
  const long = `/${'x'.repeat(90)}/agent/containerd/containerd.sock`;
  assert.throws(() => checkSocketPath(long), SocketPathTooLongError);
  assert.throws(() => containerdConfig({ paths: containerdPaths(`/${'x'.repeat(90)}`), sandboxImage: 'x', streamPort: 1 }), SocketPathTooLongError);
});

test('insecure registries: one hosts.toml each, plain HTTP; anything but HOST[:PORT] is refused', () => {
  const hosts = insecureRegistryHosts(['10.0.0.5:5000', 'registry.lan', '[fd00::1]:5000']);
  assert.deepEqual([...hosts.keys()], ['10.0.0.5:5000', 'registry.lan', '[fd00::1]:5000']);
  const toml = hosts.get('10.0.0.5:5000')!;
  assert.match(toml, /^server = "http:\/\/10\.0\.0\.5:5000"$/m);
  assert.match(toml, /^\[host\."http:\/\/10\.0\.0\.5:5000"\]\n {2}capabilities = \["pull", "resolve"\]$/m);
  for (const bad of ['http://r:5000', 'r:5000/path', '../etc', 'r:port', '']) assert.throws(() => insecureRegistryHosts([bad]), InvalidRegistryError, bad);
});
