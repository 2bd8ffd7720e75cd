// The pod network's CNI configuration: a bridge with host-local IPAM from the node's pod CIDR,
// the node as gateway with masquerading, and portmap for hostPort. containerd's CRI plugin
// brings up the loopback interface of every pod itself and reloads the conf dir on change.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const DEFAULT_BRIDGE = 'kubelite0';
export const CNI_CONF_FILE = '10-kubelite.conflist';

export function cniConfig(o: { podCIDR: string; bridge: string; ipamDataDir: string }): Record<string, unknown> {
  return {
    cniVersion: '0.4.0',
    name: 'kubelite',
    plugins: [
      {
        type: 'bridge',
        bridge: o.bridge,
        isGateway: true,
        ipMasq: true,
        hairpinMode: true,
        ipam: { type: 'host-local', ranges: [[{ subnet: o.podCIDR }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: o.ipamDataDir },
      },
      { type: 'portmap', capabilities: { portMappings: true }, snat: true },
    ],
  };
}

/** Writes the conflist atomically; returns false when it was already up to date. */
export function writeCniConfig(confDir: string, cfg: Record<string, unknown>): boolean {
  mkdirSync(confDir, { recursive: true });
  const path = join(confDir, CNI_CONF_FILE);
  const text = `${JSON.stringify(cfg, null, 2)}\n`;
  try {
    if (readFileSync(path, 'utf8') === text) return false;
  } catch {
    // not there yet
  }
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
  return true;
}
