import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../../api/errors.js';
import { applyMergePatch } from './mergepatch.js';

// RFC 7386 appendix A (object-shaped targets/patches; array and scalar patches replace the doc).
const cases: [unknown, unknown, unknown][] = [
  [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
  [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
  [{ a: 'b' }, { a: null }, {}],
  [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
  [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
  [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
  [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
  [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
  [['a', 'b'], ['c', 'd'], ['c', 'd']],
  [{ a: 'b' }, ['c'], ['c']],
  [{ e: null }, { a: 1 }, { e: null, a: 1 }],
  [[1, 2], { a: 'b', c: null }, { a: 'b' }],
  [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
];

test('RFC 7386 examples', () => {
  for (const [doc, patch, want] of cases) {
    const before = JSON.stringify(doc);
    assert.deepEqual(applyMergePatch(doc, patch), want, `${JSON.stringify(doc)} + ${JSON.stringify(patch)}`);
    assert.equal(JSON.stringify(doc), before, 'input not mutated');
  }
});

test('kubectl label / scale bodies', () => {
  const pod = { metadata: { name: 'p', labels: { x: 'old', keep: '1' } }, spec: { replicas: 1 } };
  assert.deepEqual(applyMergePatch(pod, { metadata: { labels: { x: 'y' } } }), { metadata: { name: 'p', labels: { x: 'y', keep: '1' } }, spec: { replicas: 1 } });
  assert.deepEqual(applyMergePatch(pod, { metadata: { labels: { x: null } } }), { metadata: { name: 'p', labels: { keep: '1' } }, spec: { replicas: 1 } });
  assert.deepEqual((applyMergePatch(pod, { spec: { replicas: 3 } }) as any).spec, { replicas: 3 });
});

test('null or scalar patches are 400 Invalid JSON Patch', () => {
  for (const p of [null, 'x', 3, true]) {
    assert.throws(() => applyMergePatch({}, p), (e: unknown) => e instanceof ApiError && e.code === 400 && e.message === 'Invalid JSON Patch');
  }
});
