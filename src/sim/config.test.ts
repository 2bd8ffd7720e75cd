import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveSimConfig, SimConfigError } from './config.js';
import { loadKubeconfig, parseKubeconfig, KubeconfigError } from '../client/kubeconfig.js';
import { parseDurationMs, parseSimArgs } from '../cli/sim.js';
import { microTime, nodeObject, newSimNode } from './nodes.js';

const rest = { server: 'https://127.0.0.1:6443', token: 't', caPem: 'x' };
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('sim config', () => {
  it('fills defaults and rejects bad values with clear messages', () => {
    const c = resolveSimConfig({ rest, nodes: 3 });
    assert.deepEqual([c.cpu, c.memory, c.pods, c.namePrefix, c.leaseIntervalMs, c.leaseDurationSeconds, c.concurrency], ['32', '256Gi', '110', 'sim-node-', 10_000, 40, 32]);
    assert.throws(() => resolveSimConfig({ rest, nodes: 0 }), SimConfigError);
    assert.throws(() => resolveSimConfig({ rest, nodes: 1, memory: '12 GB' }), /memory "12 GB" is not a quantity/);
    assert.throws(() => resolveSimConfig({ rest, nodes: 1, namePrefix: 'Bad_' }), /name prefix/);
  });

  it('builds a kubelet-like Node object', () => {
    const cfg = resolveSimConfig({ rest, nodes: 1, cpu: '4' });
    const n = newSimNode('sim-node-0', 0);
    const o = nodeObject(cfg, n, '2025-01-01T00:00:00Z');
    assert.equal(o.metadata.labels?.['kubelite.io/simulated'], 'true');
    assert.equal(o.metadata.labels?.['node.kubernetes.io/instance-type'], 'kubelite-sim');
    assert.equal(o.status.capacity.cpu, '4');
    assert.deepEqual(o.status.addresses, [{ type: 'InternalIP', address: '172.16.0.10' }, { type: 'Hostname', address: 'sim-node-0' }]);
    assert.deepEqual((o.status.conditions as { type: string; status: string }[]).map((c) => `${c.type}=${c.status}`), ['MemoryPressure=False', 'DiskPressure=False', 'PIDPressure=False', 'Ready=True']);
    assert.equal(o.spec.podCIDR, '10.42.0.0/24');
    assert.equal(microTime(Date.UTC(2025, 0, 1, 0, 0, 0, 123)), '2025-01-01T00:00:00.123000Z');
  });
});

describe('kubeconfig loader', () => {
  const yaml = (extra = '') => `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: https://10.0.0.1:6443/
${extra}
users:
- name: u
  user:
    token: tok
contexts:
- name: ctx
  context: {cluster: c, user: u}
current-context: ctx
`;
  it('reads server, CA data or file, and token of the current context', () => {
    const r = parseKubeconfig(yaml(`    certificate-authority-data: ${Buffer.from(PEM).toString('base64')}`), 'kc');
    assert.deepEqual(r, { server: 'https://10.0.0.1:6443', caPem: PEM, token: 'tok' });
    const dir = mkdtempSync(join(tmpdir(), 'kc-'));
    writeFileSync(join(dir, 'ca.crt'), PEM);
    writeFileSync(join(dir, 'config'), yaml('    certificate-authority: ca.crt'));
    assert.equal(loadKubeconfig(join(dir, 'config')).caPem, PEM);
  });

  it('explains what is wrong', () => {
    assert.throws(() => loadKubeconfig('/nonexistent/kc'), /kubeconfig \/nonexistent\/kc does not exist/);
    assert.throws(() => parseKubeconfig(yaml(), 'kc'), /neither certificate-authority-data nor certificate-authority/);
    assert.throws(() => parseKubeconfig('current-context: x\ncontexts: []\n', 'kc'), /context "x" not found/);
    assert.throws(() => parseKubeconfig(': : :', 'kc'), KubeconfigError);
  });
});

describe('kubelite sim flags', () => {
  it('parses flags and durations', () => {
    const p = parseSimArgs(['--nodes', '5', '--cpu', '8', '--lease-interval', '2s', '--delete-nodes-on-exit', '--kubeconfig', '/k'], {});
    assert.ok(p.ok);
    assert.deepEqual([p.cfg.nodes, p.cfg.cpu, p.cfg.leaseIntervalMs, p.cfg.deleteNodesOnExit, p.kubeconfig], [5, '8', 2000, true, '/k']);
    assert.equal(parseSimArgs(['--nodes', '1'], { KUBECONFIG: '/a:/b' }).ok && (parseSimArgs(['--nodes', '1'], { KUBECONFIG: '/a:/b' }) as { kubeconfig: string }).kubeconfig, '/a');
    assert.deepEqual(parseSimArgs([], {}), { ok: false, error: '--nodes is required' });
    assert.equal(parseSimArgs(['--nodes', 'x'], {}).ok, false);
    assert.equal(parseSimArgs(['--nodes', '1', '--bogus'], {}).ok, false);
    assert.equal(parseDurationMs('500ms'), 500);
    assert.equal(parseDurationMs('1m'), 60_000);
    assert.equal(parseDurationMs('10'), 10_000);
    assert.equal(parseDurationMs('0s'), undefined);
    assert.equal(parseDurationMs('ten'), undefined);
  });
});
