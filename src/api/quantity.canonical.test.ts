// canonicalQuantity's shortcut for already-canonical strings must agree with the full
// parse + format on every input, valid or not.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalQuantity, formatQuantity, parseQuantity } from './quantity.js';

const outcome = (f: () => string): string => {
  try {
    return f();
  } catch (e) {
    return `error: ${(e as Error).message}`;
  }
};

test('canonicalQuantity equals formatQuantity(parseQuantity(s))', () => {
  const suffixes = ['', 'n', 'u', 'm', 'k', 'M', 'G', 'T', 'P', 'E', 'K', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'e3', 'i', 'mi'];
  const mantissas = ['0', '1', '7', '8', '10', '100', '1000', '1001', '10000', '123000', '1023', '1024', '1025', '2048', '8191', '8192', '999999999999999', '1000000000000000', '9007199254740993', '9223372036854775807', '8796093022207', '8796093022208', '01', '+1', '-1', '1.5', '.5', ''];
  const inputs = mantissas.flatMap((m) => suffixes.map((s) => m + s));
  let seed = 3;
  for (let i = 0; i < 20000; i++) {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    const digits = 1 + (seed % 17);
    seed = (seed * 1664525 + 1013904223) >>> 0;
    inputs.push(String(seed).repeat(3).slice(0, digits).replace(/^0+/, '') + suffixes[seed % suffixes.length]);
  }
  for (const s of inputs) assert.equal(outcome(() => canonicalQuantity(s)), outcome(() => formatQuantity(parseQuantity(s))), s);
});
