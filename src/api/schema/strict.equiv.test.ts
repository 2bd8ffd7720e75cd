// The faster strict-decoding checks must report exactly what the original ones (strict.legacy.ts)
// report, in the same order, for valid, duplicate-laden, escaped and broken input.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GVK } from '../types.js';
import { findDuplicateFields, findTypeErrors, findUnknownFields, jsonHasNoDuplicateKeys } from './strict.js';
import { legacyFindDuplicateFields, legacyFindTypeErrors, legacyFindUnknownFields } from './strict.legacy.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const KEYS = ['a', 'b', 'name', 'image', 'x:y', 'k"q', 'é', 'spec', 'metadata', '__proto__', ''];
const STRINGS = ['v', 'busybox:1.36', 'a:b:c', 'quote"d', 'back\\slash', 'tab\there', 'ünï', '', '{"j":1}'];

/** A random JSON text, written by hand so it can repeat keys and vary whitespace and number forms. */
function randomJson(r: () => number, depth: number): string {
  const ws = (): string => [' ', '', '\n  ', '\t'][Math.floor(r() * 4)]!;
  const p = r();
  if (depth <= 0 || p < 0.3) {
    const q = r();
    if (q < 0.4) return JSON.stringify(STRINGS[Math.floor(r() * STRINGS.length)]);
    if (q < 0.55) return ['true', 'false', 'null'][Math.floor(r() * 3)]!;
    if (q < 0.6) return '1'.repeat(70);
    return ['0', '-12', '3.5', '1e5', '2E-3', '-0.25e+2', '7.'][Math.floor(r() * 7)]!;
  }
  if (p < 0.5) {
    const n = Math.floor(r() * 4);
    return `[${ws()}${Array.from({ length: n }, () => randomJson(r, depth - 1)).join(`,${ws()}`)}${ws()}]`;
  }
  const n = Math.floor(r() * 6);
  const members = Array.from({ length: n }, () => `${JSON.stringify(KEYS[Math.floor(r() * KEYS.length)])}${ws()}:${ws()}${randomJson(r, depth - 1)}`);
  return `{${ws()}${members.join(`,${ws()}`)}${ws()}}`;
}

test('findDuplicateFields matches the original scanner on random, escaped and broken texts', () => {
  const r = rng(7);
  const texts = [
    '{"kind":"Pod","metadata":{"name":"a","name":"b"},"spec":{"containers":[{"image":"x"},{"image":"y","image":"z"}]},"kind":"Pod"}',
    '{"a":{"b":1},"c":{"b":2},"s":"x\\"y"}',
    '{"a":"x:y","a:b":1}',
    '{"a\\u003a":1,"a:":2}',
    '{"a":1,"\\u0061":2}',
    '{a: 1, a: 2}',
    '{"a":1,"a":2,"b":tru}',
    '{"a":"raw\u0001ctl","a":1}',
    '{"a":"tab\there","a":1}',
    '{"t\tk":1,"t\tk":2}',
    '{"a":"tab\there","a":1}',
    '{"t\tk":1,"t\tk":2}',
    '',
    '[]',
  ];
  for (let i = 0; i < 3000; i++) {
    const t = randomJson(r, 4);
    texts.push(t);
    if (i % 10 === 0) texts.push(t.slice(0, Math.floor(r() * t.length)));
  }
  let proven = 0;
  for (const t of texts) {
    const dups = legacyFindDuplicateFields(t);
    assert.deepEqual(findDuplicateFields(t), dups, t);
    let parsed: unknown;
    try {
      parsed = JSON.parse(t);
    } catch {
      continue;
    }
    if (jsonHasNoDuplicateKeys(t, parsed)) {
      proven++;
      assert.deepEqual(dups, [], `proven free of duplicates: ${t}`);
    }
  }
  assert.ok(proven > 100, `the proof applies to ordinary texts (${proven})`);
});

const POD: GVK = { group: '', version: 'v1', kind: 'Pod' };
const DEP: GVK = { group: 'apps', version: 'v1', kind: 'Deployment' };
const SVC: GVK = { group: '', version: 'v1', kind: 'Service' };

const pod = () => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', labels: { a: 'b' }, annotations: { x: 'y' }, ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'n', uid: 'u' }] },
  spec: {
    containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80 }], env: [{ name: 'E', valueFrom: { fieldRef: { fieldPath: 'x' } } }], resources: { requests: { cpu: '1' } } }],
    volumes: [{ name: 'v', emptyDir: {} }],
    nodeSelector: { a: 'b' },
  },
  status: { phase: 'Running' },
});

const JUNK: unknown[] = ['s', 1, 1.5, true, null, [], {}, [1, 'x'], { q: 1 }];

/** Sprinkle unknown members and values of the wrong type through an object. */
function spoil(v: unknown, r: () => number): unknown {
  if (Array.isArray(v)) return v.map((x) => spoil(x, r));
  if (typeof v !== 'object' || v === null) return r() < 0.1 ? JUNK[Math.floor(r() * JUNK.length)] : v;
  const o: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) o[k] = r() < 0.08 ? JUNK[Math.floor(r() * JUNK.length)] : spoil(x, r);
  if (r() < 0.2) o[`bogus${Math.floor(r() * 3)}`] = JUNK[Math.floor(r() * JUNK.length)];
  return o;
}

test('findUnknownFields and findTypeErrors match the original walks', () => {
  const r = rng(11);
  const dep = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { replicas: 1, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: pod().spec } } };
  const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80, targetPort: 'http' }], selector: { a: 'b' } } };
  for (let i = 0; i < 400; i++) {
    for (const [gvk, base] of [[POD, pod()], [DEP, dep], [SVC, svc]] as const) {
      const o = i === 0 ? base : spoil(base, r);
      assert.deepEqual(findUnknownFields(gvk, o), legacyFindUnknownFields(gvk, o));
      assert.deepEqual(findTypeErrors(gvk, o), legacyFindTypeErrors(gvk, o));
    }
  }
});

test('findUnknownFields right after findTypeErrors on the same object (the decoder order) matches the original walk', () => {
  const r = rng(23);
  const dep = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { replicas: 1, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: pod().spec } } };
  const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80, targetPort: 'http' }], selector: { a: 'b' } } };
  const cr = { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'r', bogus: 1 }, data: { anything: { deep: 1 } }, revision: 1, extra: true };
  const CR: GVK = { group: 'apps', version: 'v1', kind: 'ControllerRevision' };
  let memoUsed = 0;
  for (let i = 0; i < 400; i++) {
    for (const [gvk, base] of [[POD, pod()], [DEP, dep], [SVC, svc], [CR, cr]] as const) {
      const o = i === 0 ? base : spoil(base, r);
      const typeErrs = findTypeErrors(gvk, o);
      assert.deepEqual(typeErrs, legacyFindTypeErrors(gvk, o));
      if (typeErrs.length === 0) memoUsed++;
      assert.deepEqual(findUnknownFields(gvk, o), legacyFindUnknownFields(gvk, o));
      // another object, or the same one again (the memo is used once): the full walk
      assert.deepEqual(findUnknownFields(gvk, o), legacyFindUnknownFields(gvk, o));
    }
  }
  assert.ok(memoUsed > 100, `objects without type errors: ${memoUsed}`);
  // a memo for one object is not taken for another of the same kind
  const a = pod();
  const b = { ...pod(), bogus: 1 };
  findTypeErrors(POD, a);
  assert.deepEqual(findUnknownFields(POD, b), ['bogus']);
});
