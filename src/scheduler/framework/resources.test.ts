import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computePodRequests, DEFAULT_MEMORY_REQUEST, DEFAULT_MILLI_CPU_REQUEST } from './resources.js';
import type { KubeObject } from '../../api/types.js';

const c = (cpu?: string, memory?: string, restartPolicy?: string) => ({
  name: 'x',
  restartPolicy,
  resources: { requests: { ...(cpu ? { cpu } : {}), ...(memory ? { memory } : {}) } },
});
const pod = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec });

test('effective requests with init containers, sidecars and overhead', () => {
  const cases: [string, Record<string, unknown>, number, number][] = [
    ['app containers add up', { containers: [c('100m', '1Gi'), c('200m', '1Gi')] }, 300, 2 * 2 ** 30],
    ['a bigger init container wins', { containers: [c('100m', '1Gi')], initContainers: [c('2', '512Mi')] }, 2000, 2 ** 30],
    ['init containers take the max, not the sum', { containers: [c('100m')], initContainers: [c('500m'), c('700m')] }, 700, 0],
    // sidecar 200m runs with the app (100m) => 300m; init after it: 500m + 200m = 700m
    ['sidecar adds to app and to later inits', { containers: [c('100m')], initContainers: [c('200m', undefined, 'Always'), c('500m')] }, 700, 0],
    ['init before the sidecar does not see it', { containers: [c('100m')], initContainers: [c('250m'), c('200m', undefined, 'Always')] }, 300, 0],
    ['two sidecars accumulate', { containers: [c('1')], initContainers: [c('100m', undefined, 'Always'), c('100m', undefined, 'Always')] }, 1200, 0],
    ['overhead is added', { containers: [c('100m', '100Mi')], overhead: { cpu: '50m', memory: '10Mi' } }, 150, 110 * 2 ** 20],
  ];
  for (const [name, spec, cpu, mem] of cases) {
    const r = computePodRequests(pod(spec));
    assert.equal(r.milliCpu, cpu, name);
    assert.equal(r.memory, mem, name);
  }
});

test('non-zero requests default missing cpu/memory per container; extended resources are scalar', () => {
  const r = computePodRequests(pod({ containers: [c(), { name: 'g', resources: { requests: { cpu: '0', 'example.com/gpu': '2' } } }] }));
  assert.equal(r.milliCpu, 0);
  assert.equal(r.nonZeroMilliCpu, DEFAULT_MILLI_CPU_REQUEST); // the explicit 0 stays 0
  assert.equal(r.nonZeroMemory, 2 * DEFAULT_MEMORY_REQUEST);
  assert.equal(r.scalar.get('example.com/gpu'), 2);
  assert.equal(r.isZero, false);
  assert.equal(computePodRequests(pod({ containers: [c()] })).isZero, true);
});
