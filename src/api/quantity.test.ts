import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  canonicalQuantity,
  compareQuantities,
  ERR_QUANTITY_FORMAT,
  ERR_QUANTITY_SUFFIX,
  formatQuantity,
  isValidQuantity,
  parseQuantity,
  quantityMilliValue,
  quantityValue,
} from './quantity.js';

test('canonical form', () => {
  const cases: [string | number, string][] = [
    ['500m', '500m'], ['0.5', '500m'], ['1', '1'], [1, '1'], [0.5, '500m'], ['256Mi', '256Mi'], ['1Gi', '1Gi'],
    ['1.5Gi', '1536Mi'], ['1e3', '1e3'], ['1.5e3', '1500'], ['100k', '100k'], ['2Ki', '2Ki'], ['1000', '1k'],
    ['1500', '1500'], ['0.1', '100m'], ['1000m', '1'], ['0', '0'], ['0Mi', '0'], ['-500m', '-500m'], ['512', '512'],
    ['0.5Gi', '512Mi'], ['1024', '1024'], ['1Mi', '1Mi'], ['1E', '1E'], ['10E', '10E'], ['1n', '1n'], ['0.0000000001', '1n'],
    ['+1', '1'], ['1200M', '1200M'], ['1.5', '1500m'], ['100Gi', '100Gi'], ['5e-3', '5e-3'], ['12e6', '12e6'],
  ];
  for (const [input, want] of cases) assert.equal(canonicalQuantity(input), want, `canonical(${input})`);
});

test('invalid quantities carry upstream messages', () => {
  for (const bad of ['', 'abc', '1.2.3', '1x', '1 Gi', '1Qi']) {
    assert.equal(isValidQuantity(bad), false, bad);
    assert.throws(() => parseQuantity(bad), { message: ERR_QUANTITY_FORMAT }, bad);
  }
  assert.throws(() => parseQuantity('--1'), { message: ERR_QUANTITY_SUFFIX });
  assert.throws(() => parseQuantity('Mi'), { message: 'unable to parse numeric part of quantity' });
  assert.throws(() => parseQuantity('1mm'), { message: ERR_QUANTITY_SUFFIX });
  assert.equal(ERR_QUANTITY_FORMAT, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
});

test('compare and accessors are exact', () => {
  assert.equal(compareQuantities('500m', '0.5'), 0);
  assert.equal(compareQuantities('1Gi', '1G'), 1);
  assert.equal(compareQuantities('100m', '1'), -1);
  assert.equal(quantityMilliValue(parseQuantity('1.5')), 1500n);
  assert.equal(quantityValue(parseQuantity('100m')), 1n); // rounds up
  assert.equal(quantityValue(parseQuantity('8Ei')), 9223372036854775807n); // capped at int64
  assert.equal(quantityValue(parseQuantity('64Pi')), 72057594037927936n);
  assert.equal(formatQuantity(parseQuantity('2048Ki')), '2Mi');
});
