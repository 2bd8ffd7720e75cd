import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeNode, makePod, reasonsOf, runFilter, runScore } from '../../testing/builders.js';
import { Code } from '../../framework/types.js';
import { newNodeResourcesFit } from './index.js';

test('NodeResourcesFit filter: requests against allocatable minus requested', () => {
  const node = makeNode('n', { cpu: '2', memory: '2Gi', pods: '2', extended: { 'example.com/gpu': '1' } });
  const on = (name: string, cpu: string, memory = '0') => makePod(name, { cpu, memory, nodeName: 'n' });
  const cases: [string, ReturnType<typeof makePod>, ReturnType<typeof makePod>[], string][] = [
    ['fits', makePod('p', { cpu: '1', memory: '1Gi' }), [on('a', '500m')], ''],
    ['exactly fits', makePod('p', { cpu: '1500m' }), [on('a', '500m')], ''],
    ['insufficient cpu', makePod('p', { cpu: '1600m' }), [on('a', '500m')], 'Insufficient cpu'],
    ['insufficient memory', makePod('p', { memory: '3Gi' }), [], 'Insufficient memory'],
    ['both, in upstream order', makePod('p', { cpu: '3', memory: '3Gi' }), [], 'Insufficient cpu; Insufficient memory'],
    ['too many pods', makePod('p', { cpu: '100m' }), [on('a', '100m'), on('b', '100m')], 'Too many pods'],
    ['zero-request pod only checks pod count', makePod('p'), [on('a', '2'), on('b', '0')], 'Too many pods'],
    ['zero-request pod fits a full node', makePod('p'), [on('a', '2')], ''],
    ['extended resource fits', makePod('p', { requests: { 'example.com/gpu': '1' } }), [], ''],
    ['extended resource insufficient', makePod('p', { requests: { 'example.com/gpu': '2' } }), [], 'Insufficient example.com/gpu'],
    ['unknown extended resource', makePod('p', { requests: { 'example.com/fpga': '1' } }), [], 'Insufficient example.com/fpga'],
    [
      'init container counts',
      makePod('p', { cpu: '100m', spec: { initContainers: [{ name: 'i', resources: { requests: { cpu: '1800m' } } }] } }),
      [on('a', '500m')],
      'Insufficient cpu',
    ],
    [
      'sidecar counts with app containers',
      makePod('p', { cpu: '1', spec: { initContainers: [{ name: 's', restartPolicy: 'Always', resources: { requests: { cpu: '600m' } } }] } }),
      [on('a', '500m')],
      'Insufficient cpu',
    ],
  ];
  for (const [name, pod, existing, want] of cases) {
    const got = runFilter(newNodeResourcesFit(), pod, [node], existing);
    assert.equal(reasonsOf(got).n, want, name);
    if (want) assert.equal(got.get('n')?.code, Code.Unschedulable, name);
  }
});

test('LeastAllocated score: free share after placing the pod (non-zero defaults for best-effort)', () => {
  const nodes = [makeNode('a', { cpu: '4', memory: '10000' }), makeNode('b', { cpu: '6', memory: '10000' })];
  const pod = makePod('p', { cpu: '3', memory: '5000' });
  const got = runScore(newNodeResourcesFit(), pod, nodes);
  // a: cpu (4000-3000)*100/4000 = 25, mem 50 => 37; b: cpu 50, mem 50 => 50
  assert.deepEqual([...got], [['a', 37], ['b', 50]]);
  const existing = [makePod('x', { cpu: '1', memory: '2500', nodeName: 'a' })];
  // a: cpu 0, mem (10000-7500)*100/10000 = 25 => 12
  assert.equal(runScore(newNodeResourcesFit(), pod, nodes, existing).get('a'), 12);
  // a best-effort pod counts as 100m / 200MiB
  const big = [makeNode('c', { cpu: '1', memory: '1000Mi' })];
  assert.equal(runScore(newNodeResourcesFit(), makePod('be'), big).get('c'), Math.trunc((90 + 80) / 2));
});
