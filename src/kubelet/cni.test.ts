import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cniConfig, CNI_CONF_FILE, writeCniConfigs, masqChain, masqJump, masqRules, parseMasquerades, sameRules, staleMasquerades } from './cni.js';

test('the bridge plugin does not masquerade per pod: one node-level rule does', () => {
  const cfg = cniConfig({ podCIDR: '10.42.0.0/24', bridge: 'kubelite0', ipamDataDir: '/d', hostPort: true }) as { plugins: { type: string; ipMasq?: boolean; snat?: boolean }[] };
  assert.deepEqual(cfg.plugins.map((p) => p.type), ['bridge', 'portmap']);
  assert.equal(cfg.plugins[0]!.ipMasq, false);
  assert.equal(cfg.plugins[1]!.snat, true);
});

test('two chains of one network: portmap only in the hostPort conf dir, the same name, bridge and IPAM store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubelite-cni-'));
  try {
    const dirs = { cniConfDir: join(dir, 'net.d'), cniHostPortConfDir: join(dir, 'net.d-hostport') };
    writeCniConfigs(dirs, { podCIDR: '10.42.0.0/24', bridge: 'kubelite0', ipamDataDir: '/d' });
    type Conf = { name: string; plugins: { type: string }[] };
    const plain = JSON.parse(readFileSync(join(dirs.cniConfDir, CNI_CONF_FILE), 'utf8')) as Conf;
    const hostPort = JSON.parse(readFileSync(join(dirs.cniHostPortConfDir, CNI_CONF_FILE), 'utf8')) as Conf;
    assert.deepEqual(plain.plugins.map((p) => p.type), ['bridge']);
    assert.deepEqual(hostPort.plugins.map((p) => p.type), ['bridge', 'portmap']);
    // host-local keeps its leases under <dataDir>/<network name>: one name, one address pool
    assert.equal(plain.name, hostPort.name);
    assert.deepEqual(plain.plugins[0], hostPort.plugins[0]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('masquerade chain: per pod CIDR, a valid iptables chain name, the bridge plugin ipMasq rules', () => {
  const chain = masqChain('10.42.0.0/24');
  assert.match(chain, /^KUBELITE-MASQ-[0-9A-F]{12}$/);
  assert.ok(chain.length <= 28);
  assert.equal(masqChain('10.42.0.0/24'), chain);
  assert.notEqual(masqChain('10.42.1.0/24'), chain);
  assert.deepEqual(masqRules('10.42.0.0/24'), [
    ['-d', '10.42.0.0/24', '-j', 'RETURN'],
    ['-d', '224.0.0.0/4', '-j', 'RETURN'],
    ['-j', 'MASQUERADE'],
  ]);
  assert.deepEqual(masqJump('kubelite0', '10.42.0.0/24'), ['-s', '10.42.0.0/24', '-m', 'comment', '--comment', 'kubelite pod egress: kubelite0 10.42.0.0/24', '-j', chain]);
});

test('reads its jumps back from iptables -S and finds the stale ones', () => {
  const a = masqChain('10.42.0.0/24');
  const b = masqChain('10.42.7.0/24');
  const c = masqChain('10.42.9.0/24');
  const listed = [
    '-P POSTROUTING ACCEPT',
    '-A POSTROUTING -m comment --comment "CNI portfwd requiring masquerade" -j CNI-HOSTPORT-MASQ',
    `-A POSTROUTING -s 10.42.0.0/24 -m comment --comment "kubelite pod egress: kubelite0 10.42.0.0/24" -j ${a}`,
    `-A POSTROUTING -s 10.42.7.0/24 -m comment --comment "kubelite pod egress: kubelite0 10.42.7.0/24" -j ${b}`,
    `-A POSTROUTING -s 10.42.9.0/24 -m comment --comment "kubelite pod egress: klgone 10.42.9.0/24" -j ${c}`,
    `-A POSTROUTING -s 10.42.9.0/24 -m comment --comment "kubelite pod egress: klthere 10.42.9.0/24" -j ${c}`,
  ].join('\n');
  const entries = parseMasquerades(listed);
  assert.deepEqual(entries, [
    { bridge: 'kubelite0', podCIDR: '10.42.0.0/24', chain: a },
    { bridge: 'kubelite0', podCIDR: '10.42.7.0/24', chain: b },
    { bridge: 'klgone', podCIDR: '10.42.9.0/24', chain: c },
    { bridge: 'klthere', podCIDR: '10.42.9.0/24', chain: c },
  ]);
  // ours kept; the old CIDR of our bridge and a bridge that is gone are stale; another live bridge is not ours to touch
  const stale = staleMasquerades(entries, 'kubelite0', '10.42.0.0/24', (b) => b !== 'klgone');
  assert.deepEqual(stale.map((e) => `${e.bridge} ${e.podCIDR}`), ['kubelite0 10.42.7.0/24', 'klgone 10.42.9.0/24']);
  // our own bridge before its first pod (the bridge plugin makes it) is not stale
  assert.deepEqual(staleMasquerades(entries.slice(0, 1), 'kubelite0', '10.42.0.0/24', () => false), []);
});

test('an agent restart leaves a chain as it wants it alone', () => {
  const chain = masqChain('10.42.0.0/24');
  const good = [`-N ${chain}`, `-A ${chain} -d 10.42.0.0/24 -j RETURN`, `-A ${chain} -d 224.0.0.0/4 -j RETURN`, `-A ${chain} -j MASQUERADE`, ''].join('\n');
  assert.equal(sameRules(good, chain, '10.42.0.0/24'), true);
  assert.equal(sameRules(`-N ${chain}\n`, chain, '10.42.0.0/24'), false);
  assert.equal(sameRules(good.replace(' -j MASQUERADE', ' -j RETURN'), chain, '10.42.0.0/24'), false);
  assert.equal(sameRules(`${good}-A ${chain} -j MASQUERADE\n`, chain, '10.42.0.0/24'), false);
});
