import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeK8sProtobuf } from './decode.js';
import { KUBECTL_FIXTURES } from './kubectl-fixtures.js';
import { EXPECTED_DECODED } from './kubectl-fixtures-expected.js';

const bytes = (b64: string): Uint8Array => new Uint8Array(Buffer.from(b64, 'base64'));

for (const [name, expected] of Object.entries(EXPECTED_DECODED)) {
  test(`decodes kubectl 1.32 bytes: ${name}`, () => {
    const fx = KUBECTL_FIXTURES[name as keyof typeof KUBECTL_FIXTURES];
    assert.equal(fx.contentType, 'application/vnd.kubernetes.protobuf');
    assert.deepEqual(decodeK8sProtobuf(bytes(fx.base64)), expected);
  });
}

test('decoded objects keep kind, apiVersion, metadata first like Go JSON', () => {
  const obj = decodeK8sProtobuf(bytes(KUBECTL_FIXTURES.deployment.base64));
  assert.deepEqual(Object.keys(obj), ['kind', 'apiVersion', 'metadata', 'spec', 'status']);
});

test('every captured kubectl fixture has an expected decoding', () => {
  assert.deepEqual(Object.keys(KUBECTL_FIXTURES).sort(), Object.keys(EXPECTED_DECODED).sort());
});
