// Live check against the real kubectl: capture fresh request bodies and decode them. Skipped without kubectl.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeK8sProtobuf, PROTOBUF_CONTENT_TYPE } from './decode.js';
import { captureKubectl, kubectlAvailable } from './kubectl-capture.js';
import { EXPECTED_DECODED } from './kubectl-fixtures-expected.js';
import { KUBECTL_FIXTURES } from './kubectl-fixtures.js';

test('kubectl 1.32 protobuf bodies decode to the expected objects', { skip: kubectlAvailable() ? false : 'kubectl not installed', timeout: 120_000 }, async () => {
  const names = Object.keys(EXPECTED_DECODED) as (keyof typeof KUBECTL_FIXTURES)[];
  const runs = await captureKubectl(names.map((n) => KUBECTL_FIXTURES[n].args));
  runs.forEach((run, i) => {
    const name = names[i];
    assert.equal(run.exitCode, 0, `${name}: ${run.stderr}`);
    assert.equal(run.posts.length, 1, name);
    const post = run.posts[0];
    assert.equal(post.contentType, PROTOBUF_CONTENT_TYPE, name);
    assert.equal(post.path, KUBECTL_FIXTURES[name].path, name);
    assert.deepEqual(decodeK8sProtobuf(post.body), EXPECTED_DECODED[name], name);
  });
});
