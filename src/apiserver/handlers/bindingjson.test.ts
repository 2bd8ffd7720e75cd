import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/types.js';
import { storedJson } from '../registry.js';
import { boundPod, boundPodStoredJson, boundPodStoredJsonAt, podLayout } from './bindingjson.js';
import { storedAndReplyJson } from '../storedjson.js';

const NOW = '2026-11-22T13:00:00Z';

const pod = (extra: Record<string, unknown> = {}, spec: Record<string, unknown> = { containers: [{ name: 'c', image: 'busybox' }] }): KubeObject =>
  ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'ns', uid: 'u-1', creationTimestamp: '2026-01-01T00:00:00Z', labels: { app: 'a' } },
    spec,
    ...extra,
  }) as KubeObject;

describe('boundPodStoredJson', () => {
  const cases: [string, KubeObject][] = [
    ['no status', pod()],
    ['empty status', pod({ status: {} })],
    ['pending status', pod({ status: { phase: 'Pending', qosClass: 'Burstable' } })],
    ['a PodScheduled=False condition and others', pod({ status: { phase: 'Pending', conditions: [{ type: 'Ready', status: 'False' }, { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes "fit"' }, { type: 'X', status: 'True' }] } })],
    ['only PodScheduled', pod({ status: { conditions: [{ type: 'PodScheduled', status: 'False' }] } })],
    ['empty conditions', pod({ status: { conditions: [] } })],
    ['status before spec', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, status: { phase: 'Pending' }, spec: { containers: [] } } as KubeObject],
    ['empty spec', pod({}, {})],
    [
      'strings that look like JSON',
      pod(
        { metadata: { name: 'p', annotations: { 'a"}': 'x\\"}],{', b: '\\\\', c: 'é€😀\u0001\n', nodeName: 'not the spec one', '123': 'numeric key' } }, status: { message: '"spec":{"nodeName":"x"}', conditions: [{ type: 'PodScheduled', status: 'False', message: '\\"]}' }] } },
        { containers: [{ name: 'c', args: ['{', '}', '[', ']', '"', '\\'], env: [{ name: 'X', value: '"nodeName":"n"' }] }], schedulerName: 'default-scheduler', priority: 0, enableServiceLinks: true, x: null, n: -1.5e-7 },
      ),
    ],
    ['managedFields', pod({ metadata: { name: 'p', managedFields: [{ manager: 'kubectl', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:containers': { 'k:{"name":"c"}': { '.': {} } } } } }] } })],
  ];
  for (const [what, p] of cases) {
    it(`splices as the object path serialises: ${what}`, () => {
      const stored = storedJson(JSON.parse(JSON.stringify(p)) as KubeObject);
      const want = storedJson(boundPod(JSON.parse(stored) as KubeObject, 'node-"1"', NOW));
      assert.equal(boundPodStoredJson(stored, 'node-"1"', NOW), want);
    });
    it(`splices the same with the layout from serialising: ${what}`, () => {
      const obj = JSON.parse(JSON.stringify(p)) as KubeObject;
      const enc = storedAndReplyJson(obj, true)!;
      assert.equal(enc.stored, storedJson(obj));
      for (const [k, [a, b]] of enc.spans!) assert.equal(enc.stored.slice(a, b), JSON.stringify(obj[k as keyof KubeObject]), k);
      const layout = podLayout(obj, enc.stored, enc.spans!);
      assert.ok(layout, 'a pending pod has a layout');
      assert.equal(boundPodStoredJsonAt(enc.stored, layout, 'node-"1"', NOW), boundPodStoredJson(enc.stored, 'node-"1"', NOW));
    });
  }

  it('leaves pods the binding rejects, and odd shapes, to the object path', () => {
    const of = (p: KubeObject) => boundPodStoredJson(storedJson(p), 'n', NOW);
    assert.equal(of(pod({}, { nodeName: 'other', containers: [] })), undefined);
    assert.equal(of(pod({ metadata: { name: 'p', deletionTimestamp: NOW } })), undefined);
    assert.equal(of(pod({ status: null })), undefined);
    assert.equal(of(pod({ status: { conditions: null } })), undefined);
    assert.equal(of(pod({ spec: undefined })), undefined);
    const at = (p: KubeObject) => {
      const enc = storedAndReplyJson(p, true)!;
      const layout = podLayout(p, enc.stored, enc.spans!);
      return layout && boundPodStoredJsonAt(enc.stored, layout, 'n', NOW);
    };
    assert.equal(at(pod({}, { nodeName: 'other', containers: [] })), undefined);
    assert.equal(at(pod({ metadata: { name: 'p', deletionTimestamp: NOW } })), undefined);
    assert.equal(at(pod({ metadata: { name: 'p', deletionTimestamp: null } })), undefined);
    assert.equal(at(pod({ status: null })), undefined);
    assert.equal(at(pod({ status: { conditions: null } })), undefined);
    assert.equal(at(pod({ spec: undefined })), undefined);
    assert.equal(at(pod({ spec: null })), undefined);
    assert.equal(at(pod({ spec: [] })), undefined);
    // a layout of another text is not used
    const enc = storedAndReplyJson(pod(), true)!;
    assert.equal(boundPodStoredJsonAt(`${enc.stored} `, podLayout(pod(), enc.stored, enc.spans!)!, 'n', NOW), undefined);
    assert.equal(boundPodStoredJson('{"metadata":{},"spec":{}', 'n', NOW), undefined);
    assert.equal(boundPodStoredJson('{"metadata":{},"spec":{}} ', 'n', NOW), undefined);
  });
});
