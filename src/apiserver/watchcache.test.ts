import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeStored, entryFromKV } from './watchcache.js';

test('an entry made from bytes the registry encoded reuses its text and selectable fields', () => {
  const stored = '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"ns","labels":{"app":"web"}},"spec":{"nodeName":"n1"}}';
  const sel = { labels: { app: 'web' }, fields: { 'metadata.name': 'p', 'spec.nodeName': 'n1' } };
  const w = encodeStored(stored, sel);
  assert.equal(w.opts.handOver, true);
  const e = entryFromKV({ key: '/registry/core/pods/ns/p', value: w.value, createRevision: 7, modRevision: 9, memo: w.opts.memo }, 'ns/p');
  assert.equal(e.json, '{"apiVersion":"v1","kind":"Pod","metadata":{"resourceVersion":"9","name":"p","namespace":"ns","labels":{"app":"web"}},"spec":{"nodeName":"n1"}}');
  assert.equal(e.selectable!(() => assert.fail('no parse needed')), sel);
  // bytes from elsewhere (a store read) are decoded, and their fields computed from the object
  const other = entryFromKV({ key: '/registry/core/pods/ns/p', value: Buffer.from(stored), createRevision: 7, modRevision: 9 }, 'ns/p');
  assert.equal(other.json, e.json);
  assert.deepEqual(other.selectable!((o) => ({ 'spec.nodeName': String(o.spec?.nodeName) })), { labels: { app: 'web' }, fields: { 'spec.nodeName': 'n1' } });
});

test('objOnce: the parsed object when one is held, else a parse of its own that is not kept', () => {
  const stored = '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"ns"},"spec":{"nodeName":"n1"}}';
  const e = entryFromKV({ key: '/registry/core/pods/ns/p', value: Buffer.from(stored), createRevision: 7, modRevision: 9 }, 'ns/p');
  const once = e.objOnce();
  assert.deepEqual(once, JSON.parse(e.json));
  assert.notEqual(e.objOnce(), once, 'a one-time parse is not kept');
  const held = e.obj;
  assert.equal(e.obj, held);
  assert.equal(e.objOnce(), held, 'while the entry holds its parse, objOnce returns it');
});
