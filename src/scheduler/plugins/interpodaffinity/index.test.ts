import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeNode, makePod, reasonsOf, runFilter, runScore } from '../../testing/builders.js';
import { handleOf, staticLister } from '../../framework/lister.js';
import type { KubeObject } from '../../../api/types.js';
import { newInterPodAffinity } from './index.js';

const ZONE = 'topology.kubernetes.io/zone';
const HOST = 'kubernetes.io/hostname';
const term = (labels: Record<string, string>, topologyKey: string, extra: Record<string, unknown> = {}) => ({ labelSelector: { matchLabels: labels }, topologyKey, ...extra });
const affinity = (kind: 'podAffinity' | 'podAntiAffinity', ...terms: unknown[]) => ({ affinity: { [kind]: { requiredDuringSchedulingIgnoredDuringExecution: terms } } });
const nodes = [makeNode('a', { labels: { [ZONE]: 'z1' } }), makeNode('b', { labels: { [ZONE]: 'z1' } }), makeNode('c', { labels: { [ZONE]: 'z2' } })];
const plugin = (objects: KubeObject[] = []) => newInterPodAffinity(handleOf(staticLister(objects)));

const AFF = "node(s) didn't match pod affinity rules";
const ANTI = "node(s) didn't match pod anti-affinity rules";
const EXISTING = "node(s) didn't satisfy existing pods anti-affinity rules";

test('InterPodAffinity filter', () => {
  const db = makePod('db', { labels: { app: 'db' }, nodeName: 'a' });
  const cases: [string, KubeObject, KubeObject[], Record<string, string>][] = [
    ['affinity to a zone', makePod('p', { spec: affinity('podAffinity', term({ app: 'db' }, ZONE)) }), [db], { a: '', b: '', c: AFF }],
    ['affinity to a host', makePod('p', { spec: affinity('podAffinity', term({ app: 'db' }, HOST)) }), [db], { a: '', b: AFF, c: AFF }],
    ['affinity with no matching pod fails', makePod('p', { spec: affinity('podAffinity', term({ app: 'x' }, ZONE)) }), [db], { a: AFF, b: AFF, c: AFF }],
    [
      'first pod of a self-affine group may go anywhere',
      makePod('p', { labels: { app: 'web' }, spec: affinity('podAffinity', term({ app: 'web' }, ZONE)) }),
      [db],
      { a: '', b: '', c: '' },
    ],
    ['other namespace does not count', makePod('p', { namespace: 'other', spec: affinity('podAffinity', term({ app: 'db' }, ZONE)) }), [db], { a: AFF, b: AFF, c: AFF }],
    [
      'namespaces list',
      makePod('p', { namespace: 'other', spec: affinity('podAffinity', term({ app: 'db' }, ZONE, { namespaces: ['default'] })) }),
      [db],
      { a: '', b: '', c: AFF },
    ],
    [
      'empty namespaceSelector means all namespaces',
      makePod('p', { namespace: 'other', spec: affinity('podAffinity', term({ app: 'db' }, ZONE, { namespaceSelector: {} })) }),
      [db],
      { a: '', b: '', c: AFF },
    ],
    ['anti-affinity per zone', makePod('p', { spec: affinity('podAntiAffinity', term({ app: 'db' }, ZONE)) }), [db], { a: ANTI, b: ANTI, c: '' }],
    ['anti-affinity per host', makePod('p', { spec: affinity('podAntiAffinity', term({ app: 'db' }, HOST)) }), [db], { a: ANTI, b: '', c: '' }],
    [
      "existing pod's anti-affinity",
      makePod('p', { labels: { app: 'web' } }),
      [makePod('e', { nodeName: 'c', spec: affinity('podAntiAffinity', term({ app: 'web' }, ZONE)) })],
      { a: '', b: '', c: EXISTING },
    ],
    [
      'node without the topology key fails affinity',
      makePod('p', { spec: affinity('podAffinity', term({ app: 'db' }, 'rack')) }),
      [db],
      { a: AFF, b: AFF, c: AFF },
    ],
  ];
  for (const [name, pod, existing, want] of cases) assert.deepEqual(reasonsOf(runFilter(plugin(), pod, nodes, existing)), want, name);
});

test('InterPodAffinity namespaceSelector uses namespace labels', () => {
  const ns = (name: string, labels: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
  const objects = [ns('default', { team: 'a' }), ns('other', { team: 'b' })];
  const db = makePod('db', { labels: { app: 'db' }, nodeName: 'a' });
  const pod = makePod('p', { namespace: 'other', spec: affinity('podAffinity', term({ app: 'db' }, HOST, { namespaceSelector: { matchLabels: { team: 'a' } } })) });
  assert.deepEqual(reasonsOf(runFilter(plugin(objects), pod, nodes, [db])), { a: '', b: AFF, c: AFF });
  // existing pod's anti-affinity selecting namespaces by label
  const e = makePod('e', { nodeName: 'b', spec: affinity('podAntiAffinity', term({ app: 'web' }, HOST, { namespaceSelector: { matchLabels: { team: 'b' } } })) });
  const web = (namespace: string) => makePod('w', { namespace, labels: { app: 'web' } });
  assert.deepEqual(reasonsOf(runFilter(plugin(objects), web('other'), nodes, [e])), { a: '', b: EXISTING, c: '' });
  assert.deepEqual(reasonsOf(runFilter(plugin(objects), web('default'), nodes, [e])), { a: '', b: '', c: '' });
});

test('InterPodAffinity score: preferred terms both ways', () => {
  const db = makePod('db', { labels: { app: 'db' }, nodeName: 'a' });
  const preferred = {
    affinity: {
      podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, podAffinityTerm: term({ app: 'db' }, ZONE) }] },
      podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 5, podAffinityTerm: term({ app: 'db' }, HOST) }] },
    },
  };
  // a: 10 - 5 = 5, b: 10, c: 0 => normalized (s - 0) * 100 / 10
  assert.deepEqual(Object.fromEntries(runScore(plugin(), makePod('p', { spec: preferred }), nodes, [db])), { a: 50, b: 100, c: 0 });
  // an existing pod's preferred anti-affinity against the incoming pod pushes it away
  const e = makePod('e', {
    nodeName: 'c',
    spec: { affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 3, podAffinityTerm: term({ app: 'web' }, ZONE) }] } } },
  });
  assert.deepEqual(Object.fromEntries(runScore(plugin(), makePod('w', { labels: { app: 'web' } }), nodes, [e])), { a: 100, b: 100, c: 0 });
  // an existing pod's required affinity attracts with the hard weight
  const r = makePod('r', { nodeName: 'b', spec: affinity('podAffinity', term({ app: 'web' }, HOST)) });
  assert.deepEqual(Object.fromEntries(runScore(plugin(), makePod('w', { labels: { app: 'web' } }), nodes, [r])), { a: 0, b: 100, c: 0 });
});
