import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../../api/errors.js';
import { applyJsonPatch } from './jsonpatch.js';

const doc = () => ({ metadata: { name: 'p', labels: { a: '1' } }, spec: { list: [1, 2, 3], 'x/y': { '~t': 1 } } });

function rejects(fn: () => unknown, code: number, reason: string, cause?: RegExp): void {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ApiError, String(e));
    assert.equal(e.code, code);
    assert.equal(e.reason, reason);
    if (cause) assert.match(String((e as Error).cause), cause);
    return;
  }
  assert.fail('expected an ApiError');
}

test('add: object member, array insert, append, negative index', () => {
  const d = doc();
  const r = applyJsonPatch(d, [
    { op: 'add', path: '/metadata/labels/b', value: '2' },
    { op: 'add', path: '/spec/list/1', value: 9 },
    { op: 'add', path: '/spec/list/-', value: 4 },
    { op: 'add', path: '/spec/list/-1', value: 7 },
  ]) as any;
  assert.deepEqual(r.metadata.labels, { a: '1', b: '2' });
  assert.deepEqual(r.spec.list, [1, 9, 2, 3, 4, 7]); // -1 inserts before len+1, i.e. appends
  assert.deepEqual(d, doc(), 'input not mutated');
});

test('remove, replace, move, copy, test with ~0/~1 escapes', () => {
  const r = applyJsonPatch(doc(), [
    { op: 'test', path: '/spec/x~1y/~0t', value: 1 },
    { op: 'remove', path: '/spec/list/0' },
    { op: 'replace', path: '/metadata/labels/a', value: 'z' },
    { op: 'move', from: '/metadata/labels/a', path: '/metadata/labels/m' },
    { op: 'copy', from: '/spec/list', path: '/spec/copy' },
    { op: 'test', path: '/spec/copy', value: [2, 3] },
  ]) as any;
  assert.deepEqual(r.metadata.labels, { m: 'z' });
  assert.deepEqual(r.spec.list, [2, 3]);
  assert.deepEqual(r.spec.copy, [2, 3]);
  r.spec.copy.push(1);
  assert.deepEqual(r.spec.list, [2, 3], 'copy is deep');
});

test('replace of a missing member adds it (evanphx v4 behaviour)', () => {
  const r = applyJsonPatch(doc(), [{ op: 'replace', path: '/metadata/labels/new', value: 'v' }]) as any;
  assert.equal(r.metadata.labels.new, 'v');
});

test('failures are 422 Invalid with the upstream generic message', () => {
  rejects(() => applyJsonPatch(doc(), [{ op: 'test', path: '/metadata/name', value: 'q' }]), 422, 'Invalid', /testing value \/metadata\/name failed: test failed/);
  rejects(() => applyJsonPatch(doc(), [{ op: 'remove', path: '/metadata/nope' }]), 422, 'Invalid', /Unable to remove nonexistent key: nope/);
  rejects(() => applyJsonPatch(doc(), [{ op: 'add', path: '/missing/x', value: 1 }]), 422, 'Invalid', /doc is missing path: "\/missing\/x"/);
  rejects(() => applyJsonPatch(doc(), [{ op: 'add', path: '/spec/list/9', value: 1 }]), 422, 'Invalid', /invalid index/);
  rejects(() => applyJsonPatch(doc(), [{ op: 'replace', path: '/spec/list/5', value: 1 }]), 422, 'Invalid');
  rejects(() => applyJsonPatch(doc(), [{ op: 'move', from: '/nope', path: '/a' }]), 422, 'Invalid');
  rejects(() => applyJsonPatch(doc(), [{ op: 'copy', from: '/metadata/none', path: '/a' }]), 422, 'Invalid');
  rejects(() => applyJsonPatch(doc(), [{ op: 'frobnicate', path: '/a' }]), 422, 'Invalid', /Unexpected kind: frobnicate/);
  rejects(() => applyJsonPatch(doc(), [{ op: 'add', value: 1 }]), 422, 'Invalid', /missing path/);
  try {
    applyJsonPatch(doc(), [{ op: 'test', path: '/metadata/name', value: 'q' }]);
  } catch (e) {
    assert.equal((e as ApiError).message, 'the server rejected our request due to an error in our request');
  }
});

test('malformed bodies are 400, huge ones 413; null is a no-op', () => {
  rejects(() => applyJsonPatch(doc(), { op: 'add' }), 400, 'BadRequest');
  rejects(() => applyJsonPatch(doc(), ['add']), 400, 'BadRequest');
  rejects(() => applyJsonPatch(doc(), new Array(10001).fill({ op: 'test', path: '/metadata/name', value: 'p' })), 413, 'RequestEntityTooLarge');
  assert.deepEqual(applyJsonPatch(doc(), null), doc());
});

test('test op: null matches missing and null members', () => {
  assert.ok(applyJsonPatch({ a: null }, [{ op: 'test', path: '/a', value: null }, { op: 'test', path: '/b', value: null }]));
});

test('rollout-undo style replace of a whole subtree', () => {
  const r = applyJsonPatch(doc(), [{ op: 'replace', path: '/spec', value: { list: [] } }]) as any;
  assert.deepEqual(r.spec, { list: [] });
});
