import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeNode, makePod, reasonsOf, runFilter, runScore } from '../../testing/builders.js';
import { newNodeAffinity } from './index.js';

const REASON = "node(s) didn't match Pod's node affinity/selector";
const required = (...terms: unknown[]) => ({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } });
const expr = (key: string, operator: string, values?: string[]) => ({ matchExpressions: [{ key, operator, values }] });

test('NodeAffinity filter: nodeSelector, required terms and all operators', () => {
  const nodes = [makeNode('a', { labels: { zone: 'z1', gen: '3' } }), makeNode('b', { labels: { zone: 'z2', gen: '5' } }), makeNode('c')];
  const cases: [string, Record<string, unknown>, string[]][] = [
    ['no constraints', {}, ['a', 'b', 'c']],
    ['nodeSelector', { nodeSelector: { zone: 'z1' } }, ['a']],
    ['In', required(expr('zone', 'In', ['z1', 'z2'])), ['a', 'b']],
    ['NotIn matches nodes without the label', required(expr('zone', 'NotIn', ['z1'])), ['b', 'c']],
    ['Exists', required(expr('zone', 'Exists')), ['a', 'b']],
    ['DoesNotExist', required(expr('zone', 'DoesNotExist')), ['c']],
    ['Gt', required(expr('gen', 'Gt', ['4'])), ['b']],
    ['Lt', required(expr('gen', 'Lt', ['4'])), ['a']],
    ['terms are ORed', required(expr('zone', 'In', ['z1']), expr('gen', 'Gt', ['4'])), ['a', 'b']],
    ['requirements in a term are ANDed', required({ matchExpressions: [{ key: 'zone', operator: 'Exists' }, { key: 'gen', operator: 'Lt', values: ['4'] }] }), ['a']],
    ['matchFields metadata.name', required({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['c'] }] }), ['c']],
    ['nodeSelector and affinity both apply', { nodeSelector: { zone: 'z2' }, ...required(expr('gen', 'Lt', ['4'])) }, []],
    ['empty term list matches nothing', required(), []],
    ['invalid Gt value matches nothing', required(expr('gen', 'Gt', ['x'])), []],
  ];
  for (const [name, spec, fits] of cases) {
    const got = reasonsOf(runFilter(newNodeAffinity(), makePod('p', { spec }), nodes));
    const want = Object.fromEntries(['a', 'b', 'c'].map((n) => [n, fits.includes(n) ? '' : REASON]));
    assert.deepEqual(got, want, name);
  }
});

test('NodeAffinity score: sum of matching preferred weights, normalized to 100', () => {
  const nodes = [makeNode('a', { labels: { zone: 'z1', ssd: 'true' } }), makeNode('b', { labels: { zone: 'z1' } }), makeNode('c')];
  const spec = {
    affinity: {
      nodeAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 2, preference: expr('zone', 'In', ['z1']) },
          { weight: 6, preference: expr('ssd', 'Exists') },
        ],
      },
    },
  };
  assert.deepEqual(Object.fromEntries(runScore(newNodeAffinity(), makePod('p', { spec }), nodes)), { a: 100, b: 25, c: 0 });
});
