import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from './errors.js';
import { labelSelectorToString, parseLabelSelector, selectorFromLabelSelector } from './labels.js';

const L = { app: 'web', tier: 'fe', n: '7' };

test('parse and match', () => {
  const cases: [string, Record<string, string> | undefined, boolean][] = [
    ['', L, true], ['app=web', L, true], ['app==web', L, true], ['app=db', L, false], ['app!=db', L, true],
    ['missing!=x', L, true], ['app in (web,db)', L, true], ['app notin (web)', L, false], ['missing notin (a)', L, true],
    ['app', L, true], ['!app', L, false], ['!missing', L, true], ['n>5', L, true], ['n<5', L, false], ['app=web,tier=fe', L, true],
    ['app=web,tier=be', L, false], ['app=web', undefined, false], ['!app', undefined, true], ['app in (a, web )', L, true],
    ['app=', { app: '' }, true], ['app in ()', { app: '' }, true],
  ];
  for (const [s, labels, want] of cases) assert.equal(parseLabelSelector(s).matches(labels), want, s);
});

test('canonical string is sorted by key', () => {
  assert.equal(parseLabelSelector('tier=fe,app in (b,a),!x,y').toString(), 'app in (a,b),tier=fe,!x,y');
  assert.equal(parseLabelSelector('a!=b,c>3').toString(), 'a!=b,c>3');
  assert.equal(parseLabelSelector('').isEmpty(), true);
});

test('bad selectors are 400 with upstream wording', () => {
  const cases: [string, string][] = [
    ['app=web,', "found '', expected: identifier after ','"],
    ['app in web', "unable to parse requirement: found 'web' expected: '('"],
    ['app ~ web', "unable to parse requirement: found '~', expected: in, notin, =, ==, !=, gt, lt"],
    ['=web', "found '=', expected: !, identifier, or 'end of string'"],
    ['n>x', "unable to parse requirement: values[0]: Invalid value: \"x\": for 'Gt', 'Lt' operators, the value must be an integer"],
  ];
  for (const [s, msg] of cases) {
    assert.throws(() => parseLabelSelector(s), (e: unknown) => e instanceof ApiError && e.code === 400 && e.message === msg, s);
  }
  assert.throws(() => parseLabelSelector('a/b/c=x'), (e: unknown) => e instanceof ApiError && e.message.startsWith('unable to parse requirement: key: Invalid value: "a/b/c": a qualified name'));
});

test('metav1.LabelSelector conversion', () => {
  assert.equal(labelSelectorToString({ matchLabels: { app: 'web' } }), 'app=web');
  const s = selectorFromLabelSelector({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'dev'] }, { key: 'x', operator: 'DoesNotExist' }] });
  assert.equal(s.toString(), 'app=web,env in (dev,prod),!x');
  assert.equal(s.matches({ app: 'web', env: 'dev' }), true);
  assert.equal(s.matches({ app: 'web', env: 'dev', x: '1' }), false);
  assert.equal(selectorFromLabelSelector({}).matches({ a: 'b' }), true);
  assert.equal(selectorFromLabelSelector(undefined).matches({ a: 'b' }), false);
  assert.throws(() => selectorFromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Foo' }] }), /"Foo" is not a valid label selector operator/);
});
