// EndpointSlice defaults and validation, in upstream's field paths and wording.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyDefaults } from '../defaults/index.js';
import type { GVK, KubeObject } from '../types.js';
import { validateObject } from './index.js';

const GVK_SLICE: GVK = { group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice' };

function check(obj: KubeObject, old?: KubeObject): string[] {
  applyDefaults(GVK_SLICE, obj);
  return validateObject(GVK_SLICE, obj, old).map((e) => `${e.field}: ${e.detailMessage()}`);
}

const slice = (o: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: 'web-abcde', namespace: 'default' },
  addressType: 'IPv4',
  endpoints: [{ addresses: ['10.42.0.5'], conditions: { ready: true }, nodeName: 'node-0' }],
  ports: [{ port: 8080 }],
  ...o,
});

test('a valid slice; ports default to name "" and protocol TCP', () => {
  const s = slice();
  assert.deepEqual(check(s), []);
  assert.deepEqual(s.ports, [{ name: '', port: 8080, protocol: 'TCP' }]);
});

test('bad slices are refused with the field path', () => {
  const cases: [Record<string, unknown>, string[]][] = [
    [{ addressType: undefined }, ['addressType: Required value']],
    [{ addressType: 'IPv5' }, ['addressType: Unsupported value: "IPv5": supported values: "FQDN", "IPv4", "IPv6"']],
    [{ endpoints: [{ addresses: [] }] }, ['endpoints[0].addresses: Required value: must contain at least 1 address']],
    [{ endpoints: [{ addresses: ['fe80::1'] }] }, ['endpoints[0].addresses[0]: Invalid value: "fe80::1": must be a valid IPv4 address']],
    [{ addressType: 'IPv6', endpoints: [{ addresses: ['10.0.0.1'] }] }, ['endpoints[0].addresses[0]: Invalid value: "10.0.0.1": must be a valid IPv6 address']],
    [{ ports: [{ name: 'a', port: 1 }, { name: 'a', port: 2 }] }, ['ports[1].name: Duplicate value: "a"']],
    [{ ports: [{ port: 1, protocol: 'ICMP' }] }, ['ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"']],
    [{ endpoints: Array.from({ length: 1001 }, () => ({ addresses: ['10.0.0.1'] })) }, ['endpoints: Too many: 1001: must have at most 1000 items']],
  ];
  for (const [o, want] of cases) assert.deepEqual(check(slice(o)), want, JSON.stringify(o).slice(0, 80));
});

test('addressType is immutable', () => {
  const old = slice();
  check(old);
  const next = slice({ addressType: 'IPv6', endpoints: [] });
  assert.deepEqual(check(next, old), ['addressType: Invalid value: "IPv6": field is immutable']);
});
