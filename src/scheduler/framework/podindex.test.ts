import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makePod, seededRng } from '../testing/builders.js';
import { PodInfo, termMatches } from './podinfo.js';
import { TermIndex, type TermEntry } from './podindex.js';

test('TermIndex.forCandidates finds every term that matches a pod, each once', () => {
  const rng = seededRng(11);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];
  const selectors = [
    { matchLabels: { app: 'a' } },
    { matchLabels: { app: 'b', tier: 'web' } },
    { matchExpressions: [{ key: 'app', operator: 'In', values: ['a', 'c'] }] },
    { matchExpressions: [{ key: 'tier', operator: 'Exists' }] },
    { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['a'] }] },
    { matchExpressions: [{ key: 'app', operator: 'In', values: ['a', 'b', 'c'] }, { key: 'tier', operator: 'In', values: ['db'] }] },
    {},
    { matchExpressions: [{ key: 'app', operator: 'In', values: [] }] },
  ];
  const idx = new TermIndex();
  const pods: PodInfo[] = [];
  for (let i = 0; i < 60; i++) {
    const sel = pick(selectors);
    const p = new PodInfo(
      makePod(`e${i}`, {
        nodeName: `n${i % 7}`,
        spec: { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: sel, topologyKey: 'kubernetes.io/hostname' }] } } },
      }),
    );
    pods.push(p);
    idx.update(p.requiredAntiAffinityTerms, { 'kubernetes.io/hostname': p.nodeName }, 1);
  }
  // take some away again (entries whose last pod leaves are dropped from the index)
  for (const p of pods.slice(0, 25)) idx.update(p.requiredAntiAffinityTerms, { 'kubernetes.io/hostname': p.nodeName }, -1);
  const labelSets: Record<string, string>[] = [{}, { app: 'a' }, { app: 'b' }, { app: 'b', tier: 'web' }, { app: 'c', tier: 'db' }, { tier: 'x' }, { other: 'y' }];
  for (const labels of labelSets) {
    const incoming = new PodInfo(makePod('in', { labels }));
    const all = [...idx.entries.values()].filter((e) => termMatches(e.term, incoming, {}));
    const seen: TermEntry[] = [];
    idx.forCandidates(incoming.labels, (e) => seen.push(e));
    assert.equal(new Set(seen).size, seen.length, 'each candidate once');
    const matched = seen.filter((e) => termMatches(e.term, incoming, {}));
    assert.deepEqual(new Set(matched), new Set(all), JSON.stringify(labels));
    for (const e of seen) assert.ok([...idx.entries.values()].includes(e), 'only live entries');
  }
});
