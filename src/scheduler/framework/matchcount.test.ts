import assert from 'node:assert/strict';
import { test } from 'node:test';
import { selectorFromLabelSelector, type LabelSelector } from '../../api/labels.js';
import { makeNode, makePod, seededRng } from '../testing/builders.js';
import { Snapshot } from './snapshot.js';

/** countPodsMatchSelector by walking every pod of every node. */
function walk(s: Snapshot, ns: string, sel: LabelSelector): Map<string, number> {
  const out = new Map<string, number>();
  for (const ni of s.nodes) {
    for (const p of ni.pods) {
      if (p.namespace === ns && !p.terminating && sel.matches(p.labels)) out.set(ni.name, (out.get(ni.name) ?? 0) + 1);
    }
  }
  return out;
}

function followed(s: Snapshot, ns: string, sel: LabelSelector): Map<string, number> {
  const m = s.matchingPodsByNode(ns, sel);
  assert.ok(m, 'a non-empty selector is followed');
  return new Map([...m].map(([ni, n]) => [ni.name, n]));
}

test('followed per-node match counts equal a walk over the pods through adds, updates, removals, terminations and node churn', () => {
  const rnd = seededRng(7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const nodes = ['a', 'b', 'c', 'd'];
  const s = Snapshot.fromLists(nodes.map((n) => makeNode(n)), []);
  const selectors = [
    { ns: 'default', sel: selectorFromLabelSelector({ matchLabels: { app: 'x' } }) },
    { ns: 'default', sel: selectorFromLabelSelector({ matchExpressions: [{ key: 'app', operator: 'In', values: ['x', 'y'] }, { key: 'tier', operator: 'Exists' }] }) },
    { ns: 'other', sel: selectorFromLabelSelector({ matchLabels: { app: 'y' } }) },
  ];
  // the first selector is followed from the start, the others from the middle on
  followed(s, selectors[0].ns, selectors[0].sel);
  for (let step = 0; step < 600; step++) {
    const name = `p${Math.floor(rnd() * 40)}`;
    const ns = pick(['default', 'other']);
    const r = rnd();
    if (r < 0.55) {
      const labels: Record<string, string> = { app: pick(['x', 'y', 'z']) };
      if (rnd() < 0.5) labels.tier = 'web';
      const pod = makePod(name, { namespace: ns, labels, nodeName: pick([...nodes, 'e']) });
      if (rnd() < 0.15) pod.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
      s.upsertPod(pod);
    } else if (r < 0.85) s.removePod(`${ns}-${name}`);
    else if (r < 0.93) s.removeNode(pick(nodes));
    else s.upsertNode(makeNode(pick([...nodes, 'e'])));
    const check = step < 300 ? selectors.slice(0, 1) : selectors;
    for (const { ns: n, sel } of check) assert.deepEqual(followed(s, n, sel), walk(s, n, sel), `step ${step}`);
  }
});

test('empty and match-nothing selectors are not followed', () => {
  const s = Snapshot.fromLists([makeNode('a')], []);
  assert.equal(s.matchingPodsByNode('default', selectorFromLabelSelector({})), undefined);
  assert.equal(s.matchingPodsByNode('default', selectorFromLabelSelector(null)), undefined);
});
