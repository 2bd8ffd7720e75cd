import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeObject } from './decode.js';

const gvk = { group: '', version: 'v1', kind: 'ConfigMap' };
const decode = (text: string) => decodeObject(Buffer.from(text), 'application/json', gvk, 'Warn');

test('duplicate keys are found in bodies with escapes, and not reported when there are none', () => {
  // managedFields keys carry escaped quotes; a colon inside an escaped string is not a separator
  const mf = '"managedFields":[{"manager":"m","operation":"Update","fieldsType":"FieldsV1","fieldsV1":{"f:data":{"k:{\\"a\\":\\"b:c\\"}":{}}}}]';
  assert.deepEqual(decode(`{"metadata":{"name":"x",${mf}},"data":{"a":"x\\"y:z","b":"\\\\"}}`).warnings, []);
  assert.deepEqual(decode(`{"metadata":{"name":"x",${mf}},"data":{"a":"x\\"y:z","a":"\\\\"}}`).warnings, ['duplicate field "data.a"']);
  // the same key spelled two ways is a duplicate too
  assert.deepEqual(decode('{"metadata":{"name":"x"},"data":{"a/b":"1","a\\/b":"2"}}').warnings, ['duplicate field "data.a/b"']);
  assert.deepEqual(decode('{"metadata":{"name":"x"},"data":{"a":"\\u003a","\\u0061":"2"}}').warnings, ['duplicate field "data.a"']);
  assert.deepEqual(decode('{"metadata":{"name":"x"},"data":{"a":"\\u003a","b":"2"}}').warnings, []);
});
