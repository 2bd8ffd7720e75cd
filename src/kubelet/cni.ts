// The pod network: a CNI bridge with host-local IPAM from the node's pod CIDR, the node as
// gateway, and portmap for hostPort (containerd's CRI plugin brings up the loopback interface of
// every pod itself and reloads the conf dir on change). The chain with portmap is in a conf dir of
// its own, used by the runtime handler of pods with hostPorts (HOSTPORT_RUNTIME_HANDLER): for the
// others portmap would only cost a plugin exec at every network setup and teardown. Both chains
// are the same network (name, bridge, IPAM store), so their pods share one address pool. Pod egress is masqueraded by one
// node-level rule for the pod CIDR, installed once at agent start (as flannel and k3s do), not by
// the bridge plugin's ipMasq, which adds a chain and three rules per pod and execs iptables eight
// times on every pod start and six on every deletion.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const DEFAULT_BRIDGE = 'kubelite0';
export const CNI_CONF_FILE = '10-kubelite.conflist';

export interface CniOptions {
  podCIDR: string;
  bridge: string;
  ipamDataDir: string;
  /** add portmap (the chain of pods with hostPorts) */
  hostPort?: boolean;
}

export function cniConfig(o: CniOptions): Record<string, unknown> {
  const portmap = { type: 'portmap', capabilities: { portMappings: true }, snat: true };
  return {
    cniVersion: '0.4.0',
    name: 'kubelite',
    plugins: [
      {
        type: 'bridge',
        bridge: o.bridge,
        isGateway: true,
        // egress NAT: ensurePodMasquerade, once per node
        ipMasq: false,
        hairpinMode: true,
        ipam: { type: 'host-local', ranges: [[{ subnet: o.podCIDR }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: o.ipamDataDir },
      },
      ...(o.hostPort ? [portmap] : []),
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

/** Writes the pod network's two chains: without portmap (default handler) and with it (pods with hostPorts). */
export function writeCniConfigs(dirs: { cniConfDir: string; cniHostPortConfDir: string }, o: Omit<CniOptions, 'hostPort'>): void {
  writeCniConfig(dirs.cniConfDir, cniConfig(o));
  writeCniConfig(dirs.cniHostPortConfDir, cniConfig({ ...o, hostPort: true }));
}

/** The nat chain that masquerades the egress of one pod CIDR (28 characters at most). */
export function masqChain(podCIDR: string): string {
  return `KUBELITE-MASQ-${createHash('sha256').update(podCIDR).digest('hex').slice(0, 12).toUpperCase()}`;
}

/** The comment of the POSTROUTING jump: the bridge and CIDR it was made for, read back by staleMasquerades. */
export function masqComment(bridge: string, podCIDR: string): string {
  return `kubelite pod egress: ${bridge} ${podCIDR}`;
}

/** POSTROUTING -s <pod CIDR> -> the chain (what the bridge plugin's per-pod jump did, for the whole CIDR) */
export function masqJump(bridge: string, podCIDR: string): string[] {
  return ['-s', podCIDR, '-m', 'comment', '--comment', masqComment(bridge, podCIDR), '-j', masqChain(podCIDR)];
}

/**
 * The chain's rules, as the bridge plugin's ipMasq has them per pod: traffic to the pod network
 * and multicast keeps its source; everything else leaving the node is masqueraded.
 */
export function masqRules(podCIDR: string): string[][] {
  return [
    ['-d', podCIDR, '-j', 'RETURN'],
    ['-d', '224.0.0.0/4', '-j', 'RETURN'],
    ['-j', 'MASQUERADE'],
  ];
}

export interface MasqueradeEntry {
  bridge: string;
  podCIDR: string;
  chain: string;
}

/** kubelite's jumps in `iptables -t nat -S POSTROUTING` output. */
export function parseMasquerades(postrouting: string): MasqueradeEntry[] {
  const out: MasqueradeEntry[] = [];
  for (const line of postrouting.split('\n')) {
    const m = /^-A POSTROUTING .*--comment "?kubelite pod egress: (\S+) (\d+\.\d+\.\d+\.\d+\/\d+)"? .*-j (KUBELITE-MASQ-[0-9A-F]+)\s*$/.exec(line.trim());
    if (m) out.push({ bridge: m[1]!, podCIDR: m[2]!, chain: m[3]! });
  }
  return out;
}

/**
 * The entries to remove: another CIDR on our bridge (the node got a new pod CIDR), or a bridge
 * that no longer exists (an agent of a removed data dir, a test's node); ours is kept.
 */
export function staleMasquerades(entries: MasqueradeEntry[], bridge: string, podCIDR: string, bridgeExists: (name: string) => boolean): MasqueradeEntry[] {
  return entries.filter((e) => !(e.bridge === bridge && e.podCIDR === podCIDR) && (e.bridge === bridge || !bridgeExists(e.bridge)));
}

/** `iptables -t nat -S <chain>` lists exactly masqRules. */
export function sameRules(listed: string, chain: string, podCIDR: string): boolean {
  const have = listed.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('-A '));
  const want = masqRules(podCIDR).map((r) => `-A ${chain} ${r.join(' ')}`);
  return have.length === want.length && have.every((l, i) => l === want[i]);
}

function iptables(bin: string, args: string[]): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(bin, ['-w', ...args], { timeout: 30_000 }, (err, stdout, stderr) => resolve({ ok: !err, stdout, stderr }));
  });
}

export class MasqueradeError extends Error {}

/**
 * Installs the node's pod egress masquerade for podCIDR (idempotent: the chain is rewritten, the
 * jump added once) and removes stale ones. Kept when the agent stops: its pods keep running and
 * keep their egress, as the bridge plugin's per-pod rules did.
 */
export async function ensurePodMasquerade(o: { podCIDR: string; bridge: string; iptablesBin?: string }): Promise<void> {
  const bin = o.iptablesBin ?? 'iptables';
  const chain = masqChain(o.podCIDR);
  const listed = await iptables(bin, ['-t', 'nat', '-S', 'POSTROUTING']);
  if (!listed.ok) throw new MasqueradeError(`iptables -t nat -S POSTROUTING: ${listed.stderr.trim()}`);
  const entries = parseMasquerades(listed.stdout);
  const stale = staleMasquerades(entries, o.bridge, o.podCIDR, (b) => existsSync(`/sys/class/net/${b}`));
  const kept = entries.filter((e) => !stale.includes(e));
  for (const e of stale) await iptables(bin, ['-t', 'nat', '-D', 'POSTROUTING', ...masqJump(e.bridge, e.podCIDR)]);
  for (const c of new Set(stale.map((e) => e.chain))) {
    if (c === chain || kept.some((e) => e.chain === c)) continue;
    await iptables(bin, ['-t', 'nat', '-F', c]);
    await iptables(bin, ['-t', 'nat', '-X', c]);
  }
  const steps: string[][] = [];
  // an agent restart finds the chain as it wants it: left alone, running pods' egress never stops
  const current = await iptables(bin, ['-t', 'nat', '-S', chain]);
  if (!current.ok || !sameRules(current.stdout, chain, o.podCIDR)) {
    if (!current.ok) steps.push(['-t', 'nat', '-N', chain]);
    steps.push(['-t', 'nat', '-F', chain], ...masqRules(o.podCIDR).map((r) => ['-t', 'nat', '-A', chain, ...r]));
  }
  if (!entries.some((e) => e.bridge === o.bridge && e.podCIDR === o.podCIDR)) steps.push(['-t', 'nat', '-A', 'POSTROUTING', ...masqJump(o.bridge, o.podCIDR)]);
  for (const args of steps) {
    const r = await iptables(bin, args);
    if (!r.ok) throw new MasqueradeError(`iptables ${args.join(' ')}: ${r.stderr.trim()}`);
  }
}

/** Removes the node's pod egress masquerade for podCIDR on bridge (a node taken down for good, a test's teardown). */
export async function removePodMasquerade(o: { podCIDR: string; bridge: string; iptablesBin?: string }): Promise<void> {
  const bin = o.iptablesBin ?? 'iptables';
  await iptables(bin, ['-t', 'nat', '-D', 'POSTROUTING', ...masqJump(o.bridge, o.podCIDR)]);
  await iptables(bin, ['-t', 'nat', '-F', masqChain(o.podCIDR)]);
  await iptables(bin, ['-t', 'nat', '-X', masqChain(o.podCIDR)]);
}
