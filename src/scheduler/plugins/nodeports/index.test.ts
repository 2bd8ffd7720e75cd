import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeNode, makePod, reasonsOf, runFilter } from '../../testing/builders.js';
import { newNodePorts } from './index.js';

const REASON = "node(s) didn't have free ports for the requested pod ports";
const withPorts = (name: string, ports: { hostPort: number; hostIP?: string; protocol?: string }[], nodeName?: string) =>
  makePod(name, { nodeName, spec: { containers: [{ name: 'c', ports: ports.map((p) => ({ containerPort: 80, ...p })) }] } });

test('NodePorts filter: hostIP and protocol semantics', () => {
  const node = makeNode('n');
  const cases: [string, ReturnType<typeof withPorts>[], ReturnType<typeof withPorts>, string][] = [
    ['free node', [], withPorts('p', [{ hostPort: 8080 }]), ''],
    ['same port, TCP default', [withPorts('e', [{ hostPort: 8080 }], 'n')], withPorts('p', [{ hostPort: 8080 }]), REASON],
    ['other port', [withPorts('e', [{ hostPort: 8080 }], 'n')], withPorts('p', [{ hostPort: 8081 }]), ''],
    ['other protocol', [withPorts('e', [{ hostPort: 53, protocol: 'UDP' }], 'n')], withPorts('p', [{ hostPort: 53 }]), ''],
    ['different IPs', [withPorts('e', [{ hostPort: 80, hostIP: '10.0.0.1' }], 'n')], withPorts('p', [{ hostPort: 80, hostIP: '10.0.0.2' }]), ''],
    ['wildcard wanted vs specific used', [withPorts('e', [{ hostPort: 80, hostIP: '10.0.0.1' }], 'n')], withPorts('p', [{ hostPort: 80 }]), REASON],
    ['specific wanted vs wildcard used', [withPorts('e', [{ hostPort: 80 }], 'n')], withPorts('p', [{ hostPort: 80, hostIP: '10.0.0.2' }]), REASON],
    ['no hostPort requested', [withPorts('e', [{ hostPort: 80 }], 'n')], makePod('p'), ''],
  ];
  for (const [name, existing, pod, want] of cases) assert.equal(reasonsOf(runFilter(newNodePorts(), pod, [node], existing)).n, want, name);
});
